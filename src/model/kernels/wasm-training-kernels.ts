import type { NativeKernels } from './native-kernels.js';
import { checkSizes, fail, KernelCall, need } from './wasm-kernel-call.js';
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
/** The widest layer norm (its gradient keeps 2·d floats on a thread's stack). */
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
    checkSizes({ M, N, K, lda, ldb, ldc });
    const [rowsA, colsA] = transA ? [K, M] : [M, K];
    const [rowsB, colsB] = transB ? [N, K] : [K, N];
    if (lda < colsA || ldb < colsB || ldc < N) fail('a leading dimension is too small');
    const spanA = rowsA === 0 ? 0 : (rowsA - 1) * lda + colsA;
    const spanB = rowsB === 0 ? 0 : (rowsB - 1) * ldb + colsB;
    const spanC = M === 0 ? 0 : (M - 1) * ldc + N;
    need([
      ['A', A, spanA],
      ['B', B, spanB],
      ['C', C, spanC],
    ]);
    if (M === 0 || N === 0) return;
    const k = this.k;
    k.session(() => {
      const [a, b] = k.puts([
        [A, spanA],
        [B, spanB],
      ]) as [number, number];
      // C comes in when its old values count: beta ≠ 0, or gaps between rows to keep.
      const c = beta !== 0 || ldc !== N ? k.arena.put(C.subarray(0, spanC)) : k.arena.alloc(spanC);
      k.run('gemm_part', [+transA, +transB, M, N, K, a, lda, b, ldb, beta, c, ldc], k.gemmParts(M, N, K));
      k.arena.take(c, spanC, C);
    });
  }

  sgemmBatch(...args: Parameters<NativeKernels['sgemmBatch']>): void {
    const [count, transA, transB, M, N, K, A, strideA, lda, B, strideB, ldb, beta, C, strideC, ldc] = args;
    checkSizes({ count, M, N, K, strideA, lda, strideB, ldb, strideC, ldc });
    const [rowsA, colsA] = transA ? [K, M] : [M, K];
    const [rowsB, colsB] = transB ? [N, K] : [K, N];
    if (lda < colsA || ldb < colsB || ldc < N) fail('a leading dimension is too small');
    const span = (count1: number, stride: number, rows: number, ld: number, cols: number): number =>
      rows === 0 || count1 === 0 ? 0 : (count1 - 1) * stride + (rows - 1) * ld + cols;
    const spanA = span(count, strideA, rowsA, lda, colsA);
    const spanB = span(count, strideB, rowsB, ldb, colsB);
    const spanC = span(count, strideC, M, ldc, N);
    need([
      ['A', A, spanA],
      ['B', B, spanB],
      ['C', C, spanC],
    ]);
    if (count === 0 || M === 0 || N === 0) return;
    if (count === 1) {
      this.sgemm(transA, transB, M, N, K, A, lda, B, ldb, beta, C, ldc);
      return;
    }
    const k = this.k;
    k.session(() => {
      const [a, b] = k.puts([
        [A, spanA],
        [B, spanB],
      ]) as [number, number];
      const dense = beta === 0 && ldc === N && strideC === M * N;
      const c = dense ? k.arena.alloc(spanC) : k.arena.put(C.subarray(0, spanC));
      const values = [
        count,
        +transA,
        +transB,
        M,
        N,
        K,
        a,
        strideA,
        lda,
        b,
        strideB,
        ldb,
        beta,
        c,
        strideC,
        ldc,
      ];
      k.run('gemm_batch_part', values, k.gemmParts(count * M, N, K));
      k.arena.take(c, spanC, C);
    });
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
    need([
      ['logits', logits, N * K],
      ['targets', targets, N],
      ['mask', mask, N],
      ['probs', probs, N * K],
    ]);
    const k = this.k;
    return k.session(() => {
      const [pz] = k.puts([[logits, N * K]]) as [number];
      const pp = k.arena.alloc(N * K);
      const ps = k.arena.alloc(2 * N);
      if (K > 0 && N > 0) k.run('softmax_part', [N, K, pz, pp, ps]);
      k.arena.take(pp, N * K, probs);
      // log Σ exp z = max + log(Σ exp(z − max)), the log taken here (WebAssembly has none)
      const stats = k.arena.floats(ps, 2 * N);
      let total = 0;
      for (let i = 0; i < N; i++) {
        if (mask[i] === 0) continue;
        const t = targets[i]!;
        if (!(Number.isInteger(t) && t >= 0 && t < K))
          fail('a cross-entropy target is not a class index in [0, K)');
        const lse = Math.fround(stats[2 * i]! + Math.fround(Math.log(stats[2 * i + 1]!)));
        total += mask[i]! * Math.fround(lse - logits[i * K + t]!);
      }
      return total;
    });
  }

  crossEntropyBackward(...args: Parameters<NativeKernels['crossEntropyBackward']>): void {
    const [N, K, probs, targets, mask, coef, dlogits] = args;
    checkSizes({ N, K });
    need([
      ['probs', probs, N * K],
      ['targets', targets, N],
      ['mask', mask, N],
      ['dlogits', dlogits, N * K],
    ]);
    const k = this.k;
    k.session(() => {
      const [pp, pt, pm] = k.puts([
        [probs, N * K],
        [targets, N],
        [mask, N],
      ]) as [number, number, number];
      const pd = k.arena.alloc(N * K);
      k.run('cross_entropy_backward_part', [N, K, pp, pt, pm, coef, pd]);
      k.arena.take(pd, N * K, dlogits);
    });
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
    need([
      ['x', x, N * K],
      ['out', out, K],
    ]);
    const k = this.k;
    k.session(() => {
      const [px] = k.puts([[x, N * K]]) as [number];
      const po = k.arena.alloc(K);
      k.run('column_sums_part', [N, K, px, po]);
      k.arena.take(po, K, out);
    });
  }

  gatherRows(...args: Parameters<NativeKernels['gatherRows']>): void {
    const [N, K, E, W, rows, b, out] = args;
    checkSizes({ N, K, E });
    need([
      ['W', W, K * E],
      ['rows', rows, N],
      ['b', b, E],
      ['out', out, N * E],
    ]);
    for (let i = 0; i < N; i++) if (rows[i]! < 0 || rows[i]! >= K) fail('a row index is outside [0, K)');
    const k = this.k;
    k.session(() => {
      const [pW, pr, pb] = k.puts([
        [W, K * E],
        [rows, N],
        [b, E],
      ]) as [number, number, number];
      const po = k.arena.alloc(N * E);
      k.run('gather_rows_part', [N, E, pW, pr, pb, po]);
      k.arena.take(po, N * E, out);
    });
  }

  scatterAddRows(...args: Parameters<NativeKernels['scatterAddRows']>): void {
    const [N, K, E, dY, rows, dW] = args;
    checkSizes({ N, K, E });
    need([
      ['dY', dY, N * E],
      ['rows', rows, N],
      ['dW', dW, K * E],
    ]);
    const k = this.k;
    k.session(() => {
      const [pd, pr] = k.puts([
        [dY, N * E],
        [rows, N],
      ]) as [number, number];
      const pw = k.arena.alloc(K * E);
      k.run('scatter_add_rows_part', [N, K, E, pd, pr, pw]);
      k.arena.take(pw, K * E, dW);
    });
  }

  layerNorm(...args: Parameters<NativeKernels['layerNorm']>): void {
    const [N, d, x, gamma, beta, eps, y, stats] = args;
    checkSizes({ N, d });
    if (d < 1 || d > MAX_NORM_UNITS) fail(`d must be in [1, ${MAX_NORM_UNITS}]`);
    need([
      ['x', x, N * d],
      ['gamma', gamma, d],
      ['beta', beta, d],
      ['y', y, N * d],
      ['stats', stats, 2 * N],
    ]);
    const k = this.k;
    k.session(() => {
      const [px, pg, pb] = k.puts([
        [x, N * d],
        [gamma, d],
        [beta, d],
      ]) as [number, number, number];
      const [py, ps] = [k.arena.alloc(N * d), k.arena.alloc(2 * N)];
      k.run('layer_norm_part', [N, d, px, pg, pb, eps, py, ps]);
      k.arena.take(py, N * d, y);
      k.arena.take(ps, 2 * N, stats);
    });
  }

  layerNormBackward(...args: Parameters<NativeKernels['layerNormBackward']>): void {
    const [N, d, x, gamma, stats, dy, dx, dgamma, dbeta] = args;
    checkSizes({ N, d });
    if (d < 1 || d > MAX_NORM_UNITS) fail(`d must be in [1, ${MAX_NORM_UNITS}]`);
    need([
      ['x', x, N * d],
      ['gamma', gamma, d],
      ['stats', stats, 2 * N],
      ['dy', dy, N * d],
      ['dx', dx, N * d],
    ]);
    need([
      ['dgamma', dgamma, d],
      ['dbeta', dbeta, d],
    ]);
    const k = this.k;
    k.session(() => {
      const [px, pg, ps, pdy] = k.puts([
        [x, N * d],
        [gamma, d],
        [stats, 2 * N],
        [dy, N * d],
      ]) as number[] as [number, number, number, number];
      const [pdx, pdg, pdb] = [k.arena.alloc(N * d), k.arena.alloc(d), k.arena.alloc(d)];
      k.run('layer_norm_backward_part', [N, d, px, pg, ps, pdy, pdx, pdg, pdb]);
      k.arena.take(pdx, N * d, dx);
      k.arena.take(pdg, d, dgamma);
      k.arena.take(pdb, d, dbeta);
    });
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
    need([...inputs.map((v) => ['input', v, n] as const), ['output', output, n]]);
    const k = this.k;
    k.session(() => {
      const pointers = k.puts(inputs.map((v) => [v, n] as const));
      const po = k.arena.alloc(n);
      k.run(name, [n, ...pointers, ...scalars, po]);
      k.arena.take(po, n, output);
    });
  }
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
