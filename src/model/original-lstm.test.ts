import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { setupBackend } from './kernels/backend.js';
import { buildV1Batch } from './batching/features.js';
import { createModel } from './create-model.js';
import { TINY_MODEL } from '../test-support/fixtures.js';

const tiny = TINY_MODEL;

function phrase(n: number, shift = 0): V1Row[] {
  return Array.from({ length: n }, (_, i): V1Row => [
    i === 0 ? 0 : 0.25,
    0.3 + (i % 3) * 0.1,
    0.7,
    ((i * 5) % 24) - 12 + shift,
  ]);
}

beforeAll(async () => {
  await setupBackend('cpu');
});

describe('original-lstm', () => {
  test('forward: pitch logits [B, T, 120] and regression in (0, 4); named weights', () => {
    for (const rnn of ['lstm', 'gru'] as const) {
      const model = createModel({ ...tiny, rnn }, { seed: 1 });
      const batch = buildV1Batch([phrase(6), phrase(4)]);
      const { pitchLogits, regression } = model.forward(batch.inputs);
      expect(pitchLogits.shape).toEqual([2, 5, 120]);
      expect(regression.shape).toEqual([2, 5, 3]);
      const r = regression.dataSync();
      expect(r.every((x) => x > 0 && x < 4)).toBe(true);
      const names = model.weights.map((w) => w.name);
      expect(names.slice(-10)).toEqual([
        'dense1/kernel',
        'dense1/bias',
        'dense2/kernel',
        'dense2/bias',
        'dense3/kernel',
        'dense3/bias',
        'pitch/kernel',
        'pitch/bias',
        'regression/kernel',
        'regression/bias',
      ]);
      expect(names.slice(0, -10).every((n) => n.startsWith('rnn/'))).toBe(true);
      expect(model.weights.find((w) => w.name === 'pitch/kernel')?.variable.shape).toEqual([16 + 8, 120]);
      tf.dispose([pitchLogits, regression]);
      batch.dispose();
      model.dispose();
    }
  });

  test('the same seed gives the same weights; two instances live side by side', () => {
    const a = createModel(tiny, { seed: 5 });
    const b = createModel(tiny, { seed: 5 });
    const c = createModel(tiny, { seed: 6 });
    const values = (m: typeof a): number[] => m.variables.flatMap((v) => Array.from(v.dataSync()));
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    [a, b, c].forEach((m) => m.dispose());
  });

  test('the masked loss ignores padding', () => {
    const model = createModel(tiny, { seed: 2 });
    const short = phrase(5);
    const alone = buildV1Batch([short]);
    const padded = buildV1Batch([short], 12);
    const withOther = buildV1Batch([short, phrase(13, 3)]);
    const l1 = model.loss(alone);
    const l2 = model.loss(padded);
    expect(padded.tokens).toBe(4);
    expect(l2.total.dataSync()[0]).toBeCloseTo(l1.total.dataSync()[0] as number, 5);
    expect(l2.parts['pitch']?.dataSync()[0]).toBeCloseTo(l1.parts['pitch']?.dataSync()[0] as number, 5);
    // In a batch, each real step counts once: loss = token-weighted mean of the two crops' losses.
    const other = buildV1Batch([phrase(13, 3)]);
    const l3 = model.loss(withOther);
    const l4 = model.loss(other);
    const expected = ((l1.total.dataSync()[0] as number) * 4 + (l4.total.dataSync()[0] as number) * 12) / 16;
    expect(l3.total.dataSync()[0]).toBeCloseTo(expected, 5);
    tf.dispose([l1, l2, l3, l4].flatMap((l) => [l.total, ...Object.values(l.parts)]));
    [alone, padded, withOther, other].forEach((b) => b.dispose());
    model.dispose();
  });

  test('loss = cross-entropy + 3 × MSE; gradients reach every weight', () => {
    const model = createModel(tiny, { seed: 3 });
    const batch = buildV1Batch([phrase(9)]);
    const { total, parts } = model.loss(batch);
    expect(total.dataSync()[0]).toBeCloseTo(
      (parts['pitch']?.dataSync()[0] as number) + 3 * (parts['regression']?.dataSync()[0] as number),
      5,
    );
    expect(parts['pitch']?.dataSync()[0]).toBeCloseTo(Math.log(120), 0);
    const { grads } = tf.variableGrads(
      () => model.loss(batch, { training: true, seed: 1 }).total,
      [...model.variables],
    );
    for (const v of model.variables) {
      const g = grads[v.name];
      expect(g, v.name).toBeDefined();
      expect(tf.sum(tf.abs(g as tf.Tensor)).dataSync()[0], v.name).toBeGreaterThan(0);
    }
    tf.dispose([total, ...Object.values(parts), ...Object.values(grads)]);
    batch.dispose();
    model.dispose();
  });

  test('AlphaDropout: seeded while training, off otherwise', () => {
    const model = createModel({ ...tiny, dropout: 0.3 }, { seed: 4 });
    const batch = buildV1Batch([phrase(9)]);
    const loss = (options: { training?: boolean; seed?: number }): number => {
      const { total, parts } = model.loss(batch, options);
      const value = total.dataSync()[0] as number;
      tf.dispose([total, ...Object.values(parts)]);
      return value;
    };
    const eval1 = loss({});
    expect(loss({ training: false, seed: 9 })).toBe(eval1);
    expect(loss({ training: true, seed: 9 })).toBe(loss({ training: true, seed: 9 }));
    expect(loss({ training: true, seed: 9 })).not.toBe(loss({ training: true, seed: 10 }));
    expect(loss({ training: true, seed: 9 })).not.toBe(eval1);
    batch.dispose();
    model.dispose();
  });
});
