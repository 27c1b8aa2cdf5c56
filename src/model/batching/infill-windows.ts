import { infillInputAt, suffixSummary, type InfillInput } from '../../encoding/infill-input.js';
import type { V1Row } from '../../encoding/v1.js';
import { createRng, type Rng } from '../../random/rng.js';
import type { Seconds } from '../../score/note.js';

/**
 * Fill-in-the-middle windows for a recurrent network (Bavarian et al., "Efficient Training of
 * Language Models to Fill in the Middle", 2022, in its suffix-prefix-middle order), on notes.
 *
 * A window of consecutive notes and a gap `[from, to)` in seconds split the notes by onset into a
 * prefix (before `from`), a middle (in the gap) and a suffix (from `to` on). The network reads them
 * rearranged:
 *
 * ```
 * S0 S1 … Ss-1 | P0 P1 … Pp-1 | M0 M1 … Mm-1 | S0
 * ```
 *
 * - the **suffix** first (at most `suffixNotes`, those nearest the gap), its first delay measured
 *   from the gap's end (`S0`'s onset − `to`), the others as played;
 * - then the **prefix** (at most `prefixNotes`, those nearest the gap), its first delay 0 as at the
 *   start of any crop; the step that reads the suffix's last note and predicts `P0` is not scored
 *   (`P0`'s delay is made up);
 * - then the **middle**, as played: the step that reads the last prefix note predicts `M0` with its
 *   real delay, and so on;
 * - then the suffix's first note once more, as the target of the step that reads the last middle note
 *   (with its real delay from that note): the network learns where the gap's music hands over to
 *   what follows, and a sampler ends the gap when it draws a note at or after `to`.
 *
 * Every note carries its `InfillInput`: its segment, and on prefix and middle notes the seconds from
 * its onset to the gap's end (and, on prefix notes, to its start), so the network knows how much
 * time is left to fill, and a summary of the suffix (`suffixSummary`: its pitch classes, register,
 * loudness, pace and first note), so what follows the gap is at hand at every step. Onsets are
 * counted from the window's first note (its own delay ignored).
 */

/** A gap, in seconds from the window's first onset. */
export interface InfillGap {
  readonly from: Seconds;
  readonly to: Seconds;
}

/** How many context notes a window keeps on each side of the gap. */
export interface InfillContext {
  /** Prefix notes kept, nearest the gap first (default 128). */
  readonly prefixNotes: number;
  /** Suffix notes kept, nearest the gap first (default 64). */
  readonly suffixNotes: number;
}

/** The context an infill network trains with, and the sampler and evaluation read by default. */
export const DEFAULT_INFILL_CONTEXT: InfillContext = { prefixNotes: 128, suffixNotes: 64 };

/** A window as the network reads it. */
export interface InfillWindow {
  /** The rows in reading order (the last one only a target). */
  readonly rows: V1Row[];
  /** Each row's infill input. */
  readonly inputs: InfillInput[];
  /** Per step (step k reads row k and predicts row k + 1): whether its prediction is scored. */
  readonly scored: boolean[];
  /** Notes of each part in the window (the suffix's first note counted once). */
  readonly suffix: number;
  readonly prefix: number;
  readonly middle: number;
}

/** Onsets of V1 rows, the first at 0. */
export function onsetsOf(rows: readonly V1Row[]): Float64Array {
  const onsets = new Float64Array(rows.length);
  for (let k = 1; k < rows.length; k++) onsets[k] = onsets[k - 1]! + rows[k]![0];
  return onsets;
}

/**
 * Rearranges a window around a gap (see the file's comment).
 *
 * @param rows - V1 rows of consecutive notes
 * @param gap - the gap, seconds from the first onset
 * @param context - notes kept on each side (default `DEFAULT_INFILL_CONTEXT`)
 * @returns the window, or `null` when the prefix or the suffix would be empty
 * @example
 * // Four notes 1 s apart, gap [1.5, 2.5): prefix 0 and 1, middle 2, suffix 3.
 * arrangeInfillWindow(rows, { from: 1.5, to: 2.5 })!.rows.map((r) => r[3]); // [p3, p0, p1, p2, p3]
 */
