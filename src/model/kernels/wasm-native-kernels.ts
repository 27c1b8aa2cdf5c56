import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from './native-kernels.js';
import { nativeKernels } from './native-kernels.js';

/**
 * The wasm backend's kernels that hand work to the native kernels (`native-kernels.ts`) when they
 * are registered, reading and writing the wasm heap in place: the batched matrix product, the sum
 * over a matrix's first axis, and a zero-copy `Identity`. Registered by `wasm-kernels.ts`.
 */

/** The parts of tfjs-backend-wasm's `BackendWasm` these kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId): boolean;
}

/** A kernel's arguments. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * The number of elements of a shape.
 *
 * @returns the product of the dimensions
 */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The broadcast of two batch shapes (numpy rules, aligned at the end).
 *
 * @returns the broadcast shape
 */
export function broadcastOuter(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * A batched product on the kernels' `sgemm` and `sgemmBatch`, straight from and into the wasm heap.
 *
 * @returns the product, or null when the shapes are for the stock kernel (mismatch, odd broadcast)
 */
export function nativeBatchMatMul(
  native: NativeKernels,
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  attrs: { transposeA: boolean; transposeB: boolean },
): tf.TensorInfo | null {
  if (a.shape.length < 2 || b.shape.length < 2) return null;
  const [rA, cA] = a.shape.slice(-2) as [number, number];
  const [rB, cB] = b.shape.slice(-2) as [number, number];
  const M = attrs.transposeA ? cA : rA;
  const K = attrs.transposeA ? rA : cA;
  const N = attrs.transposeB ? rB : cB;
  if ((attrs.transposeB ? cB : rB) !== K) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  if (batchA !== batchB && outerA.length > 0 && outerB.length > 0 && outerA.length !== outerB.length)
    return null;
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput([...broadcastOuter(outerA, outerB), M, N], 'float32');
  if (batch * M * N === 0) return out;
  // Views are taken after makeOutput: a heap growth detaches older views.
  const av = backend.typedArrayFromHeap(a) as Float32Array;
  const bv = backend.typedArrayFromHeap(b) as Float32Array;
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  if (K === 0) {
    ov.fill(0);
    return out;
  }
  if (batchB === 1 && !attrs.transposeA) {
    // The right operand is shared and A's rows are contiguous: one [batch·M, K] product.
    native.sgemm(false, attrs.transposeB, batch * M, N, K, av, cA, bv, cB, 0, ov, N);
    return out;
  }
  const [strideA, strideB] = [batchA === 1 ? 0 : M * K, batchB === 1 ? 0 : K * N];
  native.sgemmBatch(
    batch,
    attrs.transposeA,
    attrs.transposeB,
    M,
    N,
    K,
    av,
    strideA,
    cA,
    bv,
    strideB,
    cB,
    0,
    ov,
    M * N,
    N,
  );
  return out;
}

/**
 * `Identity` (what tfjs's engine runs to keep a tensor for the backward pass, and `tf.clone`):
 * shares the data with a reference count, as `Reshape` does, instead of copying it. Safe because no
 * wasm kernel writes into an existing tensor's memory.
 */
export function identityKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs['x'] as tf.TensorInfo;
    const backend = args.backend as WasmBackend & { incRef?(dataId: tf.DataId): void };
    if (x.dtype === 'string' || typeof backend.incRef !== 'function') return fallback(args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/**
 * `Sum` over the first axis of a matrix (every bias gradient) on the native kernels; the stock
 * kernel transposes first. Anything else goes to the stock kernel.
 */
export function sumKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const native = nativeKernels();
    const x = args.inputs['x'] as tf.TensorInfo;
    const attrs = args.attrs as { axis: number | number[]; keepDims: boolean };
    const axes = (Array.isArray(attrs.axis) ? attrs.axis : [attrs.axis]).map((a) =>
      a < 0 ? a + x.shape.length : a,
    );
    if (
      native === null ||
      x.dtype !== 'float32' ||
      x.shape.length !== 2 ||
      axes.length !== 1 ||
      axes[0] !== 0
    ) {
      return fallback(args);
    }
    const backend = args.backend as WasmBackend;
    const [N, K] = x.shape as [number, number];
    const out = backend.makeOutput(attrs.keepDims ? [1, K] : [K], 'float32');
    native.columnSums(
      N,
      K,
      backend.typedArrayFromHeap(x) as Float32Array,
      backend.typedArrayFromHeap(out) as Float32Array,
    );
    return out;
  };
}
