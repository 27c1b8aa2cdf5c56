import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { orderedInputFeatures } from '../encoding/ordered-input.js';
import type { V1Row } from '../encoding/v1.js';
import { setupBackend } from './kernels/backend.js';
import type { OrderedRnnConfig } from './config.js';
import { createModel } from './create-model.js';
import { gradientSizes, overfit } from '../test-support/overfit.js';
import { encodeOrderedBatch } from './batching/ordered-features.js';

const tiny: OrderedRnnConfig = {
  type: 'ordered-rnn',
  rnn: 'lstm',
  units: 16,
  denseUnits: 16,
  blocks: 2,
  dropout: 0,
  headUnits: 16,
  pitchEncoding: 'one-hot',
};

/** A short piece with chords (delay 0), varied durations and velocities. */
function piece(n: number): V1Row[] {
  return Array.from({ length: n }, (_, i): V1Row => [
    i === 0 ? 0 : i % 3 === 1 ? 0 : 0.25,
    0.2 + (i % 4) * 0.1,
    (60 + (i % 5) * 12) / 127,
    ((i * 7) % 19) - 9,
  ]);
}

beforeAll(async () => {
  await setupBackend('cpu');
});

describe('ordered batch', () => {
  test('targets are the next note on the shared grid; the input reads log times and the pitch', () => {
    const rows: V1Row[] = [
      [0, 0.5, 64 / 127, 0],
      [0.255, 5, 100 / 127, 12],
      [-0.003, 0.02, 1, -60],
    ];
    const oneHot = encodeOrderedBatch([rows]);
    expect([...oneHot.delay]).toEqual([25, 0]);
    expect([...oneHot.duration]).toEqual([400, 2]);
    expect([...oneHot.velocity]).toEqual([25, 31]);
    expect([...oneHot.pitch]).toEqual([72, 0]);
    expect([...oneHot.octave]).toEqual([6, 0]);
    expect([...oneHot.pitchClass]).toEqual([0, 0]);
    const width = orderedInputFeatures('one-hot');
    expect(width).toBe(125);
    expect(oneHot.inputs[width + 3]).toBeCloseTo(Math.log(0.265) / 4, 6);
    expect(oneHot.inputs[width + 5 + 72]).toBe(1);
    const octave = encodeOrderedBatch([rows], 'octave-class');
    const w = orderedInputFeatures('octave-class');
    expect(w).toBe(27);
    // Second step reads pitch 72: octave 6, class 0.
    const ones = [...octave.inputs.subarray(w + 5, 2 * w)].flatMap((x, i) => (x === 1 ? [i] : []));
    expect(ones).toEqual([6, 10]);
  });
});

describe('ordered-rnn', () => {
  test('creating and disposing the model leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    createModel(tiny, { seed: 1 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  for (const pitchEncoding of ['one-hot', 'octave-class'] as const) {
    test(`${pitchEncoding}: an untrained model's loss is about the sum of log(bins); it overfits one piece`, () => {
      const model = createModel({ ...tiny, pitchEncoding }, { seed: 3 });
      const batch = model.makeBatch([piece(40)]);
      const { first, parts, last } = overfit(model, batch, 60, 0.03);
      // Uniform over 401 delays, 120 pitches, 401 durations, 32 velocities: 20.3 nats.
      const uniform = 2 * Math.log(401) + Math.log(120) + Math.log(32);
      expect(Math.abs(first - uniform)).toBeLessThan(1.5);
      expect(first).toBeCloseTo(
        Object.values(parts).reduce((a, b) => a + b),
        4,
      );
      expect(Object.keys(parts)).toEqual(['delay', 'pitch', 'duration', 'velocity']);
      // From ~20 nats per note to under 2 (measured: 1.3-1.4) in 60 steps.
      expect(last).toBeLessThan(2);
      batch.dispose();
      model.dispose();
    });
  }

  test('gradients reach every weight, including the octave-class heads', () => {
    const model = createModel({ ...tiny, pitchEncoding: 'octave-class', rnn: 'gru' }, { seed: 2 });
    const batch = model.makeBatch([piece(12), piece(7)]);
    const names = model.weights.map((w) => w.name);
    expect(names).toContain('class_octave/kernel');
    const sizes = gradientSizes(model, batch);
    for (const name of names) expect(sizes.get(name), name).toBeGreaterThan(0);
    batch.dispose();
    model.dispose();
  });
});
