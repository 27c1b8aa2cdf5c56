import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { compileKernelModule, KernelArena } from '../model/kernels/wasm-kernel-module.js';
import { WASM_KERNELS_SOURCE_SHA256 } from '../model/kernels/wasm-kernels-binary.js';
import { createRng } from '../random/rng.js';
import { startWasmTrainingKernels } from './wasm-kernel-threads.js';

// Howl's WebAssembly training kernels called directly: the matrix product against a float64
// reference on shapes that cross every block edge, one thread against three (bit for bit), the
// heads' kernels against plain loops, and the module against its committed source.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const builds = ['relaxed', 'plain'] as const;
const kernelsOf = new Map(builds.map((b) => [b, startWasmTrainingKernels(3, b)] as const));

function randomArray(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
}

/** C = op(A)·op(B) + beta·C in float64, row-major with leading dimensions. */
function referenceProduct(
  ta: boolean,
  tb: boolean,
  [M, N, K]: [number, number, number],
  A: Float32Array,
  lda: number,
  B: Float32Array,
  ldb: number,
  beta: number,
  C: Float32Array,
  ldc: number,
): Float64Array {
  const out = Float64Array.from(C);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++)
        sum += A[ta ? k * lda + i : i * lda + k]! * B[tb ? j * ldb + k : k * ldb + j]!;
      out[i * ldc + j] = beta * C[i * ldc + j]! + sum;
    }
  }
  return out;
}

test('the module was built from the committed sources (node scripts/build-wasm-kernels.mjs)', () => {
  const hash = createHash('sha256');
  for (const file of ['native/howl-wasm.c', 'native/kernel-steps.h'])
    hash.update(readFileSync(path.join(root, file)));
  expect(hash.digest('hex')).toBe(WASM_KERNELS_SOURCE_SHA256);
});

