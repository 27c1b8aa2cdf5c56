import type { Seconds } from '../score/note.js';
import { orderedInputFeatures, type PitchEncoding } from './ordered-input.js';

/**
 * What a gap-filling network (`infill: true`, `src/model/batching/infill-windows.ts`) reads about
 * the gap beside each note: which part of the piece the note belongs to, how far the gap's start
 * and end are from its onset, and, on the notes before and in the gap, a summary of what follows it
 * (`suffixSummary`). 27 floats after the ordered input's reals and pitch; all zero for a note read
 * in the ordinary, left-to-right way, so an infill network is also an ordinary one.
 * No TensorFlow.js here: the step network reads it too.
 */

/** Floats of the gap's position per note: three segment flags, two times × two scales. */
const POSITION_FEATURES = 7;
/** Floats of the suffix's summary (`suffixSummary`). */
export const SUFFIX_SUMMARY_FEATURES = 20;
/** Floats the infill input adds per note. */
export const INFILL_FEATURES = POSITION_FEATURES + SUFFIX_SUMMARY_FEATURES;
/** Suffix notes the summary reads, at most (those nearest the gap). */
export const SUFFIX_SUMMARY_NOTES = 32;

/**
 * Where a note stands, for a gap from `from` to `to` seconds:
 * - `'suffix'`: after the gap (onset ≥ `to`), read first;
 * - `'prefix'`: before the gap (onset < `from`), read next;
 * - `'middle'`: in the gap, the notes the network writes (or is scored on).
 */
export type InfillSegment = 'suffix' | 'prefix' | 'middle';

/** One note's infill input. */
export interface InfillInput {
  readonly segment: InfillSegment;
  /** Seconds from the note's onset to the gap's start (prefix notes; 0 otherwise). */
  readonly untilStart: Seconds;
  /** Seconds from the note's onset to the gap's end (prefix and middle notes; 0 for the suffix). */
  readonly untilEnd: Seconds;
  /** The suffix's summary (`suffixSummary`), read on prefix and middle notes; absent: zeros. */
  readonly summary?: Float32Array;
}

/** The suffix notes a summary reads: onsets (seconds), MIDI pitches, volumes (velocity / 127). */
export interface SuffixNotes {
  readonly times: ArrayLike<number>;
  readonly pitches: ArrayLike<number>;
  readonly volumes: ArrayLike<number>;
}

const pitchReal = (midi: number): number => (midi - 60) / 24;

/**
 * What follows a gap, in `SUFFIX_SUMMARY_FEATURES` floats, from its first `SUFFIX_SUMMARY_NOTES`
 * notes: the share of each pitch class (12), the mean, lowest and highest pitch (each
 * `(midi − 60) / 24`), the mean volume, the density `ln(notes per second + 0.1) / 4`, then the
 * first note's pitch, volume and `ln(its delay after the gap's end + 0.01) / 4`. The network reads
 * it on every note before and in the gap, so what comes next (key, register, loudness, pace and the
 * note the gap leads into) is at hand at every step, not only in the state left by reading the suffix.
 *
 * @param suffix - the notes from the gap's end on, in time order (at least one)
 * @param to - the gap's end, seconds
 * @returns the summary
 * @example suffixSummary({ times: [10.5], pitches: [60], volumes: [0.5] }, 10)[0]; // 1 (all C)
 */
export function suffixSummary(suffix: SuffixNotes, to: Seconds): Float32Array {
  const n = Math.min(SUFFIX_SUMMARY_NOTES, suffix.times.length);
  const out = new Float32Array(SUFFIX_SUMMARY_FEATURES);
  if (n === 0) return out;
  let sum = 0;
  let low = Infinity;
  let high = -Infinity;
  let volume = 0;
  for (let k = 0; k < n; k++) {
    const p = suffix.pitches[k]!;
    out[p % 12] = out[p % 12]! + 1 / n;
    sum += p;
    low = Math.min(low, p);
    high = Math.max(high, p);
    volume += suffix.volumes[k]!;
  }
  const span = suffix.times[n - 1]! - suffix.times[0]!;
  out[12] = pitchReal(sum / n);
  out[13] = pitchReal(low);
  out[14] = pitchReal(high);
  out[15] = volume / n;
  out[16] = Math.log((n > 1 ? (n - 1) / Math.max(span, 0.1) : 0) + 0.1) / 4;
  out[17] = pitchReal(suffix.pitches[0]!);
  out[18] = suffix.volumes[0]!;
  out[19] = Math.log(Math.max(0, suffix.times[0]! - to) + 0.01) / 4;
  return out;
}

/** The longest time the linear features tell apart; beyond it they read as this (seconds). */
const LINEAR_CAP = 32;
const linear = (seconds: number): number => Math.min(Math.max(0, seconds), LINEAR_CAP) / 16;
const logarithmic = (seconds: number): number => Math.log(Math.max(0, seconds) + 0.01) / 4;

/**
 * The infill input of a note at `time` for a gap `[from, to)`.
 *
 * @param segment - the note's part
 * @param time - its onset, seconds
 * @param from - the gap's start
 * @param to - the gap's end
 * @param summary - the suffix's summary, for prefix and middle notes
 * @returns the input (times clamped at 0)
 * @example infillInputAt('prefix', 9, 10, 14); // { segment: 'prefix', untilStart: 1, untilEnd: 5 }
 */
export function infillInputAt(
  segment: InfillSegment,
  time: Seconds,
  from: Seconds,
  to: Seconds,
  summary?: Float32Array,
): InfillInput {
  return {
    segment,
    untilStart: segment === 'prefix' ? Math.max(0, from - time) : 0,
    untilEnd: segment === 'suffix' ? 0 : Math.max(0, to - time),
    ...(summary === undefined || segment === 'suffix' ? {} : { summary }),
  };
}

/**
 * Writes a note's infill floats into `out` at `offset`: the three segment flags (suffix, prefix,
 * middle), then the time to the gap's end (prefix and middle notes) as `min(t, 32) / 16` and
 * `ln(t + 0.01) / 4`, then the time to its start (prefix notes) the same two ways, then the suffix's
 * summary (prefix and middle notes). `null` (a note read left to right, not around a gap) writes
 * zeros.
 *
 * @param input - the note's infill input, or `null`
 * @param out - destination
 * @param offset - where the first float goes
 */
export function writeInfillFeatures(
  input: InfillInput | null,
  out: Float32Array | Float64Array,
  offset: number,
): void {
  out.fill(0, offset, offset + INFILL_FEATURES);
  if (input === null) return;
  const { segment } = input;
  out[offset + (segment === 'suffix' ? 0 : segment === 'prefix' ? 1 : 2)] = 1;
  if (segment === 'suffix') return;
  out[offset + 3] = linear(input.untilEnd);
  out[offset + 4] = logarithmic(input.untilEnd);
  if (input.summary !== undefined) out.set(input.summary, offset + POSITION_FEATURES);
  if (segment !== 'prefix') return;
  out[offset + 5] = linear(input.untilStart);
  out[offset + 6] = logarithmic(input.untilStart);
}

/**
 * Floats per input note of an ordered recurrent network: the ordered input
 * (`orderedInputFeatures`), plus `INFILL_FEATURES` for a gap-filling one.
 *
 * @param config - its pitch encoding and whether it fills gaps
 * @returns 125 for the default one-hot network, 152 with `infill`
 */
export function orderedRnnInputFeatures(config: {
  readonly pitchEncoding: PitchEncoding;
  readonly infill?: boolean;
}): number {
  return orderedInputFeatures(config.pitchEncoding) + (config.infill ? INFILL_FEATURES : 0);
}
