import { InvalidArgumentError } from '../errors.js';
import { TIME_BINS, VELOCITY_BINS, type GridSequence } from '../encoding/grid.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * The trivial models every real model must beat, fitted on the training split and scored on the
 * same notes and grid as the model (`likelihood.ts`):
 *
 * - **unigram pitch**: how often each pitch occurs, add-one (Laplace) smoothed;
 * - **bigram pitch**: how often each pitch follows each pitch, smoothed towards the unigram:
 *   p(b | a) = (count(a → b) + β · p_unigram(b)) / (count(a) + β) with β = 120 (add-one's total
 *   pseudo-count, spread by the unigram instead of evenly), so a rare previous pitch falls back on
 *   the unigram;
 * - **marginal histograms** of delay, duration and velocity bins, add-one smoothed: the timing and
 *   loudness of a "model" that ignores the music so far.
 *
 * As for the model, a piece's first note is context only: notes 2..n of every piece are counted
 * and scored.
 */

/** Pseudo-count β of the bigram's unigram prior. */
export const BIGRAM_PRIOR_WEIGHT = PITCH_COUNT;

/** Fitted baselines: natural-log probabilities over the grid. */
export interface Baselines {
  /** `[120]` log p(pitch). */
  readonly unigramPitch: Float64Array;
  /** `[120 × 120]` log p(pitch | previous pitch), row = previous pitch. */
  readonly bigramPitch: Float64Array;
  /** `[401]` log p(delay bin). */
  readonly delay: Float64Array;
  /** `[401]` log p(duration bin). */
  readonly duration: Float64Array;
  /** `[32]` log p(velocity bin). */
  readonly velocity: Float64Array;
  /** Training notes counted. */
  readonly notes: number;
}

/** Mean NLL of each baseline, nats per note. */
export interface BaselineNll {
  readonly unigramPitch: number;
  readonly bigramPitch: number;
  readonly delay: number;
  readonly duration: number;
  readonly velocity: number;
  /** Notes scored. */
  readonly notes: number;
}

function addOneLog(counts: Float64Array, total: number): Float64Array {
  const out = new Float64Array(counts.length);
  const denominator = Math.log(total + counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = Math.log(counts[i]! + 1) - denominator;
  return out;
}

/**
 * Counts the baselines on training pieces.
 *
 * @param train - the training pieces on the grid
 * @returns the fitted baselines
 * @throws InvalidArgumentError when no piece has 2 notes (nothing to count)
 * @example const baselines = fitBaselines(trainFiles.map((rows) => toGrid(rows)));
 */
export function fitBaselines(train: readonly GridSequence[]): Baselines {
  const pitch = new Float64Array(PITCH_COUNT);
  const pairs = new Float64Array(PITCH_COUNT * PITCH_COUNT);
  const delay = new Float64Array(TIME_BINS);
  const duration = new Float64Array(TIME_BINS);
  const velocity = new Float64Array(VELOCITY_BINS);
  let notes = 0;
  for (const s of train) {
    for (let i = 1; i < s.length; i++) {
      pitch[s.pitch[i]!]!++;
      pairs[s.pitch[i - 1]! * PITCH_COUNT + s.pitch[i]!]!++;
      delay[s.delay[i]!]!++;
      duration[s.duration[i]!]!++;
      velocity[s.velocity[i]!]!++;
      notes++;
    }
  }
  if (notes === 0)
    throw new InvalidArgumentError('no training piece has 2 notes: nothing to fit baselines on');
  const unigramPitch = addOneLog(pitch, notes);
  const bigramPitch = new Float64Array(PITCH_COUNT * PITCH_COUNT);
  for (let a = 0; a < PITCH_COUNT; a++) {
    let rowTotal = 0;
    for (let b = 0; b < PITCH_COUNT; b++) rowTotal += pairs[a * PITCH_COUNT + b]!;
    const denominator = Math.log(rowTotal + BIGRAM_PRIOR_WEIGHT);
    for (let b = 0; b < PITCH_COUNT; b++) {
      const smoothed = pairs[a * PITCH_COUNT + b]! + BIGRAM_PRIOR_WEIGHT * Math.exp(unigramPitch[b]!);
      bigramPitch[a * PITCH_COUNT + b] = Math.log(smoothed) - denominator;
    }
  }
  return {
    unigramPitch,
    bigramPitch,
    delay: addOneLog(delay, notes),
    duration: addOneLog(duration, notes),
    velocity: addOneLog(velocity, notes),
    notes,
  };
}

/**
 * Scores pieces with the baselines.
 *
 * @param baselines - from `fitBaselines`
 * @param pieces - the held-out pieces on the grid
 * @returns mean NLL per baseline, nats per note (notes 2..n of each piece)
 * @example scoreBaselines(fitBaselines(train), validation).bigramPitch;
 */
export function scoreBaselines(baselines: Baselines, pieces: readonly GridSequence[]): BaselineNll {
  let unigram = 0;
  let bigram = 0;
  let delay = 0;
  let duration = 0;
  let velocity = 0;
  let notes = 0;
  for (const s of pieces) {
    for (let i = 1; i < s.length; i++) {
      unigram -= baselines.unigramPitch[s.pitch[i]!]!;
      bigram -= baselines.bigramPitch[s.pitch[i - 1]! * PITCH_COUNT + s.pitch[i]!]!;
      delay -= baselines.delay[s.delay[i]!]!;
      duration -= baselines.duration[s.duration[i]!]!;
      velocity -= baselines.velocity[s.velocity[i]!]!;
      notes++;
    }
  }
  const mean = (sum: number): number => (notes ? sum / notes : 0);
  return {
    unigramPitch: mean(unigram),
    bigramPitch: mean(bigram),
    delay: mean(delay),
    duration: mean(duration),
    velocity: mean(velocity),
    notes,
  };
}
