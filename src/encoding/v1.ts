import { InvalidArgumentError } from '../errors.js';
import { clampPitch } from '../score/clamp-pitch.js';
import type { Note, Seconds } from '../score/note.js';
import type { NoteEncoding } from './note-encoding.js';
import { MIDDLE_C_MIDI } from './note-names.js';

/**
 * One note in the original system's "V1" encoding (docs/original-system.md §3):
 * - `delay`: seconds since the previous note's onset (0 for the first note);
 * - `duration`: seconds, |end - start|;
 * - `volume`: velocity / 127, in 0..1 (1 when the note carries no velocity);
 * - `pitch`: semitones from middle C (MIDI - 60), an integer in -60..59.
 */
export type V1Row = readonly [delay: Seconds, duration: Seconds, volume: number, pitch: number];

/** Numbers per V1 row (the flat `Float32Array` layout's stride). */
export const V1_WIDTH = 4;

/** The names of a V1 row's fields, in order. */
export const V1_FIELDS = ['delay', 'duration', 'volume', 'pitch'] as const;

/** What `encodeV1` reads from a note: a `Note` whose velocity may be missing. */
export interface V1NoteInput {
  /** MIDI note number; clamped by octave into 0..119. */
  readonly pitch: number;
  /** MIDI velocity 0..127; when missing the volume is 1. */
  readonly velocity?: number | undefined;
  /** Onset in seconds. */
  readonly time: Seconds;
  /** Length in seconds (its absolute value is used). */
  readonly duration: Seconds;
}

/** Options for `decodeV1`. */
export interface DecodeV1Options {
  /** Onset the delays are added to, in seconds. Default 0. */
  startTime?: Seconds;
}

function fail(what: string, index: number, field: string, value: unknown, expected: string): never {
  throw new InvalidArgumentError(`${what} ${index}: ${field} ${String(value)} is not ${expected}`);
}

/**
 * Encodes notes into V1 rows, exactly as the original system (docs/original-system.md §3). Notes are
 * taken in the order given (sort them first, e.g. with `sortNotes`); because the original orders
 * onsets rounded to 10 ms (§1), a delay may be slightly negative within one 10 ms bin, and is kept so that decoding gives
 * the onsets back. Pitches outside 0..119 are clamped by octave (`clampPitch`).
 *
 * @param notes - the note stream; not mutated
 * @returns one new row per note
 * @throws InvalidArgumentError naming the note index and value, if a time or duration is not
 *   finite, a pitch is not an integer, or a velocity is outside 0..127
 * @example
 * encodeV1([
 *   { pitch: 60, velocity: 127, time: 0.5, duration: 1 },
 *   { pitch: 64, velocity: 64, time: 0.75, duration: 0.25 },
 * ]);
 * // [[0, 1, 1, 0], [0.25, 0.25, 0.5039…, 4]]
 */
export function encodeV1(notes: readonly V1NoteInput[]): V1Row[] {
  const rows: V1Row[] = new Array<V1Row>(notes.length);
  let previous = 0;
  for (let i = 0; i < notes.length; i++) {
    const note = notes[i] as V1NoteInput;
    const { pitch, velocity, time, duration } = note;
    if (!Number.isFinite(time)) fail('note', i, 'time', time, 'a finite number of seconds');
    if (!Number.isFinite(duration)) fail('note', i, 'duration', duration, 'a finite number of seconds');
    if (!Number.isInteger(pitch)) fail('note', i, 'pitch', pitch, 'an integer');
    let volume = 1;
    if (velocity !== undefined) {
      if (!(velocity >= 0 && velocity <= 127)) fail('note', i, 'velocity', velocity, 'in 0..127');
      volume = velocity / 127;
    }
    rows[i] = [i === 0 ? 0 : time - previous, Math.abs(duration), volume, clampPitch(pitch) - MIDDLE_C_MIDI];
    previous = time;
  }
  return rows;
}

/**
 * Decodes V1 rows into notes (docs/original-system.md §3): onsets are `startTime` plus the running
 * sum of the delays (compensated summation, so long pieces do not drift), including the first row's delay (0 for
 * encoded data, anything for generated data). `velocity = round(volume * 127)` clamped to 1..127;
 * `duration = |duration|`; `pitch = clampPitch(pitch + 60)` (octave clamping into MIDI 0..119).
 *
 * @param rows - V1 rows; not mutated
 * @param options - `startTime`, the onset the delays start from (default 0)
 * @returns one new note per row, in row order
 * @throws InvalidArgumentError naming the row index and value, if a delay, duration or volume is
 *   not finite or a pitch is not an integer
 * @example
 * decodeV1([[0, 1, 1, 0], [0.25, 0.25, 0.5, 4]], { startTime: 0.5 });
 * // [{ pitch: 60, velocity: 127, time: 0.5, duration: 1 },
 * //  { pitch: 64, velocity: 64, time: 0.75, duration: 0.25 }]
 */
