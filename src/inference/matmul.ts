import { decodeBase64 } from '../base64.js';
import { MATMUL_WASM_BASE64 } from './matmul-wasm.js';

/**
 * Small dense products for generation: `out = bias + x · Wᵀ` for a batch of a few rows, on a
 * 128-bit SIMD WebAssembly kernel (`matmul.wat`) where the runtime has it, or plain JavaScript.
 *
 * One network step at batch 1 is a few hundred thousand multiply-adds in ~10 small products. At
 * that size TensorFlow.js spends its time in per-op bookkeeping (~30 µs an op on the wasm backend,
 * ~1,300 notes/s for LSTM-192), and plain JavaScript reaches ~0.6 GMAC/s (~1,600 notes/s); the
 * kernel runs ~4 GMAC/s. `bench/generate.js` measures all three.
 *
 * Every matrix, input and output lives in one arena (a `WebAssembly.Memory`, or an `ArrayBuffer`
 * for the JavaScript path), allocated once, 32-byte aligned.
 */

/** A block of floats in an arena. */
export interface ArenaBlock {
  /** Byte offset in the arena. */
  readonly offset: number;
  /** The floats (a view on the arena's memory). */
  readonly view: Float32Array;
}

/** An arena of floats and the product kernel over it. */
export interface MatmulArena {
  /** `true` when the WebAssembly SIMD kernel runs the products. */
  readonly simd: boolean;
  /**
   * Takes the next `floats` floats (zeroed) from the arena.
   *
   * @throws RangeError when the arena is full (size it with `arenaFloats`)
   */
  alloc(floats: number): ArenaBlock;
  /**
   * `out[b·outStride + j] = bias[j] + Σ_k w[j·n + k] · x[b·n + k]` for `j < rows`, `b < batch`.
   *
   * @param n - the row length of `w` and `x`, a multiple of 8 (see `padTo8`)
   */
  matmul(
    w: ArenaBlock,
    rows: number,
    n: number,
    x: ArenaBlock,
    batch: number,
    bias: ArenaBlock,
    out: ArenaBlock,
    outStride: number,
  ): void;
}

/** Rounds up to a multiple of 8 (the kernel's row-length unit, and the arena's alignment). */
export const padTo8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * The arena size (in floats) that holds blocks of the given sizes, each padded to 8.
 *
 * @param sizes - the sizes of the blocks to allocate
 * @returns the total
 */
export function arenaFloats(sizes: readonly number[]): number {
  return sizes.reduce((sum, n) => sum + padTo8(n), 0);
}

let kernelModule: WebAssembly.Module | null | undefined;

/** The compiled kernel, or `null` where WebAssembly or its SIMD is missing. Compiled once. */
function compiledKernel(): WebAssembly.Module | null {
  if (kernelModule !== undefined) return kernelModule;
  kernelModule = null;
  if (typeof WebAssembly === 'object') {
    const bytes = decodeBase64(MATMUL_WASM_BASE64);
    if (WebAssembly.validate(bytes)) kernelModule = new WebAssembly.Module(bytes);
  }
  return kernelModule;
}

/** Whether this runtime runs the SIMD kernel. */
export function hasSimdKernel(): boolean {
  return compiledKernel() !== null;
}

/** The JavaScript product, with the kernel's exact contract (four partial sums per row). */
function matmulJs(
  w: Float32Array,
  rows: number,
  n: number,
  x: Float32Array,
  batch: number,
  bias: Float32Array,
  out: Float32Array,
  outStride: number,
): void {
  for (let j = 0; j < rows; j++) {
    const row = j * n;
    const bj = bias[j]!;
    for (let b = 0; b < batch; b++) {
      const xb = b * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < n; k += 4) {
        s0 += w[row + k]! * x[xb + k]!;
        s1 += w[row + k + 1]! * x[xb + k + 1]!;
        s2 += w[row + k + 2]! * x[xb + k + 2]!;
        s3 += w[row + k + 3]! * x[xb + k + 3]!;
      }
      out[b * outStride + j] = bj + (s0 + s1 + s2 + s3);
    }
  }
}

/**
 * Creates an arena of `floats` floats with the fastest kernel available.
 *
 * @param floats - the capacity (see `arenaFloats`)
 * @param options - `simd: false` forces the JavaScript kernel (for tests and benchmarks)
 * @returns the arena
 * @example const arena = createMatmulArena(arenaFloats([rows * n, n, rows, rows]));
 */
export function createMatmulArena(floats: number, options: { simd?: boolean } = {}): MatmulArena {
  const bytes = padTo8(floats) * 4;
  const module = options.simd === false ? null : compiledKernel();
  let buffer: ArrayBuffer;
  let matmul: MatmulArena['matmul'];
  if (module) {
    const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const kernel = instance.exports['matmul'] as (...args: number[]) => void;
    buffer = memory.buffer;
    matmul = (w, rows, n, x, batch, bias, out, outStride) =>
      kernel(w.offset, rows, n, x.offset, batch, bias.offset, out.offset, outStride);
  } else {
    buffer = new ArrayBuffer(bytes);
    matmul = (w, rows, n, x, batch, bias, out, outStride) =>
      matmulJs(w.view, rows, n, x.view, batch, bias.view, out.view, outStride);
  }
  let top = 0;
  return {
    simd: module !== null,
    alloc(count) {
      const size = padTo8(count);
      if (top + size > bytes / 4) throw new RangeError(`matmul arena full: ${count} more floats do not fit`);
      const block = { offset: top * 4, view: new Float32Array(buffer, top * 4, count) };
      top += size;
      return block;
    },
    matmul(w, rows, n, x, batch, bias, out, outStride) {
      if (n % 8 !== 0) throw new RangeError(`matmul: row length ${n} is not a multiple of 8`);
      matmul(w, rows, n, x, batch, bias, out, outStride);
    },
  };
}
