import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, test } from 'vitest';
import { setupNodeBackend } from '../../node/tf-backend.js';
import { maxAbsDiff } from '../../test-support/tensor-diff.js';
import { maskedCrossEntropy, oneHotDense, selu } from './head-ops.js';
import { alphaDropout, createDense } from './layers.js';
import { nativeKernels, useNativeKernels } from './native-kernels.js';

await setupNodeBackend('wasm');
const native = nativeKernels();

afterEach(() => useNativeKernels(native));

/** Value and gradient w.r.t. `x` of `f`, with the native kernels on (when present) and off. */
function bothWays(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
): { fast: number[]; slow: number[]; dFast: tf.Tensor; dSlow: tf.Tensor } {
  const run = () => {
    const { value, grad } = tf.valueAndGrad(f)(x);
    return { v: value.dataSync()[0]!, g: grad };
  };
  const a = run();
  useNativeKernels(null);
  const b = run();
  useNativeKernels(native);
  return { fast: [a.v], slow: [b.v], dFast: a.g, dSlow: b.g };
}

describe('head ops: fused where the data is on the CPU, the same as TensorFlow.js ops', () => {
  test.skipIf(native === null)(
    'masked cross-entropy: value and gradient equal logSoftmax composition',
    () => {
      const N = 37;
      const K = 401;
      const logits = tf.randomNormal([N, K], 0, 3, 'float32', 1);
      const targets = tf.tensor1d(
        Array.from({ length: N }, (_, i) => (i * 97) % K),
        'int32',
      );
      const mask = tf.tensor1d(Array.from({ length: N }, (_, i) => (i % 5 === 0 ? 0 : 1)));
      const count = tf.maximum(tf.sum(mask), 1) as tf.Scalar;
      const r = bothWays(
        (z) => tf.mul(maskedCrossEntropy(z as tf.Tensor2D, targets, mask, count), 2.5),
        logits,
      );
      expect(Math.abs(r.fast[0]! - r.slow[0]!)).toBeLessThan(1e-5 * Math.abs(r.slow[0]!));
      expect(maxAbsDiff(r.dFast, r.dSlow)).toBeLessThan(1e-6);
    },
  );

  test.skipIf(native === null)('masked cross-entropy refuses a target outside the classes', () => {
    const logits = tf.zeros([2, 3]) as tf.Tensor2D;
    const bad = tf.tensor1d([0, 3], 'int32');
    const mask = tf.ones([2]) as tf.Tensor1D;
    expect(() => maskedCrossEntropy(logits, bad, mask, tf.scalar(2))).toThrow(/not a class index/);
  });

  test.skipIf(native === null)('SELU: value and gradient equal tf.selu on both sides of 0', () => {
    const x = tf.concat([tf.randomNormal([500], 0, 3, 'float32', 2), tf.tensor1d([0, -80, 80, 1e-7, -1e-7])]);
    const w = tf.randomNormal([505], 0, 1, 'float32', 3);
    const r = bothWays((v) => tf.sum(tf.mul(selu(v), w)), x);
    expect(Math.abs(r.fast[0]! - r.slow[0]!)).toBeLessThan(1e-4);
    expect(maxAbsDiff(r.dFast, r.dSlow)).toBeLessThan(1e-5);
  });

  test('a dense layer on one-hot rows: the lookup equals the product, and so do its gradients', () => {
    const { layer, variables } = createDense('lookup', 7, 5, 'glorot-uniform', 4, 'head-ops-test/');
    layer.bias.assign(tf.randomNormal([5], 0, 1, 'float32', 5));
    const indices = tf.tensor1d([0, 6, 3, 3, 1], 'int32');
    const w = tf.randomNormal([5, 5], 0, 1, 'float32', 6);
    const vars = variables.map((v) => v.variable);
    const lookup = tf.variableGrads(() => tf.sum(tf.mul(oneHotDense(layer, indices, 7), w)), vars);
    const product = tf.variableGrads(
      () => tf.sum(tf.mul(layer.apply(tf.cast(tf.oneHot(indices, 7), 'float32') as tf.Tensor2D), w)),
      vars,
    );
    expect(lookup.value.dataSync()[0]).toBeCloseTo(product.value.dataSync()[0]!, 5);
    for (const v of vars)
      expect(maxAbsDiff(lookup.grads[v.name]!, product.grads[v.name]!)).toBeLessThan(1e-6);
    expect(() => oneHotDense(layer, tf.tensor1d([7], 'int32'), 7)).toThrow(/outside \[0, (7|K)\)/);
  });

  test('AlphaDropout on the CPU: a seeded mask at the rate, kept values mapped affinely, gradient only through them', () => {
    const rate = 0.2;
    const x = tf.randomNormal([4000], 0, 1, 'float32', 7);
    const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => tf.sum(alphaDropout(v, rate, 42)))(x);
    const y = alphaDropout(x, rate, 42).dataSync();
    const again = alphaDropout(x, rate, 42).dataSync();
    const other = alphaDropout(x, rate, 43).dataSync();
    expect(Array.from(again)).toEqual(Array.from(y));
    expect(Array.from(other)).not.toEqual(Array.from(y));
    const g = grad.dataSync();
    const xs = x.dataSync();
    const alphaP = -1.6732632423543772 * 1.0507009873554805;
    const a = 1 / Math.sqrt((1 - rate) * (1 + rate * alphaP * alphaP));
    const b = -a * alphaP * rate;
    let dropped = 0;
    for (let i = 0; i < xs.length; i++) {
      if (g[i] === 0) {
        dropped++;
        expect(y[i]).toBeCloseTo(a * alphaP + b, 5);
      } else {
        expect(g[i]).toBeCloseTo(a, 5);
        expect(y[i]).toBeCloseTo(a * xs[i]! + b, 5);
      }
    }
    expect(dropped / xs.length).toBeGreaterThan(0.17);
    expect(dropped / xs.length).toBeLessThan(0.23);
    expect(value.dataSync()[0]).toBeCloseTo(tf.sum(tf.tensor(y)).dataSync()[0]!, 2);
    expect(alphaDropout(x, 0, 42)).toBe(x);
  });
});
