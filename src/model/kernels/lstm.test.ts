import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { setupNodeBackend } from '../../node/tf-backend.js';
import { lstmSequenceAutodiff, lstmSequenceFused, lstmStep, type LstmWeights } from './lstm.js';
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

/** Loss that reaches every output: outputs, final h and final c, with random weights. */
function makeLoss(seed: number): (o: tf.Tensor, h: tf.Tensor, c: tf.Tensor) => tf.Scalar {
  const r1 = tf.randomNormal([B, T, H], 0, 1, 'float32', seed);
  const r2 = tf.randomNormal([B, H], 0, 1, 'float32', seed + 1);
  const r3 = tf.randomNormal([B, H], 0, 1, 'float32', seed + 2);
  return (o, h, c) =>
    tf.addN([tf.sum(tf.mul(o, r1)), tf.sum(tf.mul(h, r2)), tf.sum(tf.mul(c, r3))]) as tf.Scalar;
}

describe('LSTM against tfjs-layers', () => {
  test('forward outputs and gradients (inputs and all weights) match tf.layers.lstm to 1e-4', () => {
    const ours = createRecurrentLayer({ kind: 'lstm', inputSize: I, units: H, seed: 3 });
    // A non-trivial bias so every gate's bias gradient is exercised.
    ours.variables[2]!.assign(tf.randomNormal([4 * H], 0, 0.5, 'float32', 9));
    const reference = tf.layers.lstm({
      units: H,
      recurrentActivation: 'sigmoid',
      returnSequences: true,
      returnState: true,
    });
    const x = tf.variable(tf.randomNormal([B, T, I], 0, 1, 'float32', 4)) as tf.Variable<tf.Rank.R3>;
    reference.apply(x); // builds the layer
    reference.setWeights(ours.variables);
    const loss = makeLoss(11);

    const theirsVars = [x, ...reference.trainableWeights.map((w) => w.read() as tf.Variable)];
    const theirs = tf.variableGrads(() => {
      const [o, h, c] = reference.apply(x) as tf.Tensor[];
      return loss(o!, h!, c!);
    }, theirsVars);
    const oursVars = [x, ...ours.variables];
    const mine = tf.variableGrads(() => {
      const { outputs, final } = ours.forward(x);
      return loss(outputs, final.h, final.c!);
    }, oursVars);

    const [o1, h1, c1] = reference.apply(x) as tf.Tensor[];
    const { outputs, final } = ours.forward(x);
    const diffs: Record<string, number> = {
      outputs: maxAbsDiff(outputs, o1!),
      h: maxAbsDiff(final.h, h1!),
      c: maxAbsDiff(final.c!, c1!),
      loss: Math.abs(mine.value.dataSync()[0]! - theirs.value.dataSync()[0]!),
    };
    const names = ['x', 'kernel', 'recurrent_kernel', 'bias'];
    oursVars.forEach((v, k) => {
      const other = theirsVars[k]!;
      diffs[`d${names[k]}`] = maxAbsDiff(mine.grads[v.name]!, theirs.grads[other.name]!);
    });
    if (process.env['HOWL_PRINT_DIFFS']) console.log('LSTM vs tf.layers.lstm', diffs);
    for (const [what, d] of Object.entries(diffs)) expect(d, what).toBeLessThan(TOLERANCE);
    // The gradients are not trivially zero.
    expect(tf.max(tf.abs(mine.grads[ours.variables[1]!.name]!)).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([x, o1!, h1!, c1!, outputs, final.h, final.c!, mine.value, theirs.value]);
    tf.dispose(Object.values(mine.grads));
    tf.dispose(Object.values(theirs.grads));
    reference.dispose();
    ours.dispose();
  });
});

describe('LSTM fused backward', () => {
  test('gradients match tfjs autodiff to 1e-4, with an initial state, w.r.t. everything', () => {
    const args = [
      tf.randomNormal([B, T, I], 0, 1, 'float32', 1),
      tf.randomNormal([I, 4 * H], 0, 0.5, 'float32', 2),
      tf.randomNormal([H, 4 * H], 0, 0.5, 'float32', 3),
      tf.randomNormal([4 * H], 0, 0.5, 'float32', 4),
      tf.randomNormal([B, H], 0, 1, 'float32', 5),
      tf.randomNormal([B, H], 0, 1, 'float32', 6),
    ] as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D];
    const loss = makeLoss(21);
    const run =
      (impl: typeof lstmSequenceFused) =>
      (...a: tf.Tensor[]): tf.Scalar => {
        const [x, kernel, recurrentKernel, bias, h0, c0] = a as typeof args;
        const w: LstmWeights = { kernel, recurrentKernel, bias };
        const { outputs, h, c } = impl(x, h0, c0, w);
        return loss(outputs, h, c);
      };
    const fused = tf.grads(run(lstmSequenceFused))(args);
    const auto = tf.grads(run(lstmSequenceAutodiff))(args);
    const diffs = fused.map((g, k) => maxAbsDiff(g, auto[k]!));
    if (process.env['HOWL_PRINT_DIFFS'])
      console.log('LSTM fused vs autodiff (dx, dW, dU, db, dh0, dc0)', diffs);
    diffs.forEach((d, k) => expect(d, `arg ${k}`).toBeLessThan(TOLERANCE));
    // The final-state paths carry gradient too (dh0, dc0 non-zero).
    expect(tf.max(tf.abs(fused[5]!)).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([...args, ...fused, ...auto]);
  });

  test('step repeated T times equals forward', () => {
    const layer = createRecurrentLayer({ kind: 'lstm', inputSize: I, units: H, seed: 5 });
    const x = tf.randomNormal([B, T, I], 0, 1, 'float32', 6) as tf.Tensor3D;
    const { outputs, final } = layer.forward(x);
    let state = layer.zeroState(B);
    const hs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const xt = tf.reshape(tf.slice(x, [0, t, 0], [B, 1, I]), [B, I]) as tf.Tensor2D;
      const next = layer.step(xt, state);
      tf.dispose([xt, state.h, state.c!]);
      state = next;
      hs.push(tf.clone(state.h));
    }
    const stepped = tf.stack(hs, 1);
    expect(maxAbsDiff(stepped, outputs)).toBeLessThan(1e-5);
    expect(maxAbsDiff(state.h, final.h)).toBeLessThan(1e-5);
    expect(maxAbsDiff(state.c!, final.c!)).toBeLessThan(1e-5);
    // lstmStep is the same math as the layer's step.
    const w: LstmWeights = {
      kernel: layer.variables[0] as tf.Tensor2D,
      recurrentKernel: layer.variables[1] as tf.Tensor2D,
      bias: layer.variables[2] as tf.Tensor1D,
    };
    const one = lstmStep(tf.zeros([B, I]), tf.zeros([B, H]), tf.zeros([B, H]), w);
    expect(one.h.shape).toEqual([B, H]);
    tf.dispose([x, outputs, final.h, final.c!, ...hs, stepped, state.h, state.c!, one.h, one.c]);
    layer.dispose();
  });
});
