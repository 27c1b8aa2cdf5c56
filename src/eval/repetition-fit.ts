import type { V1Row } from '../encoding/v1.js';
import type { ChordCache, ChordMatch } from '../generate/chord-cache.js';
import { RepetitionCache, type RepetitionConfig } from '../generate/repetition-cache.js';
import { chordWeights, type ChordCacheConfig, type ReleaseConfig } from '../generate/repetition-config.js';
import { NEIGHBOUR_ATTRIBUTES } from '../generate/neighbour-vote.js';
import { mixLogProb } from '../generate/repetition-mix.js';
import { fitMixture, RELEASE_WIDTHS, REPETITION_WIDTHS } from './mixture-weights.js';
import {
  DEFAULT_NEIGHBOUR_RECENT,
  fitNeighbourStage,
  mixNeighbours,
  withNeighbourVote,
} from './neighbour-fit.js';
import type { Predictions } from './predict.js';
import {
  ATTRIBUTES,
  cacheProbability,
  modelLogProbs,
  realNote,
  walk,
  walkChords,
  walkRelease,
  type Attribute,
  type RealNote,
} from './repetition-walk.js';

export { REPETITION_WIDTHS } from './mixture-weights.js';

/**
 * Fitting a repetition cache's weights (`src/generate/repetition-cache.ts`) to a model, and
 * scoring held-out music with it. Both read the model's teacher-forced predictions
 * (`predictPieces`): for each note, the log-probability the model gave each real attribute, which
 * the cache's probability of the same value is mixed into.
 */

/** The context lengths a cache is fitted with, longest first. */
export const DEFAULT_REPETITION_ORDERS: readonly number[] = [32, 20, 12, 8, 6, 4, 3, 2];

/** The chord cache's context lengths (intervals of the chords' pitch-ordered notes), longest first. */
export const DEFAULT_CHORD_ORDERS: readonly number[] = [24, 16, 12, 8, 6, 4, 3, 2, 1];

/** Delay bins within which a note belongs to the chord before it (3: under 40 ms). */
export const DEFAULT_CHORD_BINS = 3;

/** An interval-cache match of this many intervals or more picks the chord cache's `afterLong` weights. */
export const DEFAULT_LONG_CONTEXT = 12;

/** Notes before the next one whose ends the release vote offers it. */
export const DEFAULT_RELEASE_RECENT = 8;

/** What `fitRepetition` found: the config, and the nats it gains on the notes it was fitted on. */
export interface RepetitionFit {
  readonly config: RepetitionConfig;
  /** Notes read. */
  readonly notes: number;
  /** Notes with a match, per order. */
  readonly matched: readonly number[];
  /** Mean gain in nats per note (over all notes read) of each attribute on the fitting notes, both caches. */
  readonly gain: Readonly<Record<Attribute, number>>;
  /** The chord cache's part: notes with a match per order, and its gain over the interval cache's. */
  readonly chords?: {
    readonly matched: readonly number[];
    readonly gain: Readonly<Record<Attribute, number>>;
  };
  /** The release vote's part: notes it voted for, and its gain on durations over both caches. */
  readonly release?: { readonly matched: number; readonly gain: number };
  /** The neighbour vote's part: its gain on durations and velocities over all the rest. */
  readonly neighbours?: { readonly gain: { readonly duration: number; readonly velocity: number } };
}

/** Options of `fitRepetition`. */
export interface RepetitionFitOptions {
  /** The interval cache's context lengths, longest first (default `DEFAULT_REPETITION_ORDERS`). */
  readonly orders?: readonly number[];
  /** The chord cache's, or false for none (default `DEFAULT_CHORD_ORDERS`). */
  readonly chordOrders?: readonly number[] | false;
  /** Its chord threshold in delay bins (default `DEFAULT_CHORD_BINS`). */
  readonly chordBins?: number;
  /** Where an interval match counts as long for its weights (default `DEFAULT_LONG_CONTEXT`). */
  readonly longContext?: number;
  /** Notes the release vote looks back, or false for none (default `DEFAULT_RELEASE_RECENT`). */
  readonly releaseRecent?: number | false;
  /** Notes the neighbour vote looks back, or false for none (default `DEFAULT_NEIGHBOUR_RECENT`). */
  readonly neighbourRecent?: number | false;
}

const zeroWeights = (orders: readonly number[]): RepetitionConfig['lambda'] => ({
  delay: orders.map(() => 0),
  pitch: orders.map(() => 0),
  duration: orders.map(() => 0),
  velocity: orders.map(() => 0),
});

/**
 * Fits a cache's weights: for each attribute and context length, the λ that maximises the
 * likelihood of the real notes (EM), and for each binned attribute the kernel width (of
 * `REPETITION_WIDTHS`) that does; then the chord cache's (`chord-cache.ts`) the same way, mixed
 * over the model with the interval cache. Fit it on training pieces, never on the music it will be
 * scored on.
 *
 * @param predictions - the model's teacher-forced predictions of `pieces` (an ordered network's)
 * @param pieces - the pieces, as V1 rows
 * @param options - context lengths, and whether to fit a chord cache
 * @returns the fitted config and what it gains on these pieces
 * @example const { config } = fitRepetition(predictPieces(create, rows), rows);
 */
