import type { NativeKernels } from './native-kernels.js';
import { checkSizes, fail, KernelCall, type ArraySlot } from './wasm-kernel-call.js';
import type { KernelModule, PartRunner } from './wasm-kernel-module.js';
import { gruBackward, gruForward, lstmBackward, lstmForward } from './wasm-recurrent-kernels.js';

/**
 * The training kernels' interface (`NativeKernels`) on Howl's WebAssembly module
 * (native/howl-wasm.c): what the native addon does, where no addon loads (another platform, no
 * OpenBLAS, a browser). The arrays it is given live elsewhere (TensorFlow.js's wasm heap, plain
 * Float32Arrays): each call copies its inputs into the module's shared memory, runs, and copies its
 * outputs back, which costs little beside the products. The parts of every job run on the
 * `PartRunner`'s threads; the results do not depend on how many.
 */
/** The widest layer norm. */
const MAX_NORM_UNITS = 65536;

class WasmTrainingKernels implements NativeKernels {
  private readonly k: KernelCall;

  constructor(kernels: KernelModule, runner: PartRunner, reservedStacks: number) {
    this.k = new KernelCall(kernels, runner, reservedStacks);
  }

  get blas(): string {
    return `Howl WebAssembly kernels (${this.k.kernels.relaxed ? 'relaxed SIMD' : 'SIMD'})`;
  }

  setThreads(n: number): void {
    if (!(Number.isSafeInteger(n) && n >= 1)) fail(`threads ${n} is not a whole number >= 1`);
    this.k.threads = n;
  }

  threads(): number {
    return this.k.threads;
  }

  sgemm(...args: Parameters<NativeKernels['sgemm']>): void {
    const [transA, transB, M, N, K, A, lda, B, ldb, beta, C, ldc] = args;
    this.products(1, transA, transB, M, N, K, A, 0, lda, B, 0, ldb, beta, C, 0, ldc);
  }

  sgemmBatch(...args: Parameters<NativeKernels['sgemmBatch']>): void {
    this.products(...args);
  }

  lstmForward(...args: Parameters<NativeKernels['lstmForward']>): void {
    lstmForward(this.k, ...args);
  }

  lstmBackward(...args: Parameters<NativeKernels['lstmBackward']>): void {
    lstmBackward(this.k, ...args);
  }

  gruForward(...args: Parameters<NativeKernels['gruForward']>): void {
    gruForward(this.k, ...args);
  }

  gruBackward(...args: Parameters<NativeKernels['gruBackward']>): void {
    gruBackward(this.k, ...args);
  }

  crossEntropy(...args: Parameters<NativeKernels['crossEntropy']>): number {
    const [N, K, logits, targets, mask, probs] = args;
    checkSizes({ N, K });
    const k = this.k;
    const slots = [
      ['logits', logits, N * K, 'in'],
      ['targets', targets, N, 'in'],
      ['mask', mask, N, 'in'],
      ['probs', probs, N * K, 'out'],
    ] as const;
    return k.withArrays(slots, (p) => {
      const stats = k.arena.alloc(2 * N);
      if (K > 0 && N > 0) k.run('softmax_part', [N, K, p.logits, p.probs, stats]);
      // log Σ exp z = max + log(Σ exp(z − max)), the log taken here (WebAssembly has none)
      const rows = k.arena.floats(stats, 2 * N);
      let total = 0;
      for (let i = 0; i < N; i++) {
        if (mask[i] === 0) continue;
        const t = targets[i]!;
        if (!(Number.isInteger(t) && t >= 0 && t < K))
          fail('a cross-entropy target is not a class index in [0, K)');
        const lse = Math.fround(rows[2 * i]! + Math.fround(Math.log(rows[2 * i + 1]!)));
        total += mask[i]! * Math.fround(lse - logits[i * K + t]!);
      }
      return total;
    })!;
  }

