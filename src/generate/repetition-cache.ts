import { TIME_BIN_SECONDS, timeBin, velocityBin } from '../encoding/grid.js';
import type { V1Row } from '../encoding/v1.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';
import { ATTRIBUTE_BINS, kernelRows, type BinnedAttribute } from './bin-kernel.js';
import { ChordCache } from './chord-cache.js';
import { BinnedNotes } from './binned-notes.js';
import { IntervalContexts } from './interval-contexts.js';
import { NeighbourVote } from './neighbour-vote.js';
import { ReleaseVote } from './release-vote.js';
import type { RepetitionConfig } from './repetition-config.js';

export type { BinnedAttribute } from './bin-kernel.js';

export { mixLogits, mixLogProb } from './repetition-mix.js';
export {
  decodeRepetitionConfig,
  MODEL_REPETITION_FILE,
  parseRepetitionConfig,
  validateRepetitionConfig,
  type RepetitionConfig,
} from './repetition-config.js';

/**
 * A repetition cache: music repeats itself (a theme comes back, a bar is played again, a figure
 * climbs in sequence), and a recurrent network of a few hundred units forgets what it heard a
 * minute ago. The cache remembers the whole piece. Before each note it looks for the longest run
 * of recent pitch intervals that occurred earlier in the same piece (up to `orders[0]` intervals),
 * and the notes that followed there vote for the next one: the interval that followed (so a
 * transposed repeat counts), and that note's delay, duration and velocity bins, each spread over
 * nearby bins by a kernel, because a pianist never plays a passage twice with the same timing.
 * The model's distribution and the cache's are mixed, `(1 − λ) p_model + λ p_cache`, with one
 * λ per attribute and per context length, fitted on training pieces (`fitRepetition`).
 *
 * This is the cache language model (Kuhn & De Mori 1990; Grave, Joulin & Usunier, ICLR 2017,
 * "Improving neural language models with a continuous cache") with the cache keyed by the notes'
 * pitch intervals. It changes the model's distribution, so it counts in the likelihood the same
 * as in sampling; it reads only the piece's own earlier notes.
 */

/** The pitch `separate` records: its intervals never match a real one. */
export const BREAK_PITCH = -10_000;

/** The earlier notes that followed the longest matching context, for the next note. */
export interface RepetitionMatch {
  /** Index into `orders` of the context length matched. */
  readonly order: number;
  /** Positions (in the history) of the notes that followed each earlier occurrence, most recent first. */
  readonly followers: readonly number[];
}

/**
 * The cache of one piece: fed every note in order (`push`), it answers for the next one.
 *
 * @example
 * const cache = new RepetitionCache(config);
 * for (const row of rows) cache.push(row);
 * const match = cache.match(); // null when the recent intervals never occurred before
 */
export class RepetitionCache {
  private readonly notes = new BinnedNotes();
  private readonly contexts: IntervalContexts;
  private readonly maxMatches: number;
  /** The chord cache mixed in after this one, when the config has one (`chord-cache.ts`). */
  readonly chords: ChordCache | null;
  /** The release vote mixed into durations after both, when the config has one (`release-vote.ts`). */
  readonly release: ReleaseVote | null;
  /** The neighbour vote mixed into durations and velocities last, when the config has one (`neighbour-vote.ts`). */
  readonly neighbours: NeighbourVote | null;

  constructor(readonly config: RepetitionConfig) {
    this.maxMatches = config.maxMatches ?? 32;
    this.contexts = new IntervalContexts(config.orders);
    this.chords = config.chords === undefined ? null : new ChordCache(config.chords);
    this.release = config.release === undefined ? null : new ReleaseVote(config.release);
    this.neighbours = config.neighbours === undefined ? null : new NeighbourVote(config.neighbours);
  }

  /** Notes pushed so far. */
  get size(): number {
    return this.notes.length;
  }

  /**
   * Marks a break between two passages that do not follow each other (the music after a gap, then
   * the music before it): no context spans it, so nothing is matched across it.
   */
  separate(): void {
    // A sentinel far outside 0..119: the intervals to and from it occur nowhere else.
    this.pushNote(BREAK_PITCH, 0, 0, 0);
    this.chords?.separate();
    this.release?.separate();
    this.neighbours?.separate();
  }

  /** Forgets the piece. */
  clear(): void {
    this.notes.clear();
    this.contexts.clear();
    this.chords?.clear();
    this.release?.clear();
    this.neighbours?.clear();
  }

  /**
   * Adds the next note of the piece, as the V1 row the network reads.
   *
   * @param row - `[delay, duration, volume, pitch − 60]`
   */
  push(row: V1Row): void {
    this.pushNote(row[3] + 60, timeBin(row[0]), timeBin(row[1]), velocityBin(row[2] * 127));
    this.chords?.push(row);
    this.release?.push(row);
    this.neighbours?.push(row);
  }

  /**
   * Adds the next note by its pitch and grid bins (the release vote, which needs times, reads each
   * bin's middle: `push` a row where the times are known).
   *
   * @param pitch - MIDI pitch 0..119
   * @param delay - delay bin
   * @param duration - duration bin
   * @param velocity - velocity bin
   */
  pushBins(pitch: number, delay: number, duration: number, velocity: number): void {
    this.pushNote(pitch, delay, duration, velocity);
    this.chords?.pushBins(pitch, delay, duration, velocity);
    this.release?.push([
      (delay + 0.5) * TIME_BIN_SECONDS,
      (duration + 0.5) * TIME_BIN_SECONDS,
      0,
      pitch - 60,
    ]);
    this.neighbours?.pushBins(pitch, duration, velocity);
  }

