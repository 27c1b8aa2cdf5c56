import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { setupBackend } from './kernels/backend.js';
import { presetConfig, validateModelConfig, type TransformerConfig } from './config.js';
import { createModel } from './create-model.js';
import { gradientSizes, overfit } from '../test-support/overfit.js';
import { alibiSlopes } from './alibi.js';

const tiny: TransformerConfig = {
  type: 'transformer',
  layers: 2,
  modelUnits: 16,
  heads: 2,
  ffUnits: 32,
  window: 64,
  dropout: 0,
  headUnits: 16,
  pitchEncoding: 'one-hot',
};

/** A short piece with chords (delay 0), varied durations and velocities. */
function piece(n: number, shift = 0): V1Row[] {
  return Array.from({ length: n }, (_, i): V1Row => [
    i === 0 ? 0 : i % 3 === 1 ? 0 : 0.25,
    0.2 + (i % 4) * 0.1,
    (60 + (i % 5) * 12) / 127,
    ((i * 7 + shift) % 19) - 9,
  ]);
}

const value = (t: tf.Scalar | undefined): number => t!.dataSync()[0]!;

/** The loss parts of each example alone, in order. */
function lossOf(model: ReturnType<typeof createModel>, crops: V1Row[][]): number[] {
  const batch = model.makeBatch(crops);
  const result = model.loss(batch);
  const values = [value(result.total), ...Object.values(result.parts).map(value)];
  tf.dispose([result.total, ...Object.values(result.parts)]);
  batch.dispose();
  return values;
}

beforeAll(async () => {
  await setupBackend('cpu');
});

describe('transformer', () => {
  test('creating and disposing the model leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    createModel(tiny, { seed: 1 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('ALiBi slopes are the geometric series 2^(-8h/H)', () => {
    expect([...alibiSlopes(4)]).toEqual([0.25, 0.0625, 0.015625, 0.00390625]);
    expect(alibiSlopes(8)[7]).toBe(2 ** -8);
  });

  test('the preset validates; modelUnits must divide by heads', () => {
    expect(validateModelConfig(presetConfig('ordered-transformer'))).toEqual(
      presetConfig('ordered-transformer'),
    );
    expect(() => validateModelConfig({ ...tiny, heads: 3 })).toThrow(
      /modelUnits 16 is not a multiple of heads 3/,
    );
    expect(() => validateModelConfig({ ...tiny, window: 0 })).toThrow(/window 0/);
  });

  test("an untrained model's loss is about the sum of log(bins); it overfits one piece", () => {
    const model = createModel(tiny, { seed: 3 });
    const batch = model.makeBatch([piece(40)]);
    const { first, parts, last } = overfit(model, batch, 80, 0.01);
    const uniform = 2 * Math.log(401) + Math.log(120) + Math.log(32);
    expect(Math.abs(first - uniform)).toBeLessThan(1.5);
    expect(Object.keys(parts)).toEqual(['delay', 'pitch', 'duration', 'velocity']);
    // From ~20 nats per note to under 1.5 in 80 steps (measured: 0.68).
    expect(last).toBeLessThan(1.5);
    batch.dispose();
    model.dispose();
  });

  test('attention is causal: a note never sees the notes after it', () => {
    const model = createModel(tiny, { seed: 5 });
    const a = piece(30);
    const b = [...a.slice(0, 20), ...piece(10, 5)];
    // Same first 20 notes: the loss over the first 19 predictions is the same whatever follows.
    expect(lossOf(model, [a.slice(0, 20)])).toEqual(lossOf(model, [b.slice(0, 20)]));
    // Padding does not change an example's loss: alone, or beside a longer one.
    const alone = lossOf(model, [piece(12)]);
    const batch = model.makeBatch([piece(12), piece(30, 3)]);
    const mask = batch.mask.arraySync();
    expect(mask[0]!.filter((m) => m === 1)).toHaveLength(11);
    batch.dispose();
    const shortModelLoss = lossOf(model, [piece(12)]);
    expect(shortModelLoss).toEqual(alone);
    model.dispose();
  });

  test('the window limits how far back a note looks', () => {
    const narrow = createModel({ ...tiny, window: 4 }, { seed: 5 });
    // Two pieces that differ only in their first 10 notes: with a 4-note window and 2 layers,
    // predictions from note 10 + 2 × 3 on cannot tell them apart.
    const a = piece(30);
    const b = [...piece(10, 7), ...a.slice(10)];
    const tail = (rows: V1Row[]) => {
      const batch = narrow.makeBatch([rows]);
      const parts = tf.tidy(() => {
        const loss = narrow.loss(batch);
        return loss.total.dataSync()[0]!;
      });
      batch.dispose();
      return parts;
    };
    expect(tail(a)).not.toBeCloseTo(tail(b), 6);
    expect(tail(a.slice(16))).toBeCloseTo(tail(b.slice(16)), 6);
    narrow.dispose();
  });

  test('gradients reach every weight', () => {
    const model = createModel({ ...tiny, dropout: 0.1 }, { seed: 2 });
    const batch = model.makeBatch([piece(12), piece(7)]);
    const names = model.weights.map((w) => w.name);
    expect(names.slice(0, 4)).toEqual([
      'embed/kernel',
      'embed/bias',
      'layer1/norm1/gamma',
      'layer1/norm1/beta',
    ]);
    expect(names).toContain('norm/gamma');
    expect(names).toContain('rest_pitch/kernel');
    const sizes = gradientSizes(model, batch, { training: true, seed: 9 });
    for (const name of names) expect(sizes.get(name), name).toBeGreaterThan(0);
    batch.dispose();
    model.dispose();
  });
});
