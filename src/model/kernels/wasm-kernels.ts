import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from './native-kernels.js';
import {
  broadcastOuter,
  identityKernel,
  nativeBatchMatMul,
  sizeOf,
  sumKernel,
  type KernelArgs,
  type WasmBackend,
} from './wasm-native-kernels.js';

/**
 * Replacement kernels for the wasm backend of TensorFlow.js 4.22.0, registered with
 * `tf.registerKernel` (no fork of tfjs):
 *
 * - `Slice`, `SplitV`, `Unpack`: the stock `Slice` reads the WHOLE input out of the wasm heap
 *   (`readSync`, a copy) for every slice, so unstacking a `[T, B, n]` tensor costs O(T²). These
 *   copy only the slice, straight from heap to heap.
 * - `Identity`: shares the data (reference count) instead of copying it.
 * - `Sum` over a matrix's first axis (bias gradients) on the native kernels, when registered.
 * - `BatchMatMul`: the stock kernel leaves XNNPACK's fast path (~26 GFLOPS) for a scalar loop
 *   (~2 GFLOPS) whenever an operand is transposed or the product is batched, which every matMul
 *   gradient hits. This one transposes the operand first (wasm `Transpose`) and runs batched
 *   products as one 2-D product (when the right operand is shared) or batch by batch.
 *
 * - With native kernels registered (`native-kernels.ts`), `BatchMatMul` hands every float product
 *   to the native `sgemm`, which reads the operands where they lie in the wasm heap (no copy, no
 *   transpose: BLAS takes the transposed layouts directly).
 *
 * Each replacement calls the stock kernel for what it does not handle (strings, odd dtypes).
 * Re-check when upgrading tfjs from 4.22.0: these rely on the wasm backend's `makeOutput`,
 * `typedArrayFromHeap` and `disposeData`.
 */

let registered = false;
const stockKernels = new Map<string, tf.KernelConfig>();

/**
 * Copies `x[begin : begin + size]` (any rank) into a new heap tensor: trailing dimensions taken
 * whole are merged into one contiguous run, copied with `TypedArray.set`.
 */
function copySlice(
  backend: WasmBackend,
  x: tf.TensorInfo,
  begin: readonly number[],
  size: number[],
): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const total = sizeOf(size);
  if (total === 0) return out;
  // Views are taken after makeOutput: a heap growth detaches older views.
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = new Array<number>(rank);
  let stride = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= x.shape[d]!;
  }
  // Innermost contiguous run: the last dim, extended over outer dims taken whole.
  let runDims = rank - 1;
  let run = size[rank - 1]!;
  while (runDims > 0 && size[runDims] === x.shape[runDims] && begin[runDims] === 0) {
    runDims--;
    run *= size[runDims]!;
  }
  // Outer dims [0, runDims) iterate; dim runDims is included in the run.
  let base = 0;
  for (let d = 0; d < rank; d++) base += begin[d]! * strides[d]!;
  if (runDims === 0) {
    ov.set(xv.subarray(base, base + run));
    return out;
  }
  const index = new Array<number>(runDims).fill(0);
  let outOffset = 0;
  for (;;) {
    let offset = base;
    for (let d = 0; d < runDims; d++) offset += index[d]! * strides[d]!;
    if (run >= 16) {
      ov.set(xv.subarray(offset, offset + run), outOffset);
    } else {
      for (let k = 0; k < run; k++) ov[outOffset + k] = xv[offset + k]!;
    }
    outOffset += run;
    let d = runDims - 1;
    while (d >= 0) {
      index[d]!++;
      if (index[d]! < size[d]!) break;
      index[d] = 0;
      d--;
    }
    if (d < 0) break;
  }
  return out;
}

function sliceKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs['x'] as tf.TensorInfo;
    if (x.dtype === 'string') return fallback(args);
    const attrs = args.attrs as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size) as [number[], number[]];
    return copySlice(args.backend as WasmBackend, x, begin, size);
  };
}

function splitSizes(dim: number, numOrSizeSplits: number | number[]): number[] {
  if (typeof numOrSizeSplits === 'number')
    return new Array<number>(numOrSizeSplits).fill(dim / numOrSizeSplits);
  const known = numOrSizeSplits.reduce((sum, s) => (s === -1 ? sum : sum + s), 0);
  return numOrSizeSplits.map((s) => (s === -1 ? dim - known : s));
}

function splitVKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs['x'] as tf.TensorInfo;
    if (x.dtype === 'string') return fallback(args);
    const attrs = args.attrs as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0]!;
    const begin = new Array<number>(x.shape.length).fill(0);
    return splitSizes(x.shape[axis]!, attrs.numOrSizeSplits).map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const piece = copySlice(args.backend as WasmBackend, x, begin, size);
      begin[axis]! += s;
      return piece;
    });
  };
}

function unpackKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const value = args.inputs['value'] as tf.TensorInfo;
    if (value.dtype === 'string') return fallback(args);
    const rank = value.shape.length;
    let axis = (args.attrs as { axis: number }).axis;
    if (axis < 0) axis += rank;
    const outShape = value.shape.filter((_, d) => d !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = [...value.shape];
    size[axis] = 1;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < value.shape[axis]!; i++) {
      begin[axis] = i;
      const piece = copySlice(args.backend as WasmBackend, value, begin, size);
      outs.push({ dataId: piece.dataId, dtype: piece.dtype, shape: outShape });
    }
    return outs;
  };
}

