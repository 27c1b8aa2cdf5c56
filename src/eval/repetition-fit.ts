import { timeBin, velocityBin } from '../encoding/grid.js';
import type { V1Row } from '../encoding/v1.js';
import {
  RepetitionCache,
  type BinnedAttribute,
  type RepetitionConfig,
} from '../generate/repetition-cache.js';
import { mixLogProb } from '../generate/repetition-mix.js';
import type { Predictions } from './predict.js';

/**
 * Fitting a repetition cache's weights (`src/generate/repetition-cache.ts`) to a model, and
 * scoring held-out music with it. Both read the model's teacher-forced predictions
 * (`predictPieces`): for each note, the log-probability the model gave each real attribute, which
 * the cache's probability of the same value is mixed into.
 */

/** The context lengths a cache is fitted with, longest first. */
export const DEFAULT_REPETITION_ORDERS: readonly number[] = [32, 20, 12, 8, 6, 4, 3, 2];

/** Kernel widths tried for the binned attributes, in ln(bin + 1). */
export const REPETITION_WIDTHS: readonly number[] = [0.02, 0.05, 0.1, 0.2, 0.4];

const ATTRIBUTES = ['delay', 'pitch', 'duration', 'velocity'] as const;
type Attribute = (typeof ATTRIBUTES)[number];

/** A note's real bins, the values the cache is asked about. */
interface RealNote {
  readonly pitch: number;
  readonly delay: number;
  readonly duration: number;
  readonly velocity: number;
}

const realNote = (row: V1Row): RealNote => ({
  pitch: row[3] + 60,
  delay: timeBin(row[0]),
  duration: timeBin(row[1]),
  velocity: velocityBin(row[2] * 127),
});

/** The model's log-probability of each attribute of predicted note `k`. */
function modelLogProbs(predictions: Predictions, k: number): Record<Attribute, number> {
  const binned = predictions.binned!;
  return {
    delay: binned.delay[k]!,
    pitch: predictions.pitchLogProb[k]!,
    duration: binned.duration[k]!,
    velocity: binned.velocity[k]!,
  };
}

/**
 * Walks every predicted note of every piece with a cache fed the piece's real notes, and calls
 * `visit` for each note the cache has a match for.
 */
function walk(
  config: RepetitionConfig,
  predictions: Predictions,
  pieces: readonly (readonly V1Row[])[],
  visit: (
    cache: RepetitionCache,
    match: NonNullable<ReturnType<RepetitionCache['match']>>,
    k: number,
    next: RealNote,
  ) => void,
): void {
  const cache = new RepetitionCache(config);
  pieces.forEach((rows, p) => {
    if (rows.length < 2) return;
    cache.clear();
    cache.push(rows[0]!);
    for (let t = 0; t + 1 < rows.length; t++) {
      const next = realNote(rows[t + 1]!);
      const match = cache.match();
      if (match) visit(cache, match, predictions.offsets[p]! + t, next);
      cache.pushBins(next.pitch, next.delay, next.duration, next.velocity);
    }
  });
}

/** The cache's probability of a note's real attribute (and whether it had an opinion). */
function cacheProbability(
  cache: RepetitionCache,
  match: NonNullable<ReturnType<RepetitionCache['match']>>,
  attribute: Attribute,
  next: RealNote,
  width?: number,
): { q: number; votes: number } {
  if (attribute === 'pitch') return { q: cache.pitchProbability(match, next.pitch), votes: 1 };
  const { probability, votes } = cache.binProbability(
    attribute,
    match,
    next[attribute],
    attribute === 'delay' ? undefined : next.pitch,
    width,
  );
  return { q: probability, votes };
}

/** λ maximising Σ ln((1 − λ) p_i + λ q_i), by EM from 0.5 (the objective is concave in λ). */
function fitWeight(p: readonly number[], q: readonly number[]): { lambda: number; gain: number } {
  if (p.length === 0) return { lambda: 0, gain: 0 };
  let lambda = 0.5;
  for (let iteration = 0; iteration < 200; iteration++) {
    let share = 0;
    for (let i = 0; i < p.length; i++) {
      const mixed = (1 - lambda) * p[i]! + lambda * q[i]!;
      share += mixed > 0 ? (lambda * q[i]!) / mixed : 0;
    }
    const next = Math.min(0.99, share / p.length);
    if (Math.abs(next - lambda) < 1e-6) {
      lambda = next;
      break;
    }
    lambda = next;
  }
  lambda = Math.round(lambda * 1000) / 1000;
  let gain = 0;
  for (let i = 0; i < p.length; i++)
    gain += Math.log((1 - lambda) * p[i]! + lambda * q[i]!) - Math.log(p[i]!);
  return { lambda, gain };
}

/** What `fitRepetition` found: the config, and the nats it gains on the notes it was fitted on. */
export interface RepetitionFit {
  readonly config: RepetitionConfig;
  /** Notes read. */
  readonly notes: number;
  /** Notes with a match, per order. */
  readonly matched: readonly number[];
  /** Mean gain in nats per note (over all notes read) of each attribute on the fitting notes. */
  readonly gain: Readonly<Record<Attribute, number>>;
}

/**
 * Fits a cache's weights: for each attribute and context length, the λ that maximises the
 * likelihood of the real notes (EM), and for each binned attribute the kernel width (of
 * `REPETITION_WIDTHS`) that does. Fit it on training pieces, never on the music it will be scored on.
 *
 * @param predictions - the model's teacher-forced predictions of `pieces` (an ordered network's)
 * @param pieces - the pieces, as V1 rows
 * @param orders - context lengths, longest first
 * @returns the fitted config and what it gains on these pieces
 * @example const { config } = fitRepetition(predictPieces(create, rows), rows);
 */
