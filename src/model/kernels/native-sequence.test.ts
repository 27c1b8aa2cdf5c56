import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { nativeStatus, setNativeThreads } from '../../node/native-loader.js';
import { setupNodeBackend } from '../../node/tf-backend.js';
import { startWasmTrainingKernels } from '../../node/wasm-kernel-threads.js';
import { maxAbsDiff } from '../../test-support/tensor-diff.js';
import { gruSequenceFused } from './gru.js';
import { lstmSequenceFused } from './lstm.js';
import { nativeKernels, useNativeKernels, type NativeKernels } from './native-kernels.js';
import { keptFloatBytes } from './reused-arrays.js';

// Howl's training kernels, both of them: the native addon (native/howl-native.c on OpenBLAS) and
// the WebAssembly module (native/howl-wasm.c, both its builds, on 3 threads), against the
// TensorFlow.js path they replace and against finite differences. Where OpenBLAS is absent the
// addon does not load and its tests skip.

await setupNodeBackend('wasm');
const registered: NativeKernels | null = nativeKernels();
const native = nativeStatus()?.active === true ? registered : null;
if (native === null)
  console.warn(`native addon tests skipped: ${nativeStatus()?.description ?? 'not loaded'}`);
const implementations = [
  { name: 'native addon', kernels: native },
  { name: 'WebAssembly, relaxed SIMD', kernels: startWasmTrainingKernels(3, 'relaxed') },
  { name: 'WebAssembly, plain SIMD', kernels: startWasmTrainingKernels(3, 'plain') },
].filter((k): k is { name: string; kernels: NativeKernels } => k.kernels !== null);

afterEach(() => {
  for (const { kernels } of implementations) kernels.setThreads(3);
  useNativeKernels(registered);
  setNativeThreads(2);
});

/** The batch of most tests; the threads test uses more, so that the batch is split. */
const BATCH = 3;
const T = 6;
const I = 5;
const H = 4;

/** The recurrent op's inputs as variables, so every gradient is asked for. */
function lstmInputs(seed: number, B = BATCH): tf.Variable[] {
  const n = (shape: number[], k: number, s = 0.6) =>
    tf.variable(tf.randomNormal(shape, 0, s, 'float32', seed + k));
  return [n([B, T, I], 0, 1), n([I, 4 * H], 1), n([H, 4 * H], 2), n([4 * H], 3), n([B, H], 4), n([B, H], 5)];
}

function gruInputs(seed: number, B = BATCH): tf.Variable[] {
  const n = (shape: number[], k: number, s = 0.6) =>
    tf.variable(tf.randomNormal(shape, 0, s, 'float32', seed + k));
  return [n([B, T, I], 0, 1), n([I, 3 * H], 1), n([H, 3 * H], 2), n([2, 3 * H], 3), n([B, H], 4)];
}

/** A loss that reaches every output of the sequence, the final h and (LSTM) the final c. */
function lstmLoss(v: tf.Variable[]): tf.Scalar {
  const [x, W, U, b, h0, c0] = v as unknown as [
    tf.Tensor3D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor1D,
    tf.Tensor2D,
    tf.Tensor2D,
  ];
  const r = lstmSequenceFused(x, h0, c0, { kernel: W, recurrentKernel: U, bias: b });
  const w = tf.randomNormal(r.outputs.shape, 0, 1, 'float32', 99);
  return tf.addN([
    tf.sum(tf.mul(r.outputs, w)),
    tf.sum(tf.square(r.h)),
    tf.sum(tf.mul(r.c, 0.7)),
  ]) as tf.Scalar;
}

function gruLoss(v: tf.Variable[]): tf.Scalar {
  const [x, W, U, b, h0] = v as unknown as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const r = gruSequenceFused(x, h0, { kernel: W, recurrentKernel: U, bias: b });
  const w = tf.randomNormal(r.outputs.shape, 0, 1, 'float32', 98);
  return tf.addN([tf.sum(tf.mul(r.outputs, w)), tf.sum(tf.square(r.h))]) as tf.Scalar;
}

