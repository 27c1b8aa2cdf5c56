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

/** How a call uses an array: reads it, writes it, or writes it after the kernel starts it at zero. */
export type ArrayRole = 'in' | 'out' | 'zeroed';

/** One of a call's arrays: its name (for errors and pointers), its values, how many, its role. */
export type ArraySlot<N extends string> = readonly [
  name: N,
  values: Float32Array | Int32Array,
  n: number,
  role: ArrayRole,
];

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

  /**
   * One call's arrays: checks that each holds its `n` values (a TypeError naming it); then, when
   * `run`, on an empty arena copies the `in` arrays in, makes room for the others (`zeroed` ones
   * zero), runs `body` with every array's pointer by name, and copies the `out` and `zeroed` arrays
   * back. The arena is emptied again after.
   *
   * @returns what `body` returns, or undefined when not `run`
   */
  withArrays<const N extends string, T>(
    slots: readonly ArraySlot<N>[],
    body: (p: Record<N, number>) => T,
    run = true,
  ): T | undefined {
    need(slots.map(([name, values, n]) => [name, values, n] as const));
    if (!run) return undefined;
    this.arena.reset();
    try {
      const p = {} as Record<N, number>;
      for (const [name, values, n, role] of slots) {
        if (role === 'in') p[name] = this.arena.put(values.subarray(0, n));
        else p[name] = role === 'zeroed' ? this.arena.zeros(n) : this.arena.alloc(n);
      }
      const result = body(p);
      for (const [name, values, n, role] of slots) {
        if (role !== 'in') this.arena.take(p[name], n, values as Float32Array);
      }
      return result;
    } finally {
      this.arena.reset();
    }
  }
}
