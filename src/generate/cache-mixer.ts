import { TIME_BINS, timeBin } from '../encoding/grid.js';
import { ATTRIBUTE_BINS } from './bin-kernel.js';
import type { NeighbourAttribute } from './neighbour-vote.js';
import type { ReleaseVote } from './release-vote.js';
import type { RepetitionCache } from './repetition-cache.js';
import { chordWeights } from './repetition-config.js';
import { mixLogits } from './repetition-mix.js';
import type { ResolvedSampling } from './sampling.js';

/**
 * How the sampler (`next-note.ts`) mixes a piece's repetition caches into an ordered network's
 * distributions for one note: the interval cache, then the chord cache, into each head; the release
 * vote into the duration; last the neighbour vote into the duration and velocity. The rules that are the sampler's own, not the scored model's, live here:
 * the loop rule (`MAX_CACHED_PLAYS`), the gap's end for the delay votes, and the strengths.
 */

/** Consecutive playings of a passage after which the repetition cache stops carrying it on. */
export const MAX_CACHED_PLAYS = 4;

/** A row of logits (or mixed logits) and where it starts. */
export interface LogitRow {
  readonly logits: Float32Array;
  readonly offset: number;
}

type Head = 'delay' | 'pitch' | 'duration' | 'velocity';

const scratch = {
  q: new Float64Array(TIME_BINS),
  logits: new Float32Array(TIME_BINS),
  chordLogits: new Float32Array(TIME_BINS),
  releaseLogits: new Float32Array(TIME_BINS),
  neighbourLogits: new Float32Array(TIME_BINS),
};

/** Logits mixed with a cache's probabilities when it has an opinion, else the logits as they are. */
function mixed(from: LogitRow, count: number, lambda: number, votes: number, into: Float32Array): LogitRow {
  if (!(lambda > 0) || votes === 0) return from;
  return { logits: mixLogits(from.logits, from.offset, count, lambda, scratch.q, into), offset: 0 };
}

/** The caches of one note, ready to mix. */
export interface CacheMixer {
  /**
   * `from` with the caches' opinions of a head mixed in, where they have one: the interval cache's,
   * then the chord cache's (given the delay bin drawn, and the pitch for duration and velocity).
   */
  mix(head: Head, from: LogitRow, count: number, delayBin?: number, pitch?: number): LogitRow;
  /** The release vote, when it is drawn from (`sampling.release` > 0). */
  readonly release: ReleaseVote | null;
  /** Duration logits with the release vote mixed in, given the next note's delay in seconds. */
  withRelease(from: LogitRow, delay: number | undefined): LogitRow;
  /** Duration or velocity logits with the neighbour vote mixed in, given the pitch drawn. */
  withNeighbours(head: NeighbourAttribute, from: LogitRow, pitch: number): LogitRow;
}

/**
 * The caches' matches for the next note, and how they mix.
 *
 * @param cache - the piece's cache, fed every note so far (none: nothing is mixed)
 * @param sampling - the strengths
 * @param cacheDelayLimit - seconds after the previous onset from which delay votes are dropped
 * @returns the mixer
 */
export function cacheMixer(
  cache: RepetitionCache | undefined,
  sampling: ResolvedSampling,
  cacheDelayLimit?: number,
): CacheMixer {
  const strength = sampling.repetition;
  // Delay bins past the limit: the caches' votes there are dropped (the bin holding it is kept).
  const cutFrom = cacheDelayLimit === undefined ? TIME_BINS : timeBin(cacheDelayLimit) + 1;
  const found = cache !== undefined && strength > 0 ? cache.match() : null;
  // A passage already played MAX_CACHED_PLAYS times in a row is not carried on by the cache again:
  // the network alone decides whether the loop goes on (without this a strong cache could repeat a
  // four-note figure for the rest of a piece).
  const match = found !== null && cache!.consecutivePlays(found) < MAX_CACHED_PLAYS ? found : null;
  const weight = (head: Head): number =>
    match === null ? 0 : Math.min(0.99, strength * cache!.config.lambda[head][match.order]!);
  // The chord cache (when the config has one) is mixed in after it, and held back by the same rule.
  const chords = strength > 0 && (found === null || match !== null) ? (cache?.chords ?? null) : null;
  const chordMatch = chords === null ? null : chords.match();
  const chordLambda =
    chordMatch === null
      ? null
      : chordWeights(chords!.config, found === null ? null : cache!.config.orders[found.order]!);
  const chordWeight = (head: Head): number =>
    chordMatch === null ? 0 : Math.min(0.99, strength * chordLambda![head][chordMatch.order]!);
  const release = strength > 0 && sampling.release > 0 ? (cache?.release ?? null) : null;
  const neighbours = strength > 0 && sampling.neighbours > 0 ? (cache?.neighbours ?? null) : null;
  return {
    release,
    mix(head, from, count, delayBin, pitch) {
      const into = scratch.q.subarray(0, count);
      let out = from;
      if (match !== null) {
        // A pitch no follower voted for in range leaves q empty: mixLogits then keeps the model alone.
        const votes =
          head === 'pitch'
            ? (cache!.pitchProbabilities(match, into), 1)
            : cache!.binProbabilities(head, match, pitch, into).votes;
        if (head === 'delay') into.fill(0, cutFrom);
        out = mixed(out, count, weight(head), votes, scratch.logits);
      }
      if (chordMatch !== null) {
        const votes =
          head === 'delay'
            ? chords!.delayProbabilities(chordMatch, into)
            : head === 'pitch'
              ? chords!.pitchProbabilities(chordMatch, delayBin!, into)
              : chords!.binProbabilities(head, chordMatch, delayBin!, pitch!, into);
        if (head === 'delay') into.fill(0, cutFrom);
        out = mixed(out, count, chordWeight(head), votes, scratch.chordLogits);
      }
      return out;
    },
    withRelease(from, delay) {
      if (release === null || delay === undefined) return from;
      const votes = release.probabilities(delay, scratch.q.subarray(0, TIME_BINS));
      const lambda = votes > 0 ? Math.min(0.99, sampling.release * release.weight(votes)) : 0;
      return mixed(from, TIME_BINS, lambda, votes, scratch.releaseLogits);
    },
    withNeighbours(head, from, pitch) {
      if (neighbours === null) return from;
      const count = ATTRIBUTE_BINS[head];
      const voted = neighbours.probabilities(head, pitch, scratch.q.subarray(0, count));
      const lambda = Math.min(0.99, sampling.neighbours * neighbours.config[head].lambda);
      return mixed(from, count, lambda, voted ? 1 : 0, scratch.neighbourLogits);
    },
  };
}
