/**
 * Files to warm the reader up with before a corpus: reads a few small synthetic files that take every common
 * path (formats 0, 1 and 2, tempo changes, running status, note-offs of both kinds, overlapping
 * notes of one pitch, a sustain pedal with re-strikes, a pedal fed by two tracks, SysEx and meta
 * events, a note never released, drums).
 *
 * Why: V8 optimises the reader's hot functions after a few files, from the types and branches it
 * has seen so far; a branch first taken later (a re-strike under the pedal, a second pedal track)
 * throws the optimised code away, and the function is compiled again. On piano-midi-de that
 * happened a dozen times and cost about a fifth of a fresh import's CPU time (`bench/import-scale.js`).
 * Reading these files first, through the same path as the real files (the same kind of byte array,
 * the same kind of columns to write into), shows the optimiser every branch at once. It takes a few
 * milliseconds and changes nothing else: the reader keeps no state from one file to the next.
 */

const u32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/**
 * The bytes of a MIDI variable-length quantity (7 bits a byte, the high bit on all but the last),
 * for building files: the warm-up's here, and the tests'.
 *
 * @param n - 0 .. 2^28 - 1
 * @returns the bytes, most significant first
 * @example vlq(200); // [0x81, 0x48]
 */
export function vlq(n: number): number[] {
  const out = [n & 0x7f];
  for (let rest = n >>> 7; rest > 0; rest >>>= 7) out.unshift((rest & 0x7f) | 0x80);
  return out;
}

/** An SMF from tracks of [delta, ...event bytes]. */
function smf(tracks: number[][][], format: number): Uint8Array {
  const bytes = [0x4d, 0x54, 0x68, 0x64, ...u32(6), 0, format, 0, tracks.length, 0x01, 0xe0];
  for (const events of tracks) {
    const body = events.flatMap(([delta, ...event]) => [...vlq(delta ?? 0), ...event]);
    bytes.push(0x4d, 0x54, 0x72, 0x6b, ...u32(body.length), ...body);
  }
  return Uint8Array.from(bytes);
}

/** A track of `notes` notes on `channel`, with the pedal moving and every kind of event. */
function track(seed: number, notes: number, channel: number): number[][] {
  const on = 0x90 | channel;
  const events: number[][] = [
    [0, 0xff, 0x03, 1, 65],
    [0, 0xc0 | channel, 5],
    [0, 0xe0 | channel, 0, 64],
  ];
  for (let i = 0; i < notes; i++) {
    const pitch = 36 + ((i * 7 + seed) % 60);
    events.push([i % 3, on, pitch, 30 + (i % 90)]);
    events.push([0, 0xb0 | channel, 64, (i * 29 + seed) % 128]);
    events.push([4 + (i % 5), 0x80 | channel, pitch, 0]);
    events.push([0, on, pitch + 1, 50], [2, pitch + 1, 0]); // running status, velocity-0 note-off
    events.push(
      [0, on, pitch, 60],
      [0, on, pitch, 61],
      [1, 0x80 | channel, pitch, 0],
      [1, 0x80 | channel, pitch, 0],
    );
    if (i % 4 === 0) events.push([0, 0xf0, 2, 1, 0xf7], [0, 0x99, 38, 90], [1, 0x89, 38, 0]);
  }
  events.push([0, on, 70, 80], [0, 0x80 | channel, 71, 0], [0, 0xff, 0x2f, 0]); // unreleased, stray
  return events;
}

const tempoTrack = [
  [0, 0xff, 0x51, 3, 0x07, 0xa1, 0x20],
  [96, 0xff, 0x51, 3, 0x06, 0x1a, 0x80],
  [0, 0xff, 0x2f, 0],
];
const pedalTrack = [
  [0, 0xb0, 64, 127],
  [300, 0xb0, 64, 0],
  [0, 0xff, 0x2f, 0],
];

let files: Uint8Array[] | undefined;

/**
 * The warm-up files (see the module comment): give each to the reader, through the same path and
 * with the same options as the real files, before them.
 *
 * @returns a few small Standard MIDI Files, the same every time
 * @example for (const bytes of warmUpFiles()) readMidiColumns(Buffer.from(bytes));
 */
export function warmUpFiles(): readonly Uint8Array[] {
  files ??= [
    smf([tempoTrack, track(1, 40, 0), track(2, 20, 1), pedalTrack], 1),
    smf([track(3, 40, 0)], 0),
    smf([track(4, 20, 0), track(5, 20, 0)], 2),
  ];
  return files;
}
