import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { nativeStatus } from '../../node/native-loader.js';
import { setupNodeBackend } from '../../node/tf-backend.js';
import { startWasmTrainingKernels } from '../../node/wasm-kernel-threads.js';
import { maxAbsDiff } from '../../test-support/tensor-diff.js';
import { nativeKernels, useNativeKernels, type NativeKernels } from './native-kernels.js';
import { alibiSlopes } from '../alibi.js';
import { attentionProbabilities, layerNorm } from './transformer-ops.js';

// The transformer's fused layer norm on each set of training kernels (the native addon where
// OpenBLAS is present, both WebAssembly builds) against the plain TensorFlow.js ops they replace:
// values and every gradient, and one thread against three.

await setupNodeBackend('wasm');
const registered = nativeKernels();
const implementations = [
  { name: 'native addon', kernels: nativeStatus()?.active === true ? registered : null },
  { name: 'WebAssembly, relaxed SIMD', kernels: startWasmTrainingKernels(3, 'relaxed') },
  { name: 'WebAssembly, plain SIMD', kernels: startWasmTrainingKernels(3, 'plain') },
].filter((k): k is { name: string; kernels: NativeKernels } => k.kernels !== null);

afterEach(() => useNativeKernels(registered));

const normal = (shape: number[], seed: number, scale = 1) =>
  tf.randomNormal(shape, 0, scale, 'float32', seed);

/** Loss and gradients of `f` at `inputs` (weighted sums reach every output). */
function lossAndGradients(f: (...x: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]) {
  const w = tf.tidy(() => normal(f(...inputs).shape, 99));
  const { value, grads } = tf.valueAndGrads((...x: tf.Tensor[]) => tf.sum(tf.mul(f(...x), w)) as tf.Scalar)(
    inputs,
  );
  return { loss: value.dataSync()[0]!, value: f(...inputs), grads };
}

describe.each(implementations)('$name', ({ kernels }) => {
  beforeEach(() => useNativeKernels(kernels));

  const cases = [
    {
      what: 'layer norm of [37, 24]',
      inputs: () => [normal([37, 24], 1, 3), normal([24], 2), normal([24], 3)],
      f: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5),
    },
  ];

  test.each(cases)('$what: value and gradients equal the plain ops to 2e-5', ({ inputs, f }) => {
    const x = inputs();
    const fused = lossAndGradients(f as (...t: tf.Tensor[]) => tf.Tensor, x);
    useNativeKernels(null);
    const plain = lossAndGradients(f as (...t: tf.Tensor[]) => tf.Tensor, x);
    expect(maxAbsDiff(fused.value, plain.value)).toBeLessThan(2e-5);
    expect(Math.abs(fused.loss - plain.loss)).toBeLessThan(2e-5 * Math.max(1, Math.abs(plain.loss)));
    for (let k = 0; k < x.length; k++) {
      expect(maxAbsDiff(fused.grads[k]!, plain.grads[k]!), `gradient ${k}`).toBeLessThan(2e-5);
    }
  });

  test.each(cases)('$what: one thread and three give the same values and gradients', ({ inputs, f }) => {
    const x = inputs();
    kernels.setThreads(1);
    const one = lossAndGradients(f as (...t: tf.Tensor[]) => tf.Tensor, x);
    kernels.setThreads(3);
    const three = lossAndGradients(f as (...t: tf.Tensor[]) => tf.Tensor, x);
    expect(maxAbsDiff(one.value, three.value)).toBe(0);
    one.grads.forEach((g, k) => expect(maxAbsDiff(g, three.grads[k]!), `gradient ${k}`).toBeLessThan(1e-6));
  });

  test('the layer norm kernels refuse what they cannot do, naming it', () => {
    const a = new Float32Array(8);
    expect(() => kernels.layerNorm(2, 4, a, a, a, 1e-5, new Float32Array(7), a)).toThrow(
      /y holds 7 floats, needs 8/,
    );
    expect(() => kernels.layerNorm(2, 0, a, a, a, 1e-5, a, a)).toThrow(/d must be in \[1, 65536\]/);
  });
});