export function fitRepetition(
  predictions: Predictions,
  pieces: readonly (readonly V1Row[])[],
  orders: readonly number[] = DEFAULT_REPETITION_ORDERS,
): RepetitionFit {
  if (!predictions.binned) throw new Error('fitRepetition needs an ordered network (binned predictions)');
  const widths = REPETITION_WIDTHS;
  const probe: RepetitionConfig = {
    orders,
    lambda: {
      delay: orders.map(() => 0),
      pitch: orders.map(() => 0),
      duration: orders.map(() => 0),
      velocity: orders.map(() => 0),
    },
    width: { delay: widths[0]!, duration: widths[0]!, velocity: widths[0]! },
  };
  // For each width: per attribute, per order, the model's p and the cache's q of every matched note
  // (the pitch has no kernel: its samples are kept under the first width). One pass tries them all.
  const samples = widths.map(() =>
    Object.fromEntries(
      ATTRIBUTES.map((a) => [a, orders.map(() => ({ p: [] as number[], q: [] as number[] }))]),
    ),
  ) as Record<Attribute, { p: number[]; q: number[] }[]>[];
  const matched = orders.map(() => 0);
  walk(probe, predictions, pieces, (cache, match, k, next) => {
    matched[match.order]!++;
    const logP = modelLogProbs(predictions, k);
    for (const attribute of ATTRIBUTES) {
      const p = Math.max(Math.exp(logP[attribute]), 1e-300);
      for (let w = 0; w < (attribute === 'pitch' ? 1 : widths.length); w++) {
        const { q, votes } = cacheProbability(cache, match, attribute, next, widths[w]);
        if (votes === 0) break; // the same followers vote at every width
        const sample = samples[w]![attribute][match.order]!;
        sample.p.push(p);
        sample.q.push(q);
      }
    }
  });
  const notes = predictions.count;
  const lambda = {} as Record<Attribute, number[]>;
  const gain = {} as Record<Attribute, number>;
  const width = {} as Record<BinnedAttribute, number>;
  for (const attribute of ATTRIBUTES) {
    let best = { w: 0, lambdas: [] as number[], gain: -Infinity };
    const tried = attribute === 'pitch' ? [0] : widths.map((_, w) => w);
    for (const w of tried) {
      const fits = samples[w]![attribute].map((s) => fitWeight(s.p, s.q));
      const total = fits.reduce((sum, f) => sum + f.gain, 0);
      if (total > best.gain) best = { w, lambdas: fits.map((f) => f.lambda), gain: total };
    }
    lambda[attribute] = best.lambdas;
    gain[attribute] = notes > 0 ? best.gain / notes : 0;
    if (attribute !== 'pitch') width[attribute] = widths[best.w]!;
  }
  return {
    config: {
      orders: [...orders],
      lambda,
      width,
    },
    notes,
    matched,
    gain,
  };
}

/**
 * Held-out predictions with a cache mixed in: the same predictions, each attribute's
 * log-probability replaced by `ln((1 − λ) p + λ q)` where the cache has a match.
 *
 * @param predictions - the model's teacher-forced predictions of `pieces` (an ordered network's)
 * @param pieces - the pieces, as V1 rows
 * @param config - the fitted cache
 * @returns new predictions (the input is not changed)
 */
export function withRepetition(
  predictions: Predictions,
  pieces: readonly (readonly V1Row[])[],
  config: RepetitionConfig,
): Predictions {
  if (!predictions.binned) return predictions;
  const pitchLogProb = Float64Array.from(predictions.pitchLogProb);
  const binned = {
    delay: Float64Array.from(predictions.binned.delay),
    duration: Float64Array.from(predictions.binned.duration),
    velocity: Float64Array.from(predictions.binned.velocity),
  };
  const target: Record<Attribute, Float64Array> = { pitch: pitchLogProb, ...binned };
  walk(config, predictions, pieces, (cache, match, k, next) => {
    const mixed = mixAt(cache, match, modelLogProbs(predictions, k), next);
    for (const attribute of ATTRIBUTES) target[attribute][k] = mixed[attribute];
  });
  return { ...predictions, pitchLogProb, binned };
}

/** A note's log-probability of each attribute. */
export type LogProbs = Record<Attribute, number>;

/** `logP` with the cache's probability of each real value mixed in, at the config's weights. */
function mixAt(
  cache: RepetitionCache,
  match: NonNullable<ReturnType<RepetitionCache['match']>>,
  logP: LogProbs,
  next: RealNote,
): LogProbs {
  const out = { ...logP };
  for (const attribute of ATTRIBUTES) {
    const lambda = cache.config.lambda[attribute][match.order]!;
    if (lambda === 0) continue;
    const { q, votes } = cacheProbability(cache, match, attribute, next);
    if (votes > 0) out[attribute] = mixLogProb(logP[attribute], lambda, q);
  }
  return out;
}

/**
 * A note's log-probabilities with the cache's mixed in, where it has a match (the cache holds the
 * notes before this one).
 *
 * @param cache - the piece's cache
 * @param logP - the model's log-probability of each of the note's attributes
 * @param row - the note
 * @returns the mixed log-probabilities (`logP` itself when the cache has no match)
 */
export function mixedLogProbs(cache: RepetitionCache, logP: LogProbs, row: V1Row): LogProbs {
  const match = cache.match();
  return match === null ? logP : mixAt(cache, match, logP, realNote(row));
}