  crossEntropyBackward(...args: Parameters<NativeKernels['crossEntropyBackward']>): void {
    const [N, K, probs, targets, mask, coef, dlogits] = args;
    checkSizes({ N, K });
    const slots = [
      ['probs', probs, N * K, 'in'],
      ['targets', targets, N, 'in'],
      ['mask', mask, N, 'in'],
      ['d', dlogits, N * K, 'out'],
    ] as const;
    this.k.withArrays(slots, (p) =>
      this.k.run('cross_entropy_backward_part', [N, K, p.probs, p.targets, p.mask, coef, p.d]),
    );
  }

  selu(n: number, x: Float32Array, y: Float32Array): void {
    this.elementwise('selu_part', n, [x], [], y);
  }

  seluBackward(n: number, y: Float32Array, dy: Float32Array, dx: Float32Array): void {
    this.elementwise('selu_backward_part', n, [y, dy], [], dx);
  }

  affine(n: number, x: Float32Array, s: number, t: number, y: Float32Array): void {
    this.elementwise('affine_part', n, [x], [s, t], y);
  }

  columnSums(N: number, K: number, x: Float32Array, out: Float32Array): void {
    checkSizes({ N, K });
    const slots = [
      ['x', x, N * K, 'in'],
      ['out', out, K, 'out'],
    ] as const;
    this.k.withArrays(slots, (p) => this.k.run('column_sums_part', [N, K, p.x, p.out]));
  }

  gatherRows(...args: Parameters<NativeKernels['gatherRows']>): void {
    const [N, K, E, W, rows, b, out] = args;
    checkSizes({ N, K, E });
    const slots = [
      ['W', W, K * E, 'in'],
      ['rows', rows, N, 'in'],
      ['b', b, E, 'in'],
      ['out', out, N * E, 'out'],
    ] as const;
    for (let i = 0; i < Math.min(N, rows.length); i++) {
      if (rows[i]! < 0 || rows[i]! >= K) fail('a row index is outside [0, K)');
    }
    this.k.withArrays(slots, (p) => this.k.run('gather_rows_part', [N, E, p.W, p.rows, p.b, p.out]));
  }

  scatterAddRows(...args: Parameters<NativeKernels['scatterAddRows']>): void {
    const [N, K, E, dY, rows, dW] = args;
    checkSizes({ N, K, E });
    const slots = [
      ['dY', dY, N * E, 'in'],
      ['rows', rows, N, 'in'],
      ['dW', dW, K * E, 'out'],
    ] as const;
    this.k.withArrays(slots, (p) => this.k.run('scatter_add_rows_part', [N, K, E, p.dY, p.rows, p.dW]));
  }

  layerNorm(...args: Parameters<NativeKernels['layerNorm']>): void {
    const [N, d, x, gamma, beta, eps, y, stats] = args;
    checkNormUnits(N, d);
    const slots = [
      ['x', x, N * d, 'in'],
      ['gamma', gamma, d, 'in'],
      ['beta', beta, d, 'in'],
      ['y', y, N * d, 'out'],
      ['stats', stats, 2 * N, 'out'],
    ] as const;
    this.k.withArrays(slots, (p) =>
      this.k.run('layer_norm_part', [N, d, p.x, p.gamma, p.beta, eps, p.y, p.stats]),
    );
  }

  layerNormBackward(...args: Parameters<NativeKernels['layerNormBackward']>): void {
    const [N, d, x, gamma, stats, dy, dx, dgamma, dbeta] = args;
    checkNormUnits(N, d);
    const slots = [
      ['x', x, N * d, 'in'],
      ['gamma', gamma, d, 'in'],
      ['stats', stats, 2 * N, 'in'],
      ['dy', dy, N * d, 'in'],
      ['dx', dx, N * d, 'out'],
      ['dgamma', dgamma, d, 'out'],
      ['dbeta', dbeta, d, 'out'],
    ] as const;
    this.k.withArrays(slots, (p) =>
      this.k.run('layer_norm_backward_part', [N, d, p.x, p.gamma, p.stats, p.dy, p.dx, p.dgamma, p.dbeta]),
    );
  }

