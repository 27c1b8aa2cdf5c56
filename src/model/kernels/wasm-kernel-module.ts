import { decodeBase64 } from '../../base64.js';
import { WASM_KERNELS_PLAIN_BASE64, WASM_KERNELS_RELAXED_BASE64 } from './wasm-kernels-binary.js';

/**
 * Howl's WebAssembly training kernels (native/howl-wasm.c) as a module: compiling it, its shared
 * memory, and running a job's parts on one thread or many. `wasm-training-kernels.ts` builds the
 * kernels' interface on top; in Node, `src/node/wasm-kernel-threads.ts` adds worker threads.
 *
 * Every thread instantiates the same module on the same shared memory, each with a stack of its
 * own: the main thread's is the module's (below `__heap_base`), each worker's one `STACK_BYTES`
 * region above it. The arrays of a call live above those, where `KernelArena` puts them.
 */

/** Each thread's stack: the product's packing buffers (about 620 KB) live there. */
export const STACK_BYTES = 1 << 20;

const PAGE = 65536;
/** The memory's initial size: the module's data and the main thread's stack fit in it. */
const INITIAL_PAGES = 32;
/** wasm32's limit, as the module declares it. */
const MAXIMUM_PAGES = 65536;

/** The functions the module exports (byte offsets for pointers). */
export interface KernelExports {
  readonly [name: string]: unknown;
  readonly __heap_base: WebAssembly.Global;
  readonly __stack_pointer: WebAssembly.Global;
  prepack(slot: number, tb: number, K: number, N: number, B: number, ldb: number, dst: number): void;
  clear_prepacked(): void;
  packed_size(K: number, N: number): number;
  previous_states(B: number, T: number, H: number, h0: number, out: number, hPrev: number): void;
}

/** A compiled kernel module and the memory its instances share. */
export interface KernelModule {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** The main thread's instance. */
  readonly exports: KernelExports;
  /** Whether it is the relaxed-SIMD build (fused multiply-adds). */
  readonly relaxed: boolean;
  /** The first byte past the module's data and the main thread's stack. */
  readonly heapBase: number;
}

/** Runs the parts of one job: the exported function `name(...args, part, parts)` for every part. */
export interface PartRunner {
  /** How many threads run parts (1: this one alone). */
  readonly threads: number;
  run(name: string, args: readonly number[], parts: number): void;
}

/**
 * Whether this engine validates the relaxed-SIMD build (V8 from 11.4, i.e. Node 22; Node 20 with
 * `--experimental-wasm-relaxed-simd`).
 *
 * @returns true when the fused multiply-add build can run
 */
export function relaxedSimdValidates(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(decodeBase64(WASM_KERNELS_RELAXED_BASE64));
}

/**
 * Compiles the kernels: the relaxed-SIMD build where the engine validates it, else the plain one.
 * Returns null where WebAssembly, its SIMD or shared memory (SharedArrayBuffer; in a browser,
 * cross-origin isolation) is missing.
 *
 * @param build - `'best'` (default), or one build only (tests compare them)
 * @returns the module and its memory, or null
 */
export function compileKernelModule(build: 'best' | 'relaxed' | 'plain' = 'best'): KernelModule | null {
  if (typeof WebAssembly !== 'object' || typeof SharedArrayBuffer !== 'function') return null;
  const builds = [
    [true, WASM_KERNELS_RELAXED_BASE64],
    [false, WASM_KERNELS_PLAIN_BASE64],
  ] as const;
  for (const [relaxed, base64] of builds.filter(([r]) => build === 'best' || r === (build === 'relaxed'))) {
    const bytes = decodeBase64(base64);
    if (!WebAssembly.validate(bytes)) continue;
    try {
      const module = new WebAssembly.Module(bytes);
      const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
      const exports = instantiate(module, memory);
      const heapBase = exports.__heap_base.value as number;
      if (heapBase > INITIAL_PAGES * PAGE) return null;
      return { module, memory, exports, relaxed, heapBase };
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * An instance of the kernels on `memory`.
 *
 * @param module - the compiled kernels
 * @param memory - the shared memory
 * @param stackTop - where this thread's stack starts (grows down); the module's own when omitted
 * @returns the instance's exports
 */
export function instantiate(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  stackTop?: number,
): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports as unknown as KernelExports;
  if (stackTop !== undefined) exports.__stack_pointer.value = stackTop;
  return exports;
}

/** The byte where worker `index`'s stack starts (the top of its region; stacks grow down). */
export function workerStackTop(kernels: KernelModule, index: number): number {
  return alignUp(kernels.heapBase, 16) + (index + 1) * STACK_BYTES;
}

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Runs every part on this thread, one after another. */
export function singleThread(kernels: KernelModule): PartRunner {
  return {
    threads: 1,
    run(name, args, parts) {
      const fn = kernels.exports[name] as (...a: number[]) => void;
      for (let part = 0; part < parts; part++) fn(...args, part, parts);
    },
  };
}

/**
 * The arrays of one call, in the shared memory above the workers' stacks: allocated one after
 * another from `reset()` on, the memory grown when they do not fit. Pointers are byte offsets,
 * 64-byte aligned.
 */
export class KernelArena {
  private next = 0;
  private readonly base: number;

  constructor(
    private readonly kernels: KernelModule,
    reservedStacks: number,
  ) {
    this.base = alignUp(workerStackTop(kernels, reservedStacks - 1), 64);
    this.next = this.base;
  }

  /** Frees everything allocated since the last reset. */
  reset(): void {
    this.next = this.base;
    this.kernels.exports.clear_prepacked();
  }

  /** Room for `n` floats (or int32s), contents undefined. */
  alloc(n: number): number {
    const at = this.next;
    const end = at + alignUp(Math.max(n, 1) * 4, 64);
    const have = this.kernels.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAXIMUM_PAGES) {
        throw new RangeError(
          `Howl's WebAssembly kernels: ${Math.ceil(end / 2 ** 20)} MiB does not fit in 4 GiB`,
        );
      }
      this.kernels.memory.grow(pages);
    }
    this.next = end;
    return at;
  }

  /** Room for `n` floats, zeroed. */
  zeros(n: number): number {
    const at = this.alloc(n);
    this.floats(at, n).fill(0);
    return at;
  }

  /** A copy of `values` (floats or int32s) in the memory. */
  put(values: Float32Array | Int32Array): number {
    const at = this.alloc(values.length);
    if (values instanceof Int32Array)
      new Int32Array(this.kernels.memory.buffer, at, values.length).set(values);
    else this.floats(at, values.length).set(values);
    return at;
  }

  /** The floats at `at` (a view, valid until the memory next grows). */
  floats(at: number, n: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, at, n);
  }

  /** Copies `n` floats at `at` into `target`. */
  take(at: number, n: number, target: Float32Array): void {
    target.set(this.floats(at, n));
  }
}
