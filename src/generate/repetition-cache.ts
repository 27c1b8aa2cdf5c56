import { TIME_BINS, timeBin, VELOCITY_BINS, velocityBin } from '../encoding/grid.js';
import type { V1Row } from '../encoding/v1.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';
import type { RepetitionConfig } from './repetition-config.js';

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

/** The binned attributes a cache predicts besides the pitch. */
export type BinnedAttribute = 'delay' | 'duration' | 'velocity';

const BINS: Record<BinnedAttribute, number> = {
  delay: TIME_BINS,
  duration: TIME_BINS,
  velocity: VELOCITY_BINS,
};

/** The pitch `separate` records: its intervals never match a real one. */
const BREAK_PITCH = -10_000;

/** Two hashes of a run of intervals, each modulo a prime under 2^26, so products stay exact. */
const MOD1 = 67_108_859;
const MOD2 = 67_108_837;
const BASE1 = 1_000_003;
const BASE2 = 999_983;
const mulMod = (a: number, b: number, m: number): number => (a * b) % m;

/** Normalised kernels `k(bin | centre)` over an attribute's bins, made once per (bins, width). */
const kernelCache = new Map<string, Float64Array[]>();

function kernelRows(bins: number, width: number): Float64Array[] {
  const key = `${bins}:${width}`;
  let rows = kernelCache.get(key);
  if (rows) return rows;
  rows = [];
  for (let centre = 0; centre < bins; centre++) {
    const row = new Float64Array(bins);
    const c = Math.log(centre + 1);
    let sum = 0;
    for (let bin = 0; bin < bins; bin++) sum += row[bin] = Math.exp(-Math.abs(Math.log(bin + 1) - c) / width);
    for (let bin = 0; bin < bins; bin++) row[bin]! /= sum;
    rows.push(row);
  }
  kernelCache.set(key, rows);
  return rows;
}

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
  private pitches = new Int16Array(256);
  private bins: Record<BinnedAttribute, Int16Array> = {
    delay: new Int16Array(256),
    duration: new Int16Array(256),
    velocity: new Int16Array(256),
  };
  /** Prefix hashes of the intervals: `hash[t]` covers intervals 1..t. */
  private hash1 = new Float64Array(256);
  private hash2 = new Float64Array(256);
  private readonly power1: number[];
  private readonly power2: number[];
  /** Per order: the latest context end with a key, and the chain to earlier ones. */
  private readonly latest: Map<number, number>[];
  private previous: Int32Array[];
  private length = 0;
  private readonly maxMatches: number;

  constructor(readonly config: RepetitionConfig) {
    this.maxMatches = config.maxMatches ?? 32;
    this.latest = config.orders.map(() => new Map());
    this.previous = config.orders.map(() => new Int32Array(256));
    this.power1 = config.orders.map((k) => powMod(BASE1, k, MOD1));
    this.power2 = config.orders.map((k) => powMod(BASE2, k, MOD2));
  }

  /** Notes pushed so far. */
  get size(): number {
    return this.length;
  }

  /**
   * Marks a break between two passages that do not follow each other (the music after a gap, then
   * the music before it): no context spans it, so nothing is matched across it.
   */
  separate(): void {
    // A sentinel far outside 0..119: the intervals to and from it occur nowhere else.
    this.pushBins(BREAK_PITCH, 0, 0, 0);
  }

  /** Forgets the piece. */
  clear(): void {
    this.length = 0;
    for (const map of this.latest) map.clear();
  }

  /**
   * Adds the next note of the piece, as the V1 row the network reads.
   *
   * @param row - `[delay, duration, volume, pitch − 60]`
   */
  push(row: V1Row): void {
    this.pushBins(row[3] + 60, timeBin(row[0]), timeBin(row[1]), velocityBin(row[2] * 127));
  }

  /**
   * Adds the next note by its pitch and grid bins.
   *
   * @param pitch - MIDI pitch 0..119
   * @param delay - delay bin
   * @param duration - duration bin
   * @param velocity - velocity bin
   */
  pushBins(pitch: number, delay: number, duration: number, velocity: number): void {
    const t = this.length;
    if (t === this.pitches.length) this.grow();
    this.pitches[t] = pitch;
    this.bins.delay[t] = delay;
    this.bins.duration[t] = duration;
    this.bins.velocity[t] = velocity;
    if (t === 0) {
      this.hash1[0] = 0;
      this.hash2[0] = 0;
    } else {
      const interval = pitch - this.pitches[t - 1]! + 128; // 8..247, never 0
      this.hash1[t] = (mulMod(this.hash1[t - 1]!, BASE1, MOD1) + interval) % MOD1;
      this.hash2[t] = (mulMod(this.hash2[t - 1]!, BASE2, MOD2) + interval) % MOD2;
      // The context that ends at the note before this one is now followed: remember it.
      this.config.orders.forEach((k, o) => {
        const end = t - 1;
        if (end < k) return;
        const key = this.key(o, end);
        const chain = this.latest[o]!;
        this.previous[o]![end] = chain.get(key) ?? -1;
        chain.set(key, end);
      });
    }
    this.length = t + 1;
  }

  /** The hash of the `orders[o]` intervals that end at note `end`. */
  private key(o: number, end: number): number {
    const start = end - this.config.orders[o]!;
    const h1 = (this.hash1[end]! - mulMod(this.hash1[start]!, this.power1[o]!, MOD1) + MOD1) % MOD1;
    const h2 = (this.hash2[end]! - mulMod(this.hash2[start]!, this.power2[o]!, MOD2) + MOD2) % MOD2;
    return h1 * MOD2 + h2;
  }

  private grow(): void {
    const size = this.pitches.length * 2;
    const grown = <T extends Int16Array | Float64Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.pitches = grown(this.pitches);
    this.bins = {
      delay: grown(this.bins.delay),
      duration: grown(this.bins.duration),
      velocity: grown(this.bins.velocity),
    };
    this.hash1 = grown(this.hash1);
    this.hash2 = grown(this.hash2);
    this.previous = this.previous.map(grown);
  }

  /**
   * The longest context ending at the last note that occurred earlier in the piece, and the notes
   * that followed it there.
   *
   * @returns the match, or null when no context length matches
   */
  match(): RepetitionMatch | null {
    const end = this.length - 1;
    for (let o = 0; o < this.config.orders.length; o++) {
      if (end < this.config.orders[o]!) continue;
      let at = this.latest[o]!.get(this.key(o, end));
      if (at === undefined) continue;
      const followers: number[] = [];
      while (at >= 0 && followers.length < this.maxMatches) {
        followers.push(at + 1);
        at = this.previous[o]![at]!;
      }
      return { order: o, followers };
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
    const period = this.length - f;
    if (period <= 0) return 1;
    let run = 0;
    for (let t = this.length - 1; t - period >= 0 && this.pitches[t] === this.pitches[t - period]; t--) run++;
    return 1 + Math.floor(run / period);
  }

  /** The pitch interval from the note before `position` to it. */
  private intervalAt(position: number): number {
    return this.pitches[position]! - this.pitches[position - 1]!;
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
    const last = this.pitches[this.length - 1]!;
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
    into = new Float64Array(BINS[attribute]),
  ): { probabilities: Float64Array; votes: number } {
    into.fill(0);
    const rows = kernelRows(BINS[attribute], this.config.width[attribute]);
    const values = this.bins[attribute];
    const interval = pitch === undefined ? undefined : pitch - this.pitches[this.length - 1]!;
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
    const rows = kernelRows(BINS[attribute], width);
    const values = this.bins[attribute];
    const interval = pitch === undefined ? undefined : pitch - this.pitches[this.length - 1]!;
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
    const last = this.pitches[this.length - 1]!;
    let hits = 0;
    for (const f of match.followers) if (last + this.intervalAt(f) === pitch) hits++;
    return hits / match.followers.length;
  }
}

function powMod(base: number, exponent: number, mod: number): number {
  let result = 1;
  for (let i = 0; i < exponent; i++) result = mulMod(result, base, mod);
  return result;
}
