import { KernelArena, type KernelModule, type PartRunner } from './wasm-kernel-module.js';

/**
 * What every call of Howl's WebAssembly training kernels shares: the arena its arrays are copied
 * into, the thread runner its jobs' parts go to, the thread count, and the argument checks (a
 * TypeError naming the array, as the native addon throws).
 */

/** At least this many multiply-adds before a product is split between threads. */
const SPLIT_MIN_WORK = 1 << 21;
/** At least this many rows of the batch for each thread of a recurrent layer (as the addon). */
const ROWS_PER_THREAD = 4;

/**
 * Throws the kernels' TypeError.
 *
 * @param message - what is wrong
 */
export function fail(message: string): never {
  throw new TypeError(`howl-wasm: ${message}`);
}

/**
 * Checks that every array holds at least the values it must.
 *
 * @param arrays - name, array and the count it needs
 */
export function need(arrays: readonly (readonly [string, Float32Array | Int32Array, number])[]): void {
  for (const [name, array, n] of arrays) {
    if (array.length < n)
      fail(`${name} holds ${array.length} ${array instanceof Int32Array ? 'ints' : 'floats'}, needs ${n}`);
  }
}

/**
 * Checks that sizes are whole numbers ≥ 0.
 *
 * @param sizes - the sizes by name
 */
export function checkSizes(sizes: Record<string, number>): void {
  for (const [name, n] of Object.entries(sizes)) {
    if (!Number.isSafeInteger(n) || n < 0) fail(`${name} must be a whole number >= 0, not ${n}`);
  }
}

/** One module's calls: its arena, its exports and its threads. */
export class KernelCall {
  readonly arena: KernelArena;
  /** Threads a job's parts may use (at most the runner's). */
  threads: number;

  constructor(
    readonly kernels: KernelModule,
    private readonly runner: PartRunner,
    reservedStacks: number,
  ) {
    this.arena = new KernelArena(kernels, reservedStacks);
    this.threads = runner.threads;
  }

  /** The module's exports. */
  get exports(): KernelModule['exports'] {
    return this.kernels.exports;
  }

  /** Runs the exported `name(...args, part, parts)` in `parts` parts (at most `threads`). */
  run(name: string, args: readonly number[], parts = this.threads): void {
    this.runner.run(name, args, Math.max(1, Math.min(parts, this.threads)));
  }

  /** The parts of an `[M, K]·[K, N]` product: one when it is too small to share. */
  gemmParts(M: number, N: number, K: number): number {
    return M * N * K >= SPLIT_MIN_WORK ? this.threads : 1;
  }

  /** The parts of a recurrent layer over `B` rows. */
  rowParts(B: number): number {
    return Math.max(1, Math.floor(B / ROWS_PER_THREAD));
  }

  /** Copies the first `n` values of each array into the arena: their pointers. */
  puts(arrays: readonly (readonly [Float32Array | Int32Array, number])[]): number[] {
    return arrays.map(([v, n]) => this.arena.put(v.subarray(0, n)));
  }

  /** Runs `body` on an empty arena, emptied again after. */
  session<T>(body: () => T): T {
    this.arena.reset();
    try {
      return body();
    } finally {
      this.arena.reset();
    }
  }
}
