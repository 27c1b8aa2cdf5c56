// Small valid Standard MIDI Files for the import benchmarks: format 0, 480 ticks per quarter, a
// tempo, 20 to 140 notes of a random walk with running status and a sustain pedal that goes down
// and up every 8 notes. Deterministic: file `i` is always the same bytes.

/** A tiny seeded generator (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function vlq(n, out) {
  const bytes = [n & 0x7f];
  for (let rest = n >>> 7; rest > 0; rest >>>= 7) bytes.unshift((rest & 0x7f) | 0x80);
  out.push(...bytes);
}

/**
 * The bytes of synthetic file `index`.
 *
 * @param {number} index - which file
 * @returns {Uint8Array} a format 0 SMF
 */
export function syntheticMidi(index) {
  const random = rng(index * 2654435761);
  const notes = 20 + Math.floor(random() * 120);
  const track = [0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20]; // delta 0, tempo 120 bpm
  let running = 0;
  /** A delta-time, then a channel message (its status left out when running status allows). */
  const event = (delta, status, ...data) => {
    vlq(delta, track);
    if (status !== running) track.push(status);
    running = status;
    track.push(...data);
  };
  let pitch = 48 + Math.floor(random() * 24);
  for (let n = 0; n < notes; n++) {
    pitch = Math.max(21, Math.min(108, pitch + Math.floor(random() * 9) - 4));
    if (n % 8 === 0) event(0, 0xb0, 64, 127); // pedal down
    event(n % 8 === 0 ? 0 : Math.floor(random() * 60), 0x90, pitch, 40 + Math.floor(random() * 80));
    event(60 + Math.floor(random() * 420), 0x90, pitch, 0); // note off as velocity 0
    if (n % 8 === 7) event(0, 0xb0, 64, 0); // pedal up
  }
  track.push(0x00, 0xff, 0x2f, 0x00);
  const header = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xe0];
  const length = track.length;
  return Uint8Array.from([
    ...header,
    0x4d,
    0x54,
    0x72,
    0x6b,
    (length >>> 24) & 255,
    (length >>> 16) & 255,
    (length >>> 8) & 255,
    length & 255,
    ...track,
  ]);
}
