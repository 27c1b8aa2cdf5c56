import type { Score, Seconds, TempoChange, Ticks } from '../../score/note.js';
import { CliError } from '../cli-error.js';

/**
 * `howl infill --bars`: bar numbers to seconds, through the file's own time signatures and tempo
 * map. Bar 1 starts at tick 0; a time signature event starts a new bar where it stands. The
 * reader (`readMidi`) gives the tempo map but not the meter, so the time signatures (meta event
 * FF 58) are read here by walking the tracks' events.
 */

/** A time signature event. */
export interface TimeSignature {
  readonly tick: Ticks;
  readonly numerator: number;
  readonly denominator: number;
}

const text = (bytes: Uint8Array, at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));

/** A variable-length quantity at `at`: its value and the next offset. */
function varLength(bytes: Uint8Array, at: number, end: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 4 && at < end; i++) {
    const byte = bytes[at++]!;
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return [value, at];
  }
  return [value, at];
}

/**
 * The time signatures of a Standard MIDI File, by tick (format 0 and 1: one time line; format 2:
 * the first track's). A file with none (or one that cannot be walked) gives none: 4/4 applies.
 *
 * @param bytes - the file
 * @returns the events, sorted by tick
 */
export function readTimeSignatures(bytes: Uint8Array): TimeSignature[] {
  const found: TimeSignature[] = [];
  if (bytes.length < 14 || text(bytes, 0) !== 'MThd') return found;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint16(8);
  let at = 8 + view.getUint32(4);
  for (let track = 0; at + 8 <= bytes.length; track++) {
    const size = view.getUint32(at + 4);
    const start = at + 8;
    const end = Math.min(bytes.length, start + size);
    if (text(bytes, at) === 'MTrk' && !(format === 2 && track > 0)) walkTrack(bytes, start, end, found);
    at = start + size;
  }
  return found.sort((a, b) => a.tick - b.tick);
}

function walkTrack(bytes: Uint8Array, start: number, end: number, found: TimeSignature[]): void {
  let at = start;
  let tick = 0;
  let running = 0;
  while (at < end) {
    let delta: number;
    [delta, at] = varLength(bytes, at, end);
    tick += delta;
    let status = bytes[at]!;
    if (status < 0x80) status = running;
    else at++;
    if (status === 0xff) {
      const type = bytes[at++]!;
      let length: number;
      [length, at] = varLength(bytes, at, end);
      if (type === 0x58 && length >= 2 && at + 2 <= end) {
        found.push({ tick, numerator: bytes[at]!, denominator: 2 ** bytes[at + 1]! });
      }
      if (type === 0x2f) return;
      at += length;
    } else if (status === 0xf0 || status === 0xf7) {
      let length: number;
      [length, at] = varLength(bytes, at, end);
      at += length;
    } else if (status >= 0x80) {
      running = status;
      at += (status & 0xf0) === 0xc0 || (status & 0xf0) === 0xd0 ? 1 : 2;
    } else {
      return; // data with no running status: stop rather than guess
    }
  }
}

/** The tick a bar number starts at (bar 1 at 0; 3.5 is half-way through bar 3). */
export function barToTicks(
  bar: number,
  ticksPerQuarter: number,
  signatures: readonly TimeSignature[],
): Ticks {
  const sorted = signatures.filter((s) => s.numerator > 0 && s.denominator > 0);
  let meter = { numerator: 4, denominator: 4 };
  let index = 0;
  while (index < sorted.length && sorted[index]!.tick <= 0) meter = sorted[index++]!;
  let tick = 0;
  let at = 1;
  for (;;) {
    const barTicks = (ticksPerQuarter * 4 * meter.numerator) / meter.denominator;
    const next = sorted[index];
    // Whole bars up to the next signature (a signature inside a bar starts a new one there).
    const room = next === undefined ? Infinity : (next.tick - tick) / barTicks;
    if (bar - at <= room || next === undefined) return tick + (bar - at) * barTicks;
    tick = next.tick;
    at += Math.ceil(room - 1e-9);
    meter = next;
    index++;
    while (index < sorted.length && sorted[index]!.tick <= tick) meter = sorted[index++]!;
  }
}

/** Seconds at a tick, through a score's tempo map (120 bpm before its first change). */
export function ticksToSeconds(
  tick: Ticks,
  ticksPerQuarter: number,
  tempos: readonly TempoChange[],
): Seconds {
  let base: TempoChange = { ticks: 0, time: 0, microsecondsPerQuarter: 500_000 };
  for (const change of tempos) if (change.ticks <= tick) base = change;
  return base.time + ((tick - base.ticks) * base.microsecondsPerQuarter) / 1e6 / ticksPerQuarter;
}

/**
 * A gap given in bars, in seconds.
 *
 * @param score - the piece as read (its tempo map and ticks per quarter)
 * @param bytes - the file's bytes (for its time signatures)
 * @param from - the first bar of the gap (1 = the piece's first bar)
 * @param to - the bar the gap ends at (it ends where this bar starts)
 * @param file - the file's name, for messages
 * @returns the gap in seconds
 * @throws CliError for a file without a tempo or with SMPTE timing
 */
export function barsToSeconds(
  score: Score,
  bytes: Uint8Array,
  from: number,
  to: number,
  file: string,
): { from: Seconds; to: Seconds } {
  const tpq = score.ticksPerQuarter;
  if (tpq === undefined) throw new CliError(`--bars: ${file} counts time in SMPTE frames, not beats`);
  if (score.tempos.length === 0) {
    throw new CliError(
      `--bars: ${file} sets no tempo, so its bars are not known; give --from and --to in seconds`,
    );
  }
  const signatures = readTimeSignatures(bytes);
  const seconds = (bar: number): Seconds =>
    ticksToSeconds(barToTicks(bar, tpq, signatures), tpq, score.tempos);
  return { from: seconds(from), to: seconds(to) };
}
