import { timeBin, velocityBin } from '../encoding/grid.js';
import type { V1Row } from '../encoding/v1.js';
import type { ChordCache, ChordMatch } from '../generate/chord-cache.js';
import { NeighbourVote } from '../generate/neighbour-vote.js';
import { ReleaseVote } from '../generate/release-vote.js';
import { RepetitionCache, type RepetitionConfig } from '../generate/repetition-cache.js';
import type { Predictions } from './predict.js';

/**
 * Walking held-out or training pieces with the repetition caches fed their real notes
 * (`repetition-fit.ts` fits and scores with these): for each predicted note, the caches' state
 * before it, the note's real values, and where its model log-probabilities are.
 */

/** The attributes a cache predicts, in the order they are mixed. */
export const ATTRIBUTES = ['delay', 'pitch', 'duration', 'velocity'] as const;
/** One of `ATTRIBUTES`. */
export type Attribute = (typeof ATTRIBUTES)[number];

/** A note's real bins, the values the cache is asked about. */
export interface RealNote {
  readonly pitch: number;
  readonly delay: number;
  readonly duration: number;
  readonly velocity: number;
}

export const realNote = (row: V1Row): RealNote => ({
  pitch: row[3] + 60,
  delay: timeBin(row[0]),
  duration: timeBin(row[1]),
  velocity: velocityBin(row[2] * 127),
});

/** The model's log-probability of each attribute of predicted note `k`. */
export function modelLogProbs(predictions: Predictions, k: number): Record<Attribute, number> {
  const binned = predictions.binned!;
  return {
    delay: binned.delay[k]!,
    pitch: predictions.pitchLogProb[k]!,
    duration: binned.duration[k]!,
    velocity: binned.velocity[k]!,
  };
}

/**
 * Feeds `fed` each piece's notes in order, and calls `visit` before each predicted note (the second
 * note of a piece on) with its index in the predictions and its row.
 */
function eachPredicted(
  fed: { clear(): void; push(row: V1Row): void },
  predictions: Predictions,
  pieces: readonly (readonly V1Row[])[],
  visit: (k: number, row: V1Row) => void,
): void {
  pieces.forEach((rows, p) => {
    if (rows.length < 2) return;
    fed.clear();
    fed.push(rows[0]!);
    for (let t = 0; t + 1 < rows.length; t++) {
      const row = rows[t + 1]!;
      visit(predictions.offsets[p]! + t, row);
      fed.push(row);
    }
  });
}

/**
 * Walks every predicted note of every piece with an interval cache fed the piece's real notes, and
 * calls `visit` for each note the cache has a match for.
 */
export function walk(
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
  // The interval cache alone: the chord cache and release vote are not read here.
  const cache = new RepetitionCache({
    orders: config.orders,
    lambda: config.lambda,
    width: config.width,
    ...maxMatches(config),
  });
  eachPredicted(cache, predictions, pieces, (k, row) => {
    const match = cache.match();
    if (match) visit(cache, match, k, realNote(row));
  });
}

/**
 * `walk` for the chord cache: `visit` for each note its chord cache has a match for, with the
 * length of the interval cache's match for the same note (null: none), which picks its weights.
 */
export function walkChords(
  config: RepetitionConfig,
  predictions: Predictions,
  pieces: readonly (readonly V1Row[])[],
  visit: (
    cache: ChordCache,
    match: ChordMatch,
    intervalContext: number | null,
    k: number,
    next: RealNote,
  ) => void,
): void {
  const cache = new RepetitionCache(withoutVotes(config));
  const chords = cache.chords!;
  eachPredicted(cache, predictions, pieces, (k, row) => {
    const match = chords.match();
    if (match === null) return;
    const interval = cache.match();
    visit(chords, match, interval === null ? null : config.orders[interval.order]!, k, realNote(row));
  });
}

/**
 * `walk` for the release vote (`release-vote.ts`): `visit` for every predicted note, with the vote
 * fed the notes before it, and the note's real delay (seconds) and duration bin.
 */
export function walkRelease(
  config: NonNullable<RepetitionConfig['release']>,
  predictions: Predictions,
  pieces: readonly (readonly V1Row[])[],
  visit: (vote: ReleaseVote, k: number, delay: number, durationBin: number) => void,
): void {
  const vote = new ReleaseVote(config);
  eachPredicted(vote, predictions, pieces, (k, row) => visit(vote, k, row[0], timeBin(row[1])));
}

/**
 * `walk` for the neighbour vote (`neighbour-vote.ts`): `visit` for every predicted note, with the
 * vote fed the notes before it, and the note's real bins.
 */
export function walkNeighbours(
  config: NonNullable<RepetitionConfig['neighbours']>,
  predictions: Predictions,
  pieces: readonly (readonly V1Row[])[],
  visit: (vote: NeighbourVote, k: number, next: RealNote) => void,
): void {
  const vote = new NeighbourVote(config);
  eachPredicted(vote, predictions, pieces, (k, row) => visit(vote, k, realNote(row)));
}

const maxMatches = (config: RepetitionConfig): { maxMatches?: number } =>
  config.maxMatches === undefined ? {} : { maxMatches: config.maxMatches };

/** The config with its release and neighbour votes left out (the chord walk does not read them). */
function withoutVotes(config: RepetitionConfig): RepetitionConfig {
  const copy = { ...config };
  delete (copy as { release?: unknown }).release;
  delete (copy as { neighbours?: unknown }).neighbours;
  return copy;
}

/** The cache's probability of a note's real attribute (and whether it had an opinion). */
export function cacheProbability(
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