export function decodeV1(rows: readonly V1Row[], options: DecodeV1Options = {}): Note[] {
  const startTime = options.startTime ?? 0;
  if (!Number.isFinite(startTime)) {
    throw new InvalidArgumentError(`startTime ${String(startTime)} is not a finite number of seconds`);
  }
  const notes: Note[] = new Array<Note>(rows.length);
  // Neumaier summation of startTime + delays.
  let sum = startTime;
  let compensation = 0;
  for (let i = 0; i < rows.length; i++) {
    const [delay, duration, volume, pitch] = rows[i] as V1Row;
    if (!Number.isFinite(delay)) fail('row', i, 'delay', delay, 'a finite number of seconds');
    if (!Number.isFinite(duration)) fail('row', i, 'duration', duration, 'a finite number of seconds');
    if (!Number.isFinite(volume)) fail('row', i, 'volume', volume, 'a finite number');
    if (!Number.isInteger(pitch)) fail('row', i, 'pitch', pitch, 'an integer');
    const t = sum + delay;
    compensation += Math.abs(sum) >= Math.abs(delay) ? sum - t + delay : delay - t + sum;
    sum = t;
    notes[i] = {
      pitch: clampPitch(pitch + MIDDLE_C_MIDI),
      velocity: Math.min(127, Math.max(1, Math.round(volume * 127))),
      time: sum + compensation,
      duration: Math.abs(duration),
    };
  }
  return notes;
}

/**
 * Copies V1 rows into a flat `Float32Array` for batching. Layout: row-major, `V1_WIDTH` (4) floats
 * per row in `V1_FIELDS` order, so row `i` field `j` is at `(atRow + i) * 4 + j`. A batch of
 * `B` examples of `T` steps is one array of `B * T * 4` floats filled with `atRow = b * T`.
 * Float32 keeps about 7 significant digits: fine for a model's input, not for exact timing.
 *
 * @param rows - V1 rows; not mutated
 * @param out - the array to write into; a new one of `rows.length * 4` floats when left out
 * @param atRow - the first row of `out` to write (default 0)
 * @returns `out`, or the new array
 * @throws InvalidArgumentError if `atRow` is not a non-negative integer or the rows do not fit
 * @example
 * const batch = new Float32Array(2 * 768 * V1_WIDTH);
 * v1ToFloat32(rowsA, batch, 0);
 * v1ToFloat32(rowsB, batch, 768);
 */
export function v1ToFloat32(rows: readonly V1Row[], out?: Float32Array, atRow = 0): Float32Array {
  const target = out ?? new Float32Array(rows.length * V1_WIDTH);
  if (!Number.isInteger(atRow) || atRow < 0 || (atRow + rows.length) * V1_WIDTH > target.length) {
    throw new InvalidArgumentError(
      `cannot write ${rows.length} V1 rows at row ${atRow} into a Float32Array of ${target.length} floats`,
    );
  }
  let k = atRow * V1_WIDTH;
  for (const row of rows) {
    target[k++] = row[0];
    target[k++] = row[1];
    target[k++] = row[2];
    target[k++] = row[3];
  }
  return target;
}

/**
 * Reads V1 rows back from the flat layout of `v1ToFloat32` (pitches rounded to integers).
 *
 * @param data - row-major floats, 4 per row
 * @param atRow - first row to read (default 0)
 * @param count - number of rows (default: all rows from `atRow` to the end)
 * @returns new rows
 * @throws InvalidArgumentError if the range does not lie inside `data` or its length is not a
 *   multiple of 4
 * @example float32ToV1(v1ToFloat32(rows)); // rows, at float32 precision
 */
export function float32ToV1(
  data: Float32Array,
  atRow = 0,
  count = Math.floor(data.length / V1_WIDTH) - atRow,
): V1Row[] {
  if (
    data.length % V1_WIDTH !== 0 ||
    !Number.isInteger(atRow) ||
    !Number.isInteger(count) ||
    atRow < 0 ||
    count < 0 ||
    (atRow + count) * V1_WIDTH > data.length
  ) {
    throw new InvalidArgumentError(
      `cannot read ${count} V1 rows at row ${atRow} from a Float32Array of ${data.length} floats`,
    );
  }
  const rows: V1Row[] = new Array<V1Row>(count);
  for (let i = 0; i < count; i++) {
    const k = (atRow + i) * V1_WIDTH;
    rows[i] = [data[k] ?? 0, data[k + 1] ?? 0, data[k + 2] ?? 0, Math.round(data[k + 3] ?? 0)];
  }
  return rows;
}

/** The original system's per-note vector, registered as `'v1'`. */
export const v1Encoding: NoteEncoding<V1Row> = {
  name: 'v1',
  description: 'one row per note: [delay s, duration s, volume 0..1, pitch -60..59] (original V1)',
  encode: (notes) => encodeV1(notes),
  decode: (rows) => decodeV1(rows),
};
