import { clampPitch } from '../score/clamp-pitch.js';
import { scratchFloat64, scratchInt32 } from './scratch.js';
import type { TempoMap } from './tempo-map.js';

/**
 * The last step of reading a file: the notes, kept in ticks in file order, written out in seconds in
 * `sortNotes` order, into columns that the caller provides (`reserve`): new arrays for
 * `readMidiColumns`, the batch's own columns for the importer, which then copies nothing.
 */

/** Where `writeSortedNotes` writes: columns with room for the notes from row `at`. */
export interface NoteColumnsSlot {
  time: Float64Array;
  /** Float64, or Float32 as a dataset stores it (each value rounded as a store into it rounds). */
  duration: Float64Array | Float32Array;
  pitch: Uint8Array;
  velocity: Uint8Array;
  /** The first row to write. */
  at: number;
}

/** `clampPitch` of every MIDI pitch 0..127. */
const CLAMPED = Uint8Array.from({ length: 128 }, (_, pitch) => clampPitch(pitch));

/** Runs of notes in one centisecond longer than this are sorted by comparison, not by insertion. */
const LONG_RUN = 32;

const finalRows = scratchInt32();
const onsetSeconds = scratchFloat64();
/** Onsets in centiseconds (Float64: a piece may run past 2^31 centiseconds). */
const onsetCentis = scratchFloat64();

/**
 * Sorts `rows[from..to)` (with their `seconds`) by (clamped pitch, row): the notes of one
 * centisecond, in onset order on entry.
 */
function sortRun(rows: Int32Array, seconds: Float64Array, from: number, to: number, pitch: Int32Array): void {
  const before = (a: number, b: number): boolean => {
    const pa = CLAMPED[pitch[a]!]!;
    const pb = CLAMPED[pitch[b]!]!;
    return pa < pb || (pa === pb && a < b);
  };
  if (to - from <= LONG_RUN) {
    for (let j = from + 1; j < to; j++) {
      const row = rows[j]!;
      const time = seconds[j]!;
      let k = j - 1;
      while (k >= from && before(row, rows[k]!)) {
        rows[k + 1] = rows[k]!;
        seconds[k + 1] = seconds[k]!;
        k--;
      }
      rows[k + 1] = row;
      seconds[k + 1] = time;
    }
    return;
  }
  const span = Array.from({ length: to - from }, (_, k) => k + from);
  span.sort((x, y) => (before(rows[x]!, rows[y]!) ? -1 : before(rows[y]!, rows[x]!) ? 1 : 0));
  const sortedRows = span.map((k) => rows[k]!);
  const sortedSeconds = span.map((k) => seconds[k]!);
  rows.set(sortedRows, from);
  seconds.set(sortedSeconds, from);
}

/**
 * Writes the notes in the order of a stable sort of the rows by (onset in centiseconds, clamped
 * pitch). Seconds never decrease with ticks, so walking the notes in onset order (`byOnset`: by
 * tick, then row) gives their centiseconds in order too; only the notes that share a centisecond
 * still need ordering by pitch, and such a run is short (a chord).
 *
 * @param map Ticks to seconds.
 * @param start Onset ticks, by row.
 * @param end Release ticks (the pedal applied), by row.
 * @param pitch Raw MIDI pitches, by row (clamped on the way out).
 * @param velocity Velocities, by row.
 * @param byOnset The rows by (onset tick, row).
 * @param removed Rows to leave out (cut to nothing by a re-strike), or undefined.
 * @param reserve Gives the columns to write the notes into, given how many there are.
 * @returns How many notes were written, and the end of the last one in seconds.
 */
export function writeSortedNotes(
  map: TempoMap,
  start: Float64Array,
  end: Float64Array,
  pitch: Int32Array,
  velocity: Int32Array,
  byOnset: Int32Array,
  removed: Uint8Array | undefined,
  reserve: (count: number) => NoteColumnsSlot,
): { count: number; durationSeconds: number } {
  const count = byOnset.length;
  let kept = count;
  if (removed !== undefined) for (let i = 0; i < count; i++) kept -= removed[i]!;
  const rows = finalRows.take(kept);
  const seconds = onsetSeconds.take(kept);
  const centis = onsetCentis.take(kept);
  for (let j = 0, n = 0; j < count; j++) {
    const i = byOnset[j]!;
    if (removed !== undefined && removed[i]) continue;
    const time = map.ticksToSeconds(start[i]!);
    rows[n] = i;
    seconds[n] = time;
    centis[n++] = Math.round(time * 100);
  }
  for (let from = 0; from < kept;) {
    let to = from + 1;
    while (to < kept && centis[to] === centis[from]) to++;
    if (to - from > 1) sortRun(rows, seconds, from, to, pitch);
    from = to;
  }

  const out = reserve(kept);
  let durationSeconds = 0;
  for (let n = 0, row = out.at; n < kept; n++, row++) {
    const i = rows[n]!;
    const time = seconds[n]!;
    const finish = map.ticksToSeconds(end[i]!);
    const duration = finish > time ? finish - time : 0;
    out.time[row] = time;
    out.duration[row] = duration;
    out.pitch[row] = CLAMPED[pitch[i]!]!;
    out.velocity[row] = velocity[i]!;
    if (time + duration > durationSeconds) durationSeconds = time + duration;
  }
  return { count: kept, durationSeconds };
}
