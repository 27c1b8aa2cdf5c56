import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { setupNodeBackend } from '../../node/tf-backend.js';
import { gruSequenceAutodiff, gruSequenceFused, type GruWeights } from './gru.js';
import { createRecurrentLayer } from './recurrent.js';
import { maxAbsDiff } from '../../test-support/tensor-diff.js';

const B = 3;
const T = 7;
const I = 5;
const H = 4;
const TOLERANCE = 1e-4;

beforeAll(async () => {
  await setupNodeBackend('wasm');
});

/**
 * Keras's GRUCell with reset_after=True, written plainly from its source (one step at a time, each
 * gate from its own slice of the weights), as the reference: tfjs-layers' GRU rejects resetAfter.
 */
function kerasGru(
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  kernel: tf.Tensor2D,
  recurrent: tf.Tensor2D,
  bias: tf.Tensor2D,
) {
  const col = (m: tf.Tensor2D, k: number): tf.Tensor2D => tf.slice(m, [0, k * H], [-1, H]);
  const b = (row: number, k: number): tf.Tensor1D => tf.reshape(tf.slice(bias, [row, k * H], [1, H]), [H]);
  let h = h0;
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    const xt = tf.reshape(tf.slice(x, [0, t, 0], [B, 1, I]), [B, I]) as tf.Tensor2D;
    const xz = tf.add(tf.matMul(xt, col(kernel, 0)), b(0, 0));
    const xr = tf.add(tf.matMul(xt, col(kernel, 1)), b(0, 1));
    const xh = tf.add(tf.matMul(xt, col(kernel, 2)), b(0, 2));
    const rz = tf.add(tf.matMul(h, col(recurrent, 0)), b(1, 0));
    const rr = tf.add(tf.matMul(h, col(recurrent, 1)), b(1, 1));
    const rh = tf.add(tf.matMul(h, col(recurrent, 2)), b(1, 2));
    const z = tf.sigmoid(tf.add(xz, rz));
    const r = tf.sigmoid(tf.add(xr, rr));
    const hh = tf.tanh(tf.add(xh, tf.mul(r, rh)));
    h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh)) as tf.Tensor2D;
    hs.push(h);
  }
  return { outputs: tf.stack(hs, 1) as tf.Tensor3D, h };
}

describe('GRU (reset_after=true)', () => {
  test("tfjs-layers' GRU rejects resetAfter: true (why we test against a plain Keras reference)", () => {
    expect(() =>
      tf.layers.gru({ units: H, resetAfter: true } as Parameters<typeof tf.layers.gru>[0]),
    ).toThrow();
  });

  test('fused and autodiff forward and gradients match the Keras reference to 1e-4', () => {
    const args = [
      tf.randomNormal([B, T, I], 0, 1, 'float32', 1),
      tf.randomNormal([I, 3 * H], 0, 0.5, 'float32', 2),
      tf.randomNormal([H, 3 * H], 0, 0.5, 'float32', 3),
      tf.randomNormal([2, 3 * H], 0, 0.5, 'float32', 4),
      tf.randomNormal([B, H], 0, 1, 'float32', 5),
    ] as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const r1 = tf.randomNormal([B, T, H], 0, 1, 'float32', 7);
    const r2 = tf.randomNormal([B, H], 0, 1, 'float32', 8);
    const loss = (o: tf.Tensor, h: tf.Tensor): tf.Scalar =>
      tf.add(tf.sum(tf.mul(o, r1)), tf.sum(tf.mul(h, r2)));
    const ours =
      (impl: typeof gruSequenceFused) =>
      (...a: tf.Tensor[]): tf.Scalar => {
        const [x, kernel, recurrentKernel, bias, h0] = a as typeof args;
        const w: GruWeights = { kernel, recurrentKernel, bias };
        const { outputs, h } = impl(x, h0, w);
        return loss(outputs, h);
      };
    const reference = (...a: tf.Tensor[]): tf.Scalar => {
      const [x, kernel, recurrentKernel, bias, h0] = a as typeof args;
      const { outputs, h } = kerasGru(x, h0, kernel, recurrentKernel, bias);
      return loss(outputs, h);
    };
    const [x, kernel, recurrentKernel, bias, h0] = args;
    const w: GruWeights = { kernel, recurrentKernel, bias };
    const want = tf.tidy(() => kerasGru(x, h0, kernel, recurrentKernel, bias));
    const expected = tf.grads(reference)(args);
    const report: Record<string, number[]> = {};
    for (const [label, impl] of [
      ['fused', gruSequenceFused],
      ['autodiff', gruSequenceAutodiff],
    ] as const) {
      const got = impl(x, h0, w);
      const grads = tf.grads(ours(impl))(args);
      const diffs = [maxAbsDiff(got.outputs, want.outputs), maxAbsDiff(got.h, want.h)];
      grads.forEach((g, k) => diffs.push(maxAbsDiff(g, expected[k]!)));
      report[label] = diffs;
      diffs.forEach((d, k) => expect(d, `${label} #${k}`).toBeLessThan(TOLERANCE));
      tf.dispose([got.outputs, got.h, ...grads]);
    }
    if (process.env['HOWL_PRINT_DIFFS']) {
      console.log('GRU vs Keras reference (outputs, h, dx, dW, dU, dbias, dh0)', report);
    }
    expect(tf.max(tf.abs(expected[4]!)).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([...args, r1, r2, want.outputs, want.h, ...expected]);
  });

  test('layer: step repeated T times equals forward; variables in Keras layout', () => {
    const layer = createRecurrentLayer({ kind: 'gru', inputSize: I, units: H, seed: 5, name: 'g' });
    expect(layer.variables.map((v) => [v.name, v.shape])).toEqual([
      ['g/kernel', [I, 3 * H]],
      ['g/recurrent_kernel', [H, 3 * H]],
      ['g/bias', [2, 3 * H]],
    ]);
    const x = tf.randomNormal([B, T, I], 0, 1, 'float32', 6) as tf.Tensor3D;
    const { outputs, final } = layer.forward(x);
    expect(final.c).toBeUndefined();
    let state = layer.zeroState(B);
    const hs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const xt = tf.reshape(tf.slice(x, [0, t, 0], [B, 1, I]), [B, I]) as tf.Tensor2D;
      const next = layer.step(xt, state);
      tf.dispose([xt, state.h]);
      state = next;
      hs.push(tf.clone(state.h));
    }
    const stepped = tf.stack(hs, 1);
    expect(maxAbsDiff(stepped, outputs)).toBeLessThan(1e-5);
    expect(maxAbsDiff(state.h, final.h)).toBeLessThan(1e-5);
    tf.dispose([x, outputs, final.h, ...hs, stepped, state.h]);
    layer.dispose();
  });
});
