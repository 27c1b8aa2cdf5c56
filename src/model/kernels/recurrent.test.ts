import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { setupNodeBackend } from '../../node/tf-backend.js';
import { createRecurrentLayer, orthogonalMatrix } from './recurrent.js';

beforeAll(async () => {
  await setupNodeBackend('wasm');
});

describe('createRecurrentLayer', () => {
  test('LSTM variables: Keras names and shapes, orthogonal recurrent kernel, forget bias 1, seeded', () => {
    const a = createRecurrentLayer({ kind: 'lstm', inputSize: 5, units: 4, seed: 7, name: 'm/rnn' });
    const b = createRecurrentLayer({ kind: 'lstm', inputSize: 5, units: 4, seed: 7, name: 'm2/rnn' });
    expect(a.kind).toBe('lstm');
    expect(a.variables.map((v) => [v.name, v.shape])).toEqual([
      ['m/rnn/kernel', [5, 16]],
      ['m/rnn/recurrent_kernel', [4, 16]],
      ['m/rnn/bias', [16]],
    ]);
    expect(Array.from(a.variables[2]!.dataSync())).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    a.variables.forEach((v, k) =>
      expect(Array.from(v.dataSync())).toEqual(Array.from(b.variables[k]!.dataSync())),
    );
    // Glorot-uniform bound √(6 / (5 + 16)).
    expect(Math.max(...a.variables[0]!.dataSync().map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 21));
    // U Uᵀ = I (rows orthonormal).
    const gram = tf.tidy(() => tf.matMul(a.variables[1]!, a.variables[1]!, false, true));
    const eye = tf.eye(4);
    expect(tf.max(tf.abs(tf.sub(gram, eye))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([gram, eye]);
    a.dispose();
    a.dispose(); // idempotent
    b.dispose();
    expect(a.variables.every((v) => v.isDisposed)).toBe(true);
  });

  test('orthogonalMatrix: orthonormal columns when tall, rows when wide', () => {
    for (const [r, c] of [
      [12, 3],
      [3, 12],
      [6, 6],
    ] as const) {
      const q = orthogonalMatrix(r, c, 1);
      const gram = r >= c ? tf.matMul(q, q, true, false) : tf.matMul(q, q, false, true);
      const eye = tf.eye(Math.min(r, c));
      expect(tf.max(tf.abs(tf.sub(gram, eye))).dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose([q, gram, eye]);
    }
  });

  test('bad arguments give InvalidArgumentError', () => {
    expect(() => createRecurrentLayer({ kind: 'rnn' as 'lstm', inputSize: 3, units: 2 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => createRecurrentLayer({ kind: 'lstm', inputSize: 0, units: 2 })).toThrow(
      InvalidArgumentError,
    );
    const layer = createRecurrentLayer({ kind: 'lstm', inputSize: 3, units: 2, seed: 1 });
    const wrong = tf.zeros([2, 4, 5]) as tf.Tensor3D;
    expect(() => layer.forward(wrong)).toThrow(/shape \[B, T, 3\]/);
    const x = tf.zeros([2, 4, 3]) as tf.Tensor3D;
    expect(() => layer.forward(x, { h: tf.zeros([2, 2]) })).toThrow(InvalidArgumentError);
    tf.dispose([wrong, x]);
    layer.dispose();
  });

  for (const kind of ['lstm', 'gru'] as const) {
    test(`${kind}: an Adam train step leaks no tensors, and the loss goes down`, () => {
      const layer = createRecurrentLayer({ kind, inputSize: 5, units: 6, seed: 2 });
      const x = tf.randomNormal([4, 9, 5], 0, 1, 'float32', 3) as tf.Tensor3D;
      const target = tf.randomUniform([4, 9, 6], -0.5, 0.5, 'float32', 4);
      const optimizer = tf.train.adam(0.02);
      const trainStep = (): number => {
        const loss = optimizer.minimize(
          () => {
            const { outputs } = layer.forward(x);
            return tf.mean(tf.square(tf.sub(outputs, target))) as tf.Scalar;
          },
          true,
          layer.variables,
        )!;
        const value = loss.dataSync()[0]!;
        loss.dispose();
        return value;
      };
      const first = trainStep(); // creates Adam's slot variables
      const before = tf.memory().numTensors;
      let last = first;
      for (let i = 0; i < 20; i++) last = trainStep();
      expect(tf.memory().numTensors).toBe(before);
      expect(last).toBeLessThan(first);
      tf.dispose([x, target]);
      optimizer.dispose();
      layer.dispose();
    });

    test(`${kind}: forward leaks nothing outside a gradient tape; initial state is used`, () => {
      const layer = createRecurrentLayer({ kind, inputSize: 3, units: 2, seed: 5 });
      const x = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 1) as tf.Tensor3D;
      const before = tf.memory().numTensors;
      const { outputs, final } = layer.forward(x);
      expect(outputs.shape).toEqual([2, 4, 2]);
      expect(tf.memory().numTensors).toBe(before + (kind === 'lstm' ? 3 : 2));
      const initial = { h: tf.onesLike(final.h), ...(final.c ? { c: tf.onesLike(final.c) } : {}) };
      const again = layer.forward(x, initial);
      expect(tf.max(tf.abs(tf.sub(again.outputs, outputs))).dataSync()[0]).toBeGreaterThan(1e-3);
      tf.dispose([
        x,
        outputs,
        final.h,
        final.c,
        again.outputs,
        again.final.h,
        again.final.c,
        initial.h,
        initial.c,
      ]);
      layer.dispose();
    });
  }

  test("implementation: 'autodiff' gives the same outputs as the fused default", () => {
    for (const kind of ['lstm', 'gru'] as const) {
      const fused = createRecurrentLayer({ kind, inputSize: 3, units: 4, seed: 9 });
      const plain = createRecurrentLayer({
        kind,
        inputSize: 3,
        units: 4,
        seed: 9,
        implementation: 'autodiff',
      });
      const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 1) as tf.Tensor3D;
      const a = fused.forward(x);
      const b = plain.forward(x);
      expect(tf.max(tf.abs(tf.sub(a.outputs, b.outputs))).dataSync()[0]).toBeLessThan(1e-6);
      tf.dispose([x, a.outputs, a.final.h, a.final.c, b.outputs, b.final.h, b.final.c]);
      fused.dispose();
      plain.dispose();
    }
  });
});