describe.each(builds)('the %s build', (build) => {
  const kernels = kernelsOf.get(build)!;
  test('compiles, with shared memory', () => {
    expect(kernels).not.toBeNull();
    expect(kernels.blas).toBe(`Howl WebAssembly kernels (${build === 'relaxed' ? 'relaxed SIMD' : 'SIMD'})`);
  });

  // M crosses the 72-row block and is not a multiple of 3; N crosses the 528-column block and is
  // not a multiple of 12; K crosses the 256-deep block. Leading dimensions leave gaps.
  test.each([
    [false, false, 0],
    [true, false, 0.5],
    [false, true, 0],
    [true, true, 1],
  ])(
    'sgemm transA %s transB %s beta %s: a float64 reference, and 1 thread = 3 bit for bit',
    (ta, tb, beta) => {
      const [M, N, K] = [151, 601, 300];
      const lda = (ta ? M : K) + 3;
      const ldb = (tb ? K : N) + 5;
      const ldc = N + 7;
      const A = randomArray((ta ? K : M) * lda, 1);
      const B = randomArray((tb ? N : K) * ldb, 2);
      const C0 = randomArray(M * ldc, 3);
      const expected = referenceProduct(ta, tb, [M, N, K], A, lda, B, ldb, beta, C0, ldc);
      const results = [1, 3].map((threads) => {
        kernels.setThreads(threads);
        const C = C0.slice();
        kernels.sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
        return C;
      });
      kernels.setThreads(3);
      expect(results[1]).toEqual(results[0]);
      let worst = 0;
      for (let i = 0; i < M * ldc; i++) worst = Math.max(worst, Math.abs(results[0]![i]! - expected[i]!));
      expect(worst).toBeLessThan(2e-4);
      // the gaps between C's rows are left as they were
      for (let i = 0; i < M - 1; i++) expect(results[0]![i * ldc + N]).toBe(C0[i * ldc + N]);
    },
  );

  test('the heads: softmax cross-entropy and its gradient against plain loops', () => {
    const [N, K] = [37, 130];
    const logits = randomArray(N * K, 4).map((v) => v * 8);
    const targets = Float32Array.from({ length: N }, (_, i) => (i * 17) % K);
    const mask = Float32Array.from({ length: N }, (_, i) => (i % 5 === 0 ? 0 : 1));
    const probs = new Float32Array(N * K);
    const loss = kernels.crossEntropy(N, K, logits, targets, mask, probs);
    let expected = 0;
    for (let i = 0; i < N; i++) {
      const row = Array.from(logits.subarray(i * K, (i + 1) * K));
      const max = Math.max(...row);
      const sum = row.reduce((s, z) => s + Math.exp(z - max), 0);
      row.forEach((z, j) => expect(probs[i * K + j]).toBeCloseTo(Math.exp(z - max) / sum, 6));
      expected += mask[i]! * (max + Math.log(sum) - row[targets[i]!]!);
    }
    expect(loss).toBeCloseTo(expected, 3);
    const d = new Float32Array(N * K);
    kernels.crossEntropyBackward(N, K, probs, targets, mask, 0.5, d);
    for (let i = 0; i < N; i += 6) {
      for (let j = 0; j < K; j++) {
        const want = 0.5 * mask[i]! * (probs[i * K + j]! - (j === targets[i] ? 1 : 0));
        expect(d[i * K + j]).toBeCloseTo(want, 6);
      }
    }
    expect(() => kernels.crossEntropy(1, K, logits, Float32Array.of(K), Float32Array.of(1), probs)).toThrow(
      /not a class index/,
    );
  });

  test('SELU, the affine map, column sums, row gathers and scatters against plain loops', () => {
    const n = 1003;
    const x = randomArray(n, 5).map((v) => v * 3);
    const y = new Float32Array(n);
    kernels.selu(n, x, y);
    const [alpha, scale] = [1.6732632423543772, 1.0507009873554805];
    x.forEach((v, i) => expect(y[i]).toBeCloseTo(v > 0 ? scale * v : scale * alpha * (Math.exp(v) - 1), 5));
    const dx = new Float32Array(n);
    kernels.seluBackward(
      n,
      y,
      Float32Array.from({ length: n }, () => 2),
      dx,
    );
    x.forEach((v, i) => expect(dx[i]).toBeCloseTo(2 * (v > 0 ? scale : scale * alpha * Math.exp(v)), 4));
    kernels.affine(n, x, 0.25, -1, y);
    x.forEach((v, i) => expect(y[i]).toBeCloseTo(0.25 * v - 1, 6));
    const [N, K, E] = [29, 11, 23];
    const m = randomArray(N * E, 6);
    const sums = new Float32Array(E);
    kernels.columnSums(N, E, m, sums);
    for (let j = 0; j < E; j++) {
      expect(sums[j]).toBeCloseTo(
        Array.from({ length: N }, (_, i) => m[i * E + j]!).reduce((s, v) => s + v, 0),
        5,
      );
    }
    const W = randomArray(K * E, 7);
    const b = randomArray(E, 8);
    const rows = Int32Array.from({ length: N }, (_, i) => (i * 7) % K);
    const gathered = new Float32Array(N * E);
    kernels.gatherRows(N, K, E, W, rows, b, gathered);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < E; j++) expect(gathered[i * E + j]).toBeCloseTo(W[rows[i]! * E + j]! + b[j]!, 6);
    }
    const dW = new Float32Array(K * E).fill(9);
    kernels.scatterAddRows(N, K, E, m, rows, dW);
    for (let r = 0; r < K; r++) {
      for (let j = 0; j < E; j++) {
        let want = 0;
        for (let i = 0; i < N; i++) if (rows[i] === r) want += m[i * E + j]!;
        expect(dW[r * E + j]).toBeCloseTo(want, 5);
      }
    }
    expect(() => kernels.gatherRows(1, K, E, W, Int32Array.of(K), b, gathered)).toThrow(/outside \[0, K\)/);
  });
});

test('an arena past 4 GiB is refused with a RangeError, and the kernels still work after', () => {
  const module = compileKernelModule('plain')!;
  const arena = new KernelArena(module, 1);
  arena.reset();
  expect(() => arena.alloc(2 ** 30)).toThrow(RangeError);
  const small = arena.alloc(16);
  expect(small).toBeGreaterThan(module.heapBase);
  const kernels = kernelsOf.get('plain')!;
  const C = new Float32Array(4);
  kernels.sgemm(false, false, 2, 2, 1, Float32Array.of(1, 2), 1, Float32Array.of(3, 4), 2, 0, C, 2);
  expect(Array.from(C)).toEqual([3, 4, 6, 8]);
});
