/**
 * A small, fast, seeded pseudo-random generator (sfc32, seeded through splitmix32) whose whole state is
 * four 32-bit integers, so a training run can save it in a checkpoint and resume exactly.
 * Not for cryptography.
 */
export interface Rng {
  /** A float uniform in [0, 1). */
  next(): number;
  /** A float uniform in [low, high). */
  uniform(low: number, high: number): number;
  /** An integer uniform in [low, high], both ends included. */
  int(low: number, high: number): number;
  /** The generator's state, to save and later pass to `createRng`. */
  getState(): RngState;
}

/** The four 32-bit words of an sfc32 generator. */
export type RngState = readonly [number, number, number, number];

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Creates a generator from an integer seed, or from a state saved with `getState()`.
 *
 * @example
 * const rng = createRng(42);
 * const shift = rng.int(-11, 11);
 */
export function createRng(seed: number | RngState): Rng {
  let a: number, b: number, c: number, d: number;
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError(`rng seed must be a finite number, got ${seed}`);
    const mix = splitmix32(Math.floor(seed) ^ Math.floor(seed / 2 ** 32));
    [a, b, c, d] = [mix(), mix(), mix(), mix()];
    // Warm up so that nearby seeds diverge.
    for (let i = 0; i < 12; i++) nextUint32();
  } else {
    [a, b, c, d] = seed.map((x) => x >>> 0) as [number, number, number, number];
  }

  function nextUint32(): number {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  }

  const next = (): number => nextUint32() / 4294967296;
  return {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
    getState: () => [a, b, c, d],
  };
}