export function arrangeInfillWindow(
  rows: readonly V1Row[],
  gap: InfillGap,
  context: InfillContext = DEFAULT_INFILL_CONTEXT,
): InfillWindow | null {
  const { from, to } = gap;
  const onsets = onsetsOf(rows);
  let i = 0;
  while (i < rows.length && onsets[i]! < from) i++;
  let j = i;
  while (j < rows.length && onsets[j]! < to) j++;
  if (i === 0 || j === rows.length) return null;
  const prefixStart = Math.max(0, i - context.prefixNotes);
  const suffixEnd = Math.min(rows.length, j + Math.max(1, context.suffixNotes));

  const out: V1Row[] = [];
  const inputs: InfillInput[] = [];
  const first = rows[j]!;
  const kept = rows.slice(j, suffixEnd);
  const summary = suffixSummary(
    {
      times: onsets.subarray(j, suffixEnd),
      pitches: kept.map((r) => r[3] + 60),
      volumes: kept.map((r) => r[2]),
    },
    to,
  );
  for (let k = j; k < suffixEnd; k++) {
    const row = rows[k]!;
    out.push(k === j ? [onsets[j]! - to, row[1], row[2], row[3]] : row);
    inputs.push(infillInputAt('suffix', onsets[k]!, from, to));
  }
  const prefixAt = out.length;
  for (let k = prefixStart; k < i; k++) {
    const row = rows[k]!;
    out.push(k === prefixStart ? [0, row[1], row[2], row[3]] : row);
    inputs.push(infillInputAt('prefix', onsets[k]!, from, to, summary));
  }
  for (let k = i; k < j; k++) {
    out.push(rows[k]!);
    inputs.push(infillInputAt('middle', onsets[k]!, from, to, summary));
  }
  out.push(first);
  inputs.push(infillInputAt('suffix', onsets[j]!, from, to));
  const scored = Array.from({ length: out.length - 1 }, (_, k) => k !== prefixAt - 1);
  return {
    rows: out,
    inputs,
    scored,
    suffix: suffixEnd - j,
    prefix: i - prefixStart,
    middle: j - i,
  };
}

/** How training draws its gaps. */
export interface InfillSchedule {
  /** Share of windows rearranged around a gap (the rest are read left to right). */
  readonly share: number;
  /** Gap lengths are uniform in [minSeconds, maxSeconds] (at most 3/4 of the window). */
  readonly minSeconds: Seconds;
  readonly maxSeconds: Seconds;
}

/** Half the windows, gaps of 1-16 s: the shipped infill model's training. */
export const DEFAULT_INFILL_SCHEDULE: InfillSchedule = { share: 0.5, minSeconds: 1, maxSeconds: 16 };

/**
 * A gap for a window: its length uniform in the schedule's range (at most 3/4 of the window's
 * span), its start uniform where it leaves at least one note before and one at or after it.
 *
 * @param rows - the window
 * @param rng - the generator
 * @param schedule - the lengths (default `DEFAULT_INFILL_SCHEDULE`)
 * @returns the gap, or `null` for a window too short to hold one
 */
export function drawInfillGap(
  rows: readonly V1Row[],
  rng: Rng,
  schedule: InfillSchedule = DEFAULT_INFILL_SCHEDULE,
): InfillGap | null {
  if (rows.length < 3) return null;
  const onsets = onsetsOf(rows);
  const span = onsets[rows.length - 1]!;
  if (!(span > 0.05)) return null;
  const length = Math.min(rng.uniform(schedule.minSeconds, schedule.maxSeconds), 0.75 * span);
  // (0, span − length]: the first note is before the gap, the last at or after its end.
  const from = span - length - rng.next() * (span - length);
  if (!(from > 0)) return null;
  return { from, to: from + length };
}

/**
 * A 32-bit hash of a window's values: the seed of its rearrangement, so that a batch is a function
 * of its crops alone (the same on every worker thread, on resume, and for the fixed validation
 * crops), with no generator to carry.
 */
export function windowHash(rows: readonly V1Row[]): number {
  let h = 0x811c9dc5;
  for (const row of rows) {
    for (let j = 0; j < 4; j++) {
      const v = Math.round(row[j]! * 1e6) | 0;
      h = Math.imul(h ^ (v & 0xffff), 0x01000193);
      h = Math.imul(h ^ (v >>> 16), 0x01000193);
    }
  }
  return h >>> 0;
}

/** One training example: read left to right (`inputs` and `scored` null) or around a gap. */
export interface TrainingSequence {
  readonly rows: readonly V1Row[];
  readonly inputs: readonly (InfillInput | null)[] | null;
  readonly scored: readonly boolean[] | null;
}

/**
 * What an infill network trains on for one crop: with probability `schedule.share` (drawn from the
 * crop's hash) the crop rearranged around a random gap, else the crop as it is.
 *
 * @param crop - V1 rows
 * @param schedule - share and gap lengths
 * @param context - notes kept on each side
 * @returns the sequence
 */
export function trainingSequenceOf(
  crop: readonly V1Row[],
  schedule: InfillSchedule = DEFAULT_INFILL_SCHEDULE,
  context: InfillContext = DEFAULT_INFILL_CONTEXT,
): TrainingSequence {
  const rng = createRng(windowHash(crop));
  if (rng.next() < schedule.share) {
    const gap = drawInfillGap(crop, rng, schedule);
    const window = gap === null ? null : arrangeInfillWindow(crop, gap, context);
    if (window !== null) return window;
  }
  return { rows: crop, inputs: null, scored: null };
}
