/**
 * An index of pitch-interval contexts in a stream of pitches: for each context length ("order"),
 * which earlier places in the stream ended with the same run of intervals. Both repetition caches
 * use it (`repetition-cache.ts` over the notes as played, `chord-cache.ts` over the chords' notes
 * in pitch order). Intervals, not pitches, are hashed, so a transposed repeat has the same key.
 */

/** Two hashes of a run of intervals, each modulo a prime under 2^26, so products stay exact. */
const MOD1 = 67_108_859;
const MOD2 = 67_108_837;
const BASE1 = 1_000_003;
const BASE2 = 999_983;
const mulMod = (a: number, b: number, m: number): number => (a * b) % m;

function powMod(base: number, exponent: number, mod: number): number {
  let result = 1;
  for (let i = 0; i < exponent; i++) result = mulMod(result, base, mod);
  return result;
}

/**
 * The stream and its remembered contexts. A place is remembered under an id of the caller's
 * choosing (a note's position, a chord's number): `remember` links it to the previous place with
 * the same key, and `occurrences` walks that chain, most recent first.
 *
 * @example
 * const index = new IntervalContexts([4, 2]);
 * for (const p of pitches) index.push(p);
 * index.remember(0, index.length - 1, index.length - 1);
 */
export class IntervalContexts {
  private stream = new Int16Array(256);
  /** Prefix hashes of the intervals: `hash[t]` covers intervals 1..t. */
  private hash1 = new Float64Array(256);
  private hash2 = new Float64Array(256);
  private readonly power1: number[];
  private readonly power2: number[];
  /** Per order: the latest id remembered under each key, and each id's link to the one before. */
  private readonly latest: Map<number, number>[];
  private previous: Int32Array[];
  private size = 0;

  constructor(readonly orders: readonly number[]) {
    this.latest = orders.map(() => new Map());
    this.previous = orders.map(() => new Int32Array(256));
    this.power1 = orders.map((k) => powMod(BASE1, k, MOD1));
    this.power2 = orders.map((k) => powMod(BASE2, k, MOD2));
  }

  /** Pitches in the stream. */
  get length(): number {
    return this.size;
  }

  /** The pitch at a place in the stream. */
  pitchAt(place: number): number {
    return this.stream[place]!;
  }

  /** Appends a pitch. */
  push(pitch: number): void {
    const t = this.size;
    if (t === this.stream.length) {
      this.stream = grown(this.stream, t * 2);
      this.hash1 = grown(this.hash1, t * 2);
      this.hash2 = grown(this.hash2, t * 2);
    }
    this.stream[t] = pitch;
    if (t === 0) {
      this.hash1[0] = 0;
      this.hash2[0] = 0;
    } else {
      const interval = pitch - this.stream[t - 1]! + 128; // 8..247 for real pitches, never 0
      this.hash1[t] = (mulMod(this.hash1[t - 1]!, BASE1, MOD1) + interval) % MOD1;
      this.hash2[t] = (mulMod(this.hash2[t - 1]!, BASE2, MOD2) + interval) % MOD2;
    }
    this.size = t + 1;
  }

  /** Forgets the stream and every remembered place. */
  clear(): void {
    this.size = 0;
    for (const map of this.latest) map.clear();
  }

  /** The key of the `orders[o]` intervals that end at place `end`, or null when the stream is shorter. */
  private key(o: number, end: number): number | null {
    const start = end - this.orders[o]!;
    if (start < 0) return null;
    const h1 = (this.hash1[end]! - mulMod(this.hash1[start]!, this.power1[o]!, MOD1) + MOD1) % MOD1;
    const h2 = (this.hash2[end]! - mulMod(this.hash2[start]!, this.power2[o]!, MOD2) + MOD2) % MOD2;
    return h1 * MOD2 + h2;
  }

  /**
   * Remembers that the context of order `o` ending at `end` occurred, under `id` (ids grow).
   *
   * @param o - index into `orders`
   * @param end - the context's last place in the stream
   * @param id - what `occurrences` will give back for it
   */
  remember(o: number, end: number, id: number): void {
    const key = this.key(o, end);
    if (key === null) return;
    if (id >= this.previous[o]!.length) this.previous[o] = grown(this.previous[o]!, Math.max(id + 1, id * 2));
    const chain = this.latest[o]!;
    this.previous[o]![id] = chain.get(key) ?? -1;
    chain.set(key, id);
  }

  /**
   * The ids remembered under the context of order `o` that ends at `end`, most recent first.
   *
   * @param o - index into `orders`
   * @param end - the context's last place
   * @param max - most ids returned
   * @returns the ids, or null when that context was never remembered
   */
  occurrences(o: number, end: number, max: number): number[] | null {
    const key = this.key(o, end);
    if (key === null) return null;
    let id = this.latest[o]!.get(key);
    if (id === undefined) return null;
    const ids: number[] = [];
    while (id >= 0 && ids.length < max) {
      ids.push(id);
      id = this.previous[o]![id]!;
    }
    return ids;
  }
}

/**
 * A copy of a typed array in a larger one.
 *
 * @param a - the array
 * @param size - the new length
 * @returns the copy, of the same type
 */
export function grown<T extends Int16Array | Float64Array | Int32Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