  private pushNote(pitch: number, delay: number, duration: number, velocity: number): void {
    const t = this.notes.push(pitch, delay, duration, velocity);
    this.contexts.push(pitch);
    // The context that ends at the note before this one is now followed: remember it.
    if (t > 0) this.config.orders.forEach((_, o) => this.contexts.remember(o, t - 1, t - 1));
  }

  /**
   * The longest context ending at the last note that occurred earlier in the piece, and the notes
   * that followed it there.
   *
   * @returns the match, or null when no context length matches
   */
  match(): RepetitionMatch | null {
    const end = this.notes.length - 1;
    for (let o = 0; o < this.config.orders.length; o++) {
      const ends = this.contexts.occurrences(o, end, this.maxMatches);
      if (ends !== null) return { order: o, followers: ends.map((at) => at + 1) };
    }
    return null;
  }

  /**
   * How many times in a row the piece has just played the passage a match points back to: with the
   * most recent follower `f`, the period is `size − f`, and the count is how many whole periods at
   * the end of the piece repeat the period before them, note for note (pitch), plus one. 1 when the
   * passage was heard once before but not immediately before. A sampler can stop the cache from
   * carrying a loop on forever with it (`nextNote`).
   *
   * @param match - from `match()`
   * @returns the number of consecutive playings of the passage, the current one included
   */
  consecutivePlays(match: RepetitionMatch): number {
    const f = match.followers[0];
    if (f === undefined) return 1;
    const period = this.notes.length - f;
    if (period <= 0) return 1;
    let run = 0;
    for (
      let t = this.notes.length - 1;
      t - period >= 0 && this.notes.pitches[t] === this.notes.pitches[t - period];
      t--
    )
      run++;
    return 1 + Math.floor(run / period);
  }

  /** The pitch interval from the note before `position` to it. */
  private intervalAt(position: number): number {
    return this.notes.pitches[position]! - this.notes.pitches[position - 1]!;
  }

  /**
   * The cache's probability of each pitch for the next note: each follower votes for the last
   * note's pitch plus the interval that followed there (a vote outside 0..119 is dropped).
   *
   * @param match - from `match()`
   * @param into - receives 120 probabilities (zeros when no vote lands)
   * @returns `into`
   */
  pitchProbabilities(match: RepetitionMatch, into = new Float64Array(PITCH_COUNT)): Float64Array {
    into.fill(0);
    const last = this.notes.pitches[this.notes.length - 1]!;
    let votes = 0;
    for (const f of match.followers) {
      const pitch = last + this.intervalAt(f);
      if (pitch >= 0 && pitch < PITCH_COUNT) {
        into[pitch]! += 1;
        votes++;
      }
    }
    if (votes > 0) for (let p = 0; p < PITCH_COUNT; p++) into[p]! /= votes;
    return into;
  }

  /**
   * The cache's probability of each bin of an attribute for the next note. The delay is voted by
   * every follower; the duration and velocity (predicted after the pitch) only by followers that
   * came by the same interval as `pitch`.
   *
   * @param attribute - delay, duration or velocity
   * @param match - from `match()`
   * @param pitch - the next note's pitch (duration and velocity only)
   * @param into - receives the bins' probabilities (all zero when no follower votes)
   * @returns `into`, and how many followers voted
   */
  binProbabilities(
    attribute: BinnedAttribute,
    match: RepetitionMatch,
    pitch?: number,
    into = new Float64Array(ATTRIBUTE_BINS[attribute]),
  ): { probabilities: Float64Array; votes: number } {
    into.fill(0);
    const rows = kernelRows(ATTRIBUTE_BINS[attribute], this.config.width[attribute]);
    const values = this.notes.bins[attribute];
    const interval = pitch === undefined ? undefined : pitch - this.notes.pitches[this.notes.length - 1]!;
    let votes = 0;
    for (const f of match.followers) {
      if (interval !== undefined && attribute !== 'delay' && this.intervalAt(f) !== interval) continue;
      const row = rows[values[f]!]!;
      for (let bin = 0; bin < row.length; bin++) into[bin]! += row[bin]!;
      votes++;
    }
    if (votes > 0) for (let bin = 0; bin < into.length; bin++) into[bin]! /= votes;
    return { probabilities: into, votes };
  }

  /**
   * The cache's probability of one bin (what scoring needs), without filling every bin.
   *
   * @param attribute - delay, duration or velocity
   * @param match - from `match()`
   * @param bin - the bin
   * @param pitch - the next note's pitch (duration and velocity only)
   * @param width - the kernel's width (default the config's; fitting tries several in one pass)
   * @returns the probability, and how many followers voted (0: the cache has no opinion)
   */
  binProbability(
    attribute: BinnedAttribute,
    match: RepetitionMatch,
    bin: number,
    pitch?: number,
    width = this.config.width[attribute],
  ): { probability: number; votes: number } {
    const rows = kernelRows(ATTRIBUTE_BINS[attribute], width);
    const values = this.notes.bins[attribute];
    const interval = pitch === undefined ? undefined : pitch - this.notes.pitches[this.notes.length - 1]!;
    let sum = 0;
    let votes = 0;
    for (const f of match.followers) {
      if (interval !== undefined && attribute !== 'delay' && this.intervalAt(f) !== interval) continue;
      sum += rows[values[f]!]![bin]!;
      votes++;
    }
    return { probability: votes > 0 ? sum / votes : 0, votes };
  }

  /**
   * The cache's probability of one pitch.
   *
   * @param match - from `match()`
   * @param pitch - the pitch
   * @returns its share of the followers' votes
   */
  pitchProbability(match: RepetitionMatch, pitch: number): number {
    const last = this.notes.pitches[this.notes.length - 1]!;
    let hits = 0;
    for (const f of match.followers) if (last + this.intervalAt(f) === pitch) hits++;
    return hits / match.followers.length;
  }
}