export function fitRepetition(
  predictions: Predictions,
  pieces: readonly (readonly V1Row[])[],
  options: RepetitionFitOptions = {},
): RepetitionFit {
  if (!predictions.binned) throw new Error('fitRepetition needs an ordered network (binned predictions)');
  const orders = options.orders ?? DEFAULT_REPETITION_ORDERS;
  const widths = REPETITION_WIDTHS;
  const notes = predictions.count;
  const probe: RepetitionConfig = {
    orders,
    lambda: zeroWeights(orders),
    width: { delay: widths[0]!, duration: widths[0]!, velocity: widths[0]! },
  };
  const matched = orders.map(() => 0);
  const intervals = fitMixture(orders.length, notes, (add) =>
    walk(probe, predictions, pieces, (cache, match, k, next) => {
      matched[match.order]!++;
      const logP = modelLogProbs(predictions, k);
      for (const attribute of ATTRIBUTES) {
        const p = Math.max(Math.exp(logP[attribute]), 1e-300);
        for (let w = 0; w < (attribute === 'pitch' ? 1 : widths.length); w++) {
          const { q, votes } = cacheProbability(cache, match, attribute, next, widths[w]);
          if (votes === 0) break; // the same followers vote at every width
          add(attribute, w, match.order, p, q);
        }
      }
    }),
  );
  const config: RepetitionConfig = { orders: [...orders], lambda: intervals.lambda, width: intervals.width };
  if (options.chordOrders === false) return { config, notes, matched, gain: intervals.gain };

  const withChords = fitChordStage(predictions, pieces, config, options);
  const gain = Object.fromEntries(
    ATTRIBUTES.map((a) => [a, intervals.gain[a] + withChords.gain[a]]),
  ) as Record<Attribute, number>;
  const fitted = { notes, matched, gain, chords: { matched: withChords.matched, gain: withChords.gain } };
  if (options.releaseRecent === false) return { ...fitted, config: withChords.config };
  const release = fitReleaseStage(
    predictions,
    pieces,
    withChords.config,
    options.releaseRecent ?? DEFAULT_RELEASE_RECENT,
  );
  const withRelease = {
    ...fitted,
    gain: { ...gain, duration: gain.duration + release.gain },
    config: { ...withChords.config, release: release.config },
    release: { matched: release.matched, gain: release.gain },
  };
  if (options.neighbourRecent === false) return withRelease;
  const neighbours = fitNeighbourStage(
    withRepetition(predictions, pieces, withRelease.config),
    pieces,
    options.neighbourRecent ?? DEFAULT_NEIGHBOUR_RECENT,
  );
  return {
    ...withRelease,
    gain: {
      ...withRelease.gain,
      duration: withRelease.gain.duration + neighbours.gain.duration,
      velocity: withRelease.gain.velocity + neighbours.gain.velocity,
    },
    config: { ...withRelease.config, neighbours: neighbours.config },
    neighbours: { gain: neighbours.gain },
  };
}

/**
 * The chord cache's weights, over the model with the interval cache (`config`) mixed in, with a set
 * of weights for each case of the interval cache's match: fitted as one mixture whose "orders" are
 * (case, chord order) pairs.
 */
function fitChordStage(
  predictions: Predictions,
  pieces: readonly (readonly V1Row[])[],
  config: RepetitionConfig,
  options: RepetitionFitOptions,
): { config: RepetitionConfig; matched: number[]; gain: Record<Attribute, number> } {
  const widths = REPETITION_WIDTHS;
  const chordOrders = options.chordOrders || DEFAULT_CHORD_ORDERS;
  const zero = zeroWeights(chordOrders);
  const chordProbe: ChordCacheConfig = {
    chordBins: options.chordBins ?? DEFAULT_CHORD_BINS,
    orders: chordOrders,
    longContext: options.longContext ?? DEFAULT_LONG_CONTEXT,
    lambda: { afterNone: zero, afterShort: zero, afterLong: zero },
    width: config.width,
  };
  const base = withRepetition(predictions, pieces, config);
  const n = chordOrders.length;
  const setOf = (intervalContext: number | null): number =>
    intervalContext === null ? 0 : intervalContext >= chordProbe.longContext ? 2 : 1;
  const matched = chordOrders.map(() => 0);
  const chords = fitMixture(3 * n, predictions.count, (add) =>
    walkChords({ ...config, chords: chordProbe }, base, pieces, (cache, match, intervalContext, k, next) => {
      matched[match.order]!++;
      const cell = setOf(intervalContext) * n + match.order;
      const logP = modelLogProbs(base, k);
      for (const attribute of ATTRIBUTES) {
        const p = Math.max(Math.exp(logP[attribute]), 1e-300);
        for (let w = 0; w < (attribute === 'pitch' ? 1 : widths.length); w++) {
          const { probability, votes } = cache.probability(attribute, match, next, widths[w]);
          if (votes === 0) break;
          add(attribute, w, cell, p, probability);
        }
      }
    }),
  );
  const weightSet = (set: number): RepetitionConfig['lambda'] =>
    Object.fromEntries(
      ATTRIBUTES.map((a) => [a, chords.lambda[a].slice(set * n, (set + 1) * n)]),
    ) as unknown as RepetitionConfig['lambda'];
  return {
    config: {
      ...config,
      chords: {
        ...chordProbe,
        orders: [...chordOrders],
        lambda: { afterNone: weightSet(0), afterShort: weightSet(1), afterLong: weightSet(2) },
        width: chords.width,
      },
    },
    matched,
    gain: chords.gain,
  };
}