function lossAndGradients(
  loss: (v: tf.Variable[]) => tf.Scalar,
  v: tf.Variable[],
): { loss: number; grads: tf.Tensor[] } {
  const { value, grads } = tf.variableGrads(() => loss(v), v);
  return { loss: value.dataSync()[0]!, grads: v.map((x) => grads[x.name]!) };
}

const cases = [
  { kind: 'LSTM', inputs: lstmInputs, loss: lstmLoss },
  { kind: 'GRU', inputs: gruInputs, loss: gruLoss },
] as const;

describe.each(implementations)('$name', ({ kernels }) => {
  beforeEach(() => useNativeKernels(kernels));

  describe.each(cases)('$kind sequence', ({ inputs, loss }) => {
    test('loss and every gradient equal the WebAssembly path to 2e-5', () => {
      const v = inputs(11);
      const fast = lossAndGradients(loss, v);
      useNativeKernels(null);
      const reference = lossAndGradients(loss, v);
      expect(Math.abs(fast.loss - reference.loss)).toBeLessThan(2e-5 * Math.max(1, Math.abs(reference.loss)));
      fast.grads.forEach((g, k) => {
        expect(g.shape).toEqual(reference.grads[k]!.shape);
        expect(maxAbsDiff(g, reference.grads[k]!), `gradient ${k}`).toBeLessThan(2e-5);
      });
    });

    test('arrays kept from earlier passes (with and without dx asked for) give the same gradients', async () => {
      // A pass over the weights only: dx is never asked for, its arrays go back after a microtask.
      const first = inputs(41);
      tf.variableGrads(() => loss(first), first.slice(1));
      await Promise.resolve();
      lossAndGradients(loss, inputs(42));
      expect(keptFloatBytes()).toBeGreaterThan(0);
      // Same shapes: this pass runs on the kept arrays, their old values in them.
      const v = inputs(43);
      const reused = lossAndGradients(loss, v);
      useNativeKernels(null);
      const reference = lossAndGradients(loss, v);
      expect(Math.abs(reused.loss - reference.loss)).toBeLessThan(
        2e-5 * Math.max(1, Math.abs(reference.loss)),
      );
      reused.grads.forEach((g, k) =>
        expect(maxAbsDiff(g, reference.grads[k]!), `gradient ${k}`).toBeLessThan(2e-5),
      );
    });

    test('gradients agree with central finite differences', () => {
      const v = inputs(21);
      const { grads } = lossAndGradients(loss, v);
      const eps = 1e-2;
      // A few coordinates of every input: the loss is a float32 sum, so the tolerance is loose.
      v.forEach((variable, k) => {
        const values = variable.dataSync().slice();
        const analytic = grads[k]!.dataSync();
        for (const index of [0, Math.floor(values.length / 2), values.length - 1]) {
          const at = (delta: number): number => {
            const moved = values.slice();
            moved[index] = values[index]! + delta;
            variable.assign(tf.tensor(moved, variable.shape));
            return tf.tidy(() => loss(v).dataSync()[0]!);
          };
          const numeric = (at(eps) - at(-eps)) / (2 * eps);
          variable.assign(tf.tensor(values, variable.shape));
          expect(Math.abs(numeric - analytic[index]!), `input ${k}[${index}]`).toBeLessThan(
            5e-3 + 5e-3 * Math.abs(numeric),
          );
        }
      });
    });

    test('one thread, two and three (the batch rows split between them) give the same loss and gradients', () => {
      // 26 rows: slices of 13, and of 8, 9 and 9, each through every step on its own thread.
      const v = inputs(31, 26);
      kernels.setThreads(1);
      const one = lossAndGradients(loss, v);
      for (const threads of [2, 3]) {
        kernels.setThreads(threads);
        const split = lossAndGradients(loss, v);
        expect(Math.abs(one.loss - split.loss)).toBeLessThan(1e-5);
        one.grads.forEach((g, k) =>
          expect(maxAbsDiff(g, split.grads[k]!), `gradient ${k}`).toBeLessThan(1e-5),
        );
      }
      useNativeKernels(null);
      const reference = lossAndGradients(loss, v);
      one.grads.forEach((g, k) =>
        expect(maxAbsDiff(g, reference.grads[k]!), `gradient ${k}`).toBeLessThan(2e-5),
      );
    });
  });

  describe('matrix product (the wasm backend BatchMatMul kernel)', () => {
    const shapes: [number[], number[], boolean, boolean][] = [
      [[7, 5], [5, 3], false, false],
      [[5, 7], [5, 3], true, false],
      [[7, 5], [3, 5], false, true],
      [[5, 7], [3, 5], true, true],
      [[4, 7, 5], [4, 5, 3], false, false],
      [[4, 5, 7], [4, 3, 5], true, true],
      [[4, 7, 5], [5, 3], false, false],
      [[2, 3, 7, 5], [1, 5, 3], false, false],
      [[1, 7, 5], [4, 5, 3], false, false],
      [[0, 5], [5, 3], false, false],
    ];
    test.each(shapes)('%j × %j (transposeA %s, transposeB %s) equals the stock kernel', (a, b, ta, tb) => {
      const A = tf.randomNormal(a, 0, 1, 'float32', 1);
      const Bm = tf.randomNormal(b, 0, 1, 'float32', 2);
      const fast = tf.matMul(A, Bm, ta, tb);
      useNativeKernels(null);
      const reference = tf.matMul(A, Bm, ta, tb);
      expect(fast.shape).toEqual(reference.shape);
      if (reference.size > 0) expect(maxAbsDiff(fast, reference)).toBeLessThan(1e-5);
    });

    test.each([
      [[9, 4], 0, false],
      [[9, 4], -2, true],
      [[9, 4], 1, false],
      [[3, 4, 5], 0, false],
    ] as [number[], number, boolean][])(
      'sum of %j over axis %i (keepDims %s) equals the stock kernel',
      (shape, axis, keep) => {
        const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
        const fast = tf.sum(x, axis, keep);
        useNativeKernels(null);
        const reference = tf.sum(x, axis, keep);
        expect(fast.shape).toEqual(reference.shape);
        expect(maxAbsDiff(fast, reference)).toBeLessThan(1e-5);
      },
    );

    test('sgemmBatch equals one sgemm per product, a shared operand (stride 0) included, on 1 and 3 threads', () => {
      const [count, M, N, K] = [16, 9, 7, 11];
      const A = tf.randomNormal([count * M * K], 0, 1, 'float32', 5).dataSync() as Float32Array;
      const Bm = tf.randomNormal([K * N], 0, 1, 'float32', 6).dataSync() as Float32Array;
      const expected = new Float32Array(count * M * N);
      for (let i = 0; i < count; i++) {
        kernels.sgemm(
          false,
          true,
          M,
          N,
          K,
          A.subarray(i * M * K),
          K,
          Bm,
          K,
          0,
          expected.subarray(i * M * N),
          N,
        );
      }
      for (const threads of [1, 3]) {
        kernels.setThreads(threads);
        const batched = new Float32Array(count * M * N);
        kernels.sgemmBatch(count, false, true, M, N, K, A, M * K, K, Bm, 0, K, 0, batched, M * N, N);
        expect(Array.from(batched)).toEqual(Array.from(expected));
      }
    });

    test('a product over an empty inner dimension is zeros (the stock kernel leaves it undefined)', () => {
      const product = tf.matMul(tf.zeros([7, 0]), tf.zeros([0, 3]));
      expect(product.shape).toEqual([7, 3]);
      expect(Array.from(product.dataSync())).toEqual(new Array(21).fill(0));
    });

    test('the kernels refuse an array shorter than the sizes they are told, naming it', () => {
      const A = new Float32Array(6);
      const Bm = new Float32Array(6);
      expect(() => kernels.sgemm(false, false, 2, 2, 3, A, 3, Bm, 2, 0, new Float32Array(3), 2)).toThrow(
        /C holds 3 floats, needs 4/,
      );
      expect(() => kernels.lstmForward(2, 2, 1, 1, new Float32Array(3), A, A, A, A, A, A, A, A)).toThrow(
        /x holds 3 floats, needs 4/,
      );
    });
  });
});