function batchMatMulKernel(fallback: tf.KernelFunc, transposeFunc: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const backend = args.backend as WasmBackend;
    let a = args.inputs['a'] as tf.TensorInfo;
    let b = args.inputs['b'] as tf.TensorInfo;
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    const native = nativeKernels();
    if (native !== null) {
      const product = nativeBatchMatMul(native, backend, a, b, attrs);
      if (product !== null) return product;
    }
    const temporaries: tf.TensorInfo[] = [];
    const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
      const r = t.shape.length;
      const perm = t.shape.map((_, d) => d);
      perm[r - 2] = r - 1;
      perm[r - 1] = r - 2;
      const out = transposeFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo;
      temporaries.push(out);
      return out;
    };
    if (attrs.transposeA) a = swapLast(a);
    if (attrs.transposeB) b = swapLast(b);
    const [M, K] = a.shape.slice(-2) as [number, number];
    const [K2, N] = b.shape.slice(-2) as [number, number];
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = sizeOf(outerA);
    const batchB = sizeOf(outerB);
    const plain = { transposeA: false, transposeB: false };
    const run = (x: tf.TensorInfo, y: tf.TensorInfo): tf.TensorInfo =>
      fallback({ inputs: { a: x, b: y }, backend, attrs: plain }) as tf.TensorInfo;
    let result: tf.TensorInfo;
    if (K !== K2 || (batchA !== batchB && batchA !== 1 && batchB !== 1)) {
      // Let the stock kernel report the shape error (or broadcast odd batch shapes).
      result = run(a, b);
    } else if (batchA <= 1 && batchB <= 1) {
      result = run(a, b);
    } else if (batchB === 1) {
      // The right operand is shared: one [batchA·M, K] × [K, N] product.
      const flat = run({ ...a, shape: [1, batchA * M, K] }, { ...b, shape: [1, K, N] });
      result = { ...flat, shape: [...(outerA.length >= outerB.length ? outerA : outerB), M, N] };
    } else {
      const batch = Math.max(batchA, batchB);
      const outShape = [...broadcastOuter(outerA, outerB), M, N];
      const out = backend.makeOutput(outShape, 'float32');
      for (let i = 0; i < batch; i++) {
        const ai = copySlice(
          backend,
          { ...a, shape: [batchA, M, K] },
          [batchA === 1 ? 0 : i, 0, 0],
          [1, M, K],
        );
        const bi = copySlice(
          backend,
          { ...b, shape: [batchB, K, N] },
          [batchB === 1 ? 0 : i, 0, 0],
          [1, K, N],
        );
        const prod = run(ai, bi);
        backend
          .typedArrayFromHeap(out)
          .set(backend.typedArrayFromHeap({ ...prod, shape: [M * N] }), i * M * N);
        backend.disposeData(ai.dataId);
        backend.disposeData(bi.dataId);
        backend.disposeData(prod.dataId);
      }
      result = out;
    }
    for (const t of temporaries) backend.disposeData(t.dataId);
    const outShape = broadcastOuter(outerA, outerB);
    return { ...result, shape: [...outShape, M, N] };
  };
}

/**
 * Registers the replacement kernels for the `'wasm'` backend (once; later calls do nothing).
 * `setupBackend('wasm')` calls it. Safe to call before or after the backend initialises.
 *
 * @returns the names of the kernels replaced
 */
export function registerWasmKernels(): string[] {
  if (registered) return [];
  registered = true;
  const replaced: string[] = [];
  const replace = (name: string, make: (fallback: tf.KernelFunc) => tf.KernelFunc): void => {
    const stock = tf.getKernel(name, 'wasm');
    if (stock === undefined) return;
    tf.unregisterKernel(name, 'wasm');
    stockKernels.set(name, stock);
    const config: tf.KernelConfig = {
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: make(stock.kernelFunc),
    };
    if (stock.setupFunc !== undefined) config.setupFunc = stock.setupFunc;
    if (stock.disposeFunc !== undefined) config.disposeFunc = stock.disposeFunc;
    tf.registerKernel(config);
    replaced.push(name);
  };
  replace('Identity', identityKernel);
  replace('Sum', sumKernel);
  replace('Slice', sliceKernel);
  replace('SplitV', splitVKernel);
  replace('Unpack', unpackKernel);
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose !== undefined)
    replace('BatchMatMul', (fallback) => batchMatMulKernel(fallback, transpose.kernelFunc));
  return replaced;
}

/**
 * Puts tfjs's stock kernels back (for benchmarks and tests that compare against them); a later
 * `registerWasmKernels` installs the replacements again.
 *
 * @returns the names of the kernels restored
 */
export function restoreStockWasmKernels(): string[] {
  const restored: string[] = [];
  for (const [name, config] of stockKernels) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
    restored.push(name);
  }
  stockKernels.clear();
  registered = false;
  return restored;
}

/**
 * Whether `registerWasmKernels` has run.
 *
 * @returns true once the replacements are registered
 */
export function wasmKernelsRegistered(): boolean {
  return registered;
}