/**
 * The release vote's weight, over the model with both caches (`config`) mixed in, and the kernel
 * width of `RELEASE_WIDTHS` that scores best.
 */
function fitReleaseStage(
  predictions: Predictions,
  pieces: readonly (readonly V1Row[])[],
  config: RepetitionConfig,
  recent: number,
): { config: ReleaseConfig; matched: number; gain: number } {
  const cached = withRepetition(predictions, pieces, config);
  let matched = 0;
  const probe: ReleaseConfig = { recent, width: RELEASE_WIDTHS[0]!, lambda: [0] };
  const release = fitMixture(
    1,
    predictions.count,
    (add) =>
      walkRelease(probe, cached, pieces, (vote, k, delay, bin) => {
        const p = Math.max(Math.exp(cached.binned!.duration[k]!), 1e-300);
        RELEASE_WIDTHS.forEach((width, w) => {
          const { probability, votes } = vote.probability(delay, bin, width);
          if (votes === 0) return;
          if (w === 0) matched++;
          add('duration', w, 0, p, probability);
        });
      }),
    RELEASE_WIDTHS,
  );
  return {
    config: { recent, width: release.width.duration, lambda: release.lambda.duration },
    matched,
    gain: release.gain.duration,
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
  const mixed: Predictions = { ...predictions, pitchLogProb, binned };
  if (config.chords === undefined) return mixed;
  walkChords(config, mixed, pieces, (cache, match, intervalContext, k, next) => {
    const logP = mixChordsAt(cache, match, intervalContext, modelLogProbs(mixed, k), next);
    for (const attribute of ATTRIBUTES) target[attribute][k] = logP[attribute];
  });
  if (config.release !== undefined) {
    walkRelease(config.release, mixed, pieces, (vote, k, delay, bin) => {
      const { probability, votes } = vote.probability(delay, bin);
      if (votes > 0) binned.duration[k] = mixLogProb(binned.duration[k]!, vote.weight(votes), probability);
    });
  }
  mixNeighbours(config, mixed, pieces, binned);
  return mixed;
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

/** `logP` with the chord cache's probability of each real value mixed in, at its weights. */
function mixChordsAt(
  cache: ChordCache,
  match: ChordMatch,
  intervalContext: number | null,
  logP: LogProbs,
  next: RealNote,
): LogProbs {
  const out = { ...logP };
  const weights = chordWeights(cache.config, intervalContext);
  for (const attribute of ATTRIBUTES) {
    const lambda = weights[attribute][match.order]!;
    if (lambda === 0) continue;
    const { probability, votes } = cache.probability(attribute, match, next);
    if (votes > 0) out[attribute] = mixLogProb(logP[attribute], lambda, probability);
  }
  return out;
}

/**
 * A note's log-probabilities with the cache's mixed in, where it has a match (the cache holds the
 * notes before this one), then its chord cache's, where it has one.
 *
 * @param cache - the piece's cache
 * @param logP - the model's log-probability of each of the note's attributes
 * @param row - the note
 * @returns the mixed log-probabilities (`logP` itself when the cache has no match)
 */
export function mixedLogProbs(cache: RepetitionCache, logP: LogProbs, row: V1Row): LogProbs {
  const next = realNote(row);
  const match = cache.match();
  const mixed = match === null ? logP : mixAt(cache, match, logP, next);
  const chordMatch = cache.chords?.match() ?? null;
  const withChords =
    chordMatch === null
      ? mixed
      : mixChordsAt(
          cache.chords!,
          chordMatch,
          match === null ? null : cache.config.orders[match.order]!,
          mixed,
          next,
        );
  const out = { ...withChords };
  const release = cache.release;
  if (release !== null) {
    const { probability, votes } = release.probability(row[0], next.duration);
    if (votes > 0) out.duration = mixLogProb(out.duration, release.weight(votes), probability);
  }
  const neighbours = cache.neighbours;
  if (neighbours !== null) {
    for (const attribute of NEIGHBOUR_ATTRIBUTES) {
      out[attribute] = withNeighbourVote(neighbours, attribute, out[attribute], next);
    }
  }
  return out;
}