  /**
   * `count` products `C_i = op(A_i)·op(B_i) + beta·C_i` (operand `X_i` at `i·strideX`): one product
   * split over its rows or columns, several split over the products.
   */
  private products(...args: Parameters<NativeKernels['sgemmBatch']>): void {
    const [count, transA, transB, M, N, K, A, strideA, lda, B, strideB, ldb, beta, C, strideC, ldc] = args;
    checkSizes({ count, M, N, K, strideA, lda, strideB, ldb, strideC, ldc });
    const [rowsA, colsA] = transA ? [K, M] : [M, K];
    const [rowsB, colsB] = transB ? [N, K] : [K, N];
    if (lda < colsA || ldb < colsB || ldc < N) fail('a leading dimension is too small');
    const span = (stride: number, rows: number, ld: number, cols: number): number =>
      rows === 0 || count === 0 ? 0 : (count - 1) * stride + (rows - 1) * ld + cols;
    // C comes in when its old values count: beta ≠ 0, or gaps between rows or products to keep.
    const dense = beta === 0 && ldc === N && (count === 1 || strideC === M * N);
    const slots = [
      ['A', A, span(strideA, rowsA, lda, colsA), 'in'],
      ['B', B, span(strideB, rowsB, ldb, colsB), 'in'],
      ['C', C, span(strideC, M, ldc, N), dense ? 'out' : 'in'],
    ] as const;
    const k = this.k;
    const run = count > 0 && M > 0 && N > 0;
    k.withArrays(
      slots,
      (p) => {
        const shape = [+transA, +transB, M, N, K];
        if (count === 1) {
          k.run('gemm_part', [...shape, p.A, lda, p.B, ldb, beta, p.C, ldc], k.gemmParts(M, N, K));
        } else {
          const values = [count, ...shape, p.A, strideA, lda, p.B, strideB, ldb, beta, p.C, strideC, ldc];
          k.run('gemm_batch_part', values, k.gemmParts(count * M, N, K));
        }
        if (!dense) k.arena.take(p.C, span(strideC, M, ldc, N), C);
      },
      run,
    );
  }

  /** `name(n, ...inputs, ...scalars, output)` over n values. */
  private elementwise(
    name: string,
    n: number,
    inputs: Float32Array[],
    scalars: number[],
    output: Float32Array,
  ): void {
    checkSizes({ n });
    const slots: ArraySlot<string>[] = inputs.map((v, i) => [`input ${i}`, v, n, 'in'] as const);
    slots.push(['output', output, n, 'out']);
    this.k.withArrays(slots, (p) => {
      const pointers = slots.map(([slot]) => p[slot]!);
      this.k.run(name, [n, ...pointers.slice(0, -1), ...scalars, pointers.at(-1)!]);
    });
  }
}

/** Checks a layer norm's sizes (its gradient keeps 2·d floats on a thread's stack). */
function checkNormUnits(N: number, d: number): void {
  checkSizes({ N, d });
  if (d < 1 || d > MAX_NORM_UNITS) fail(`d must be in [1, ${MAX_NORM_UNITS}]`);
}

/**
 * The kernels on a compiled module, running parts on `runner`.
 *
 * @param kernels - the module and its memory (`compileKernelModule`)
 * @param runner - the threads (`singleThread(kernels)`, or Node's worker pool)
 * @param reservedStacks - the workers' stacks to keep clear of (default: the runner's workers)
 * @returns the kernels; `blas` names the module's build
 */
export function createWasmTrainingKernels(
  kernels: KernelModule,
  runner: PartRunner,
  reservedStacks = runner.threads - 1,
): NativeKernels {
  return new WasmTrainingKernels(kernels, runner, Math.max(1, reservedStacks));
}
