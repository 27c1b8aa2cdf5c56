import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { nativeStatus } from '../../node/native-loader.js';
import { setupNodeBackend } from '../../node/tf-backend.js';
import { startWasmTrainingKernels } from '../../node/wasm-kernel-threads.js';
import { maxAbsDiff } from '../../test-support/tensor-diff.js';
import { nativeKernels, useNativeKernels, type NativeKernels } from './native-kernels.js';
import { layerNorm } from './transformer-ops.js';

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