/** The plain path's `[H, T, T]` penalties, as the transformer builds them. */
function penalties(H: number, T: number, window: number): tf.Tensor3D {
  const slopes = alibiSlopes(H);
  const bias = new Float32Array(H * T * T);
  for (let h = 0; h < H; h++)
    for (let i = 0; i < T; i++)
      for (let j = 0; j < T; j++)
        bias[(h * T + i) * T + j] = i - j >= 0 && i - j < window ? -slopes[h]! * (i - j) : -1e9;
  return tf.tensor3d(bias, [H, T, T]);
}

describe.skipIf(nativeStatus()?.active !== true)("the native kernels' fused attention softmax", () => {
  const shapes = [
    { B: 2, H: 3, T: 7, window: 4 },
    { B: 1, H: 4, T: 33, window: 64 },
  ];

  test.each(shapes)(
    'B $B, H $H, T $T, window $window: probabilities and gradient equal the plain ops to 2e-5, 0 outside the window',
    ({ B, H, T, window }) => {
      let calls = 0;
      const counted = Object.create(registered) as NativeKernels;
      counted.attentionSoftmax = (...args) => {
        calls++;
        registered!.attentionSoftmax!(...args);
      };
      useNativeKernels(counted);
      const scores = normal([B * H, T, T], 5, 3);
      const bias = penalties(H, T, window);
      let biasAsked = false;
      const f = (s: tf.Tensor) =>
        attentionProbabilities(s as tf.Tensor3D, H, window, 0.35, () => {
          biasAsked = true;
          return bias;
        });
      const fused = lossAndGradients(f, [scores]);
      expect(calls).toBeGreaterThan(0);
      expect(biasAsked).toBe(false);
      useNativeKernels(null);
      const plain = lossAndGradients(f, [scores]);
      expect(biasAsked).toBe(true);
      expect(maxAbsDiff(fused.value, plain.value)).toBeLessThan(2e-5);
      expect(maxAbsDiff(fused.grads[0]!, plain.grads[0]!)).toBeLessThan(2e-5);
      const p = fused.value.dataSync();
      const dS = fused.grads[0]!.dataSync();
      for (let r = 0; r < B * H * T; r++) {
        const i = r % T;
        let sum = 0;
        for (let j = 0; j < T; j++) {
          const visible = j <= i && i - j < window;
          if (!visible) expect(p[r * T + j], `row ${r} key ${j}`).toBe(0);
          if (!visible) expect(dS[r * T + j], `row ${r} key ${j}`).toBe(0);
          sum += p[r * T + j]!;
        }
        expect(sum).toBeCloseTo(1, 5);
      }
    },
  );

  test('one thread and three give the same bits', () => {
    useNativeKernels(registered);
    const scores = normal([6, 20, 20], 7, 2);
    const f = (s: tf.Tensor) =>
      attentionProbabilities(s as tf.Tensor3D, 3, 8, 0.5, () => penalties(3, 20, 8));
    registered!.setThreads(1);
    const one = lossAndGradients(f, [scores]);
    registered!.setThreads(3);
    const three = lossAndGradients(f, [scores]);
    expect(maxAbsDiff(one.value, three.value)).toBe(0);
    expect(maxAbsDiff(one.grads[0]!, three.grads[0]!)).toBe(0);
  });

  test('the kernels refuse what they cannot do, naming it', () => {
    const k = registered!;
    const a = new Float32Array(2 * 3 * 4 * 4);
    const slopes = new Float32Array(3);
    expect(() => k.attentionSoftmax!(2 * 3 * 4 - 1, 4, 3, slopes, 4, 1, a, a)).toThrow(
      /R must be a multiple of H·T/,
    );
    expect(() => k.attentionSoftmax!(24, 4, 3, slopes, 0, 1, a, a)).toThrow(/window must be at least 1/);
    expect(() => k.attentionSoftmax!(24, 4, 3, slopes, 4, 1, a, new Float32Array(95))).toThrow(
      /P holds 95 floats, needs 96/,
    );
    expect(() => k.attentionSoftmaxBackward!(24, 4, 4, 1, a, a, new Float32Array(3))).toThrow(
      /dS holds 3 floats/,
    );
  });
});
