import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { setupBackend } from '../model/kernels/backend.js';
import type { TransformerConfig } from '../model/config.js';
import { createModel } from '../model/create-model.js';
import { weightMapOf } from '../model/checkpoint/weight-map.js';
import { randomPhrase, scoreNext } from '../test-support/ordered-scoring.js';
import { createTransformerStep } from './transformer-step.js';

// Odd sizes, so every padding path (to multiples of 8) is exercised.
const CONFIG: TransformerConfig = {
  type: 'transformer',
  layers: 2,
  modelUnits: 12,
  heads: 3,
  ffUnits: 10,
  window: 64,
  dropout: 0.1,
  headUnits: 9,
  pitchEncoding: 'one-hot',
};

beforeAll(async () => {
  await setupBackend('cpu');
});

describe('createTransformerStep', () => {
  for (const [window, pitchEncoding] of [
    [64, 'one-hot'],
    [5, 'one-hot'],
    [5, 'octave-class'],
  ] as const) {
    for (const simd of [true, false]) {
      test(`window ${window}, ${pitchEncoding}, ${simd ? 'wasm' : 'js'}: one step at a time with the cache scores a piece as the tfjs model's loss`, () => {
        const config = { ...CONFIG, window, pitchEncoding };
        const model = createModel(config, { seed: 5 });
        const length = 20;
        const pieces = [randomPhrase(length, 1), randomPhrase(length, 2)];
        // history 0: the buffers drop notes past the window, as in long generation.
        const net = createTransformerStep(config, weightMapOf(model), 2, { simd, history: 0 });
        const sums = [0, 0, 0, 0];
        for (let t = 0; t + 1 < length; t++) {
          net.step(pieces.map((p) => p[t]!));
          pieces.forEach((piece, b) => scoreNext(net, b, piece[t + 1]!).forEach((x, i) => (sums[i]! += x)));
        }
        const batch = model.makeBatch(pieces);
        const loss = model.loss(batch);
        const notes = 2 * (length - 1);
        ['delay', 'pitch', 'duration', 'velocity'].forEach((name, i) => {
          expect(sums[i]! / notes, name).toBeCloseTo(loss.parts[name]!.dataSync()[0]!, 4);
        });
        tf.dispose([loss.total, ...Object.values(loss.parts)]);
        batch.dispose();
        model.dispose();
      });
    }
  }

  test('rewind, and saveState/loadState, give the outputs of a fresh network fed the same notes', () => {
    const config = { ...CONFIG, window: 6 };
    const model = createModel(config, { seed: 2 });
    const weights = weightMapOf(model);
    const a = randomPhrase(30, 3);
    const b = randomPhrase(30, 4);
    const fresh = (rows: V1Row[]) => {
      const net = createTransformerStep(config, weights, 1);
      for (const row of rows) net.step([row]);
      return Float32Array.from(net.delayLogits);
    };
    const net = createTransformerStep(config, weights, 1);
    for (const row of a) net.step([row]);
    // Back to note 12 (past the window: the network kept the history), then other notes.
    net.rewind!(0, 12);
    for (const row of b.slice(12, 20)) net.step([row]);
    const expected = fresh([...a.slice(0, 12), ...b.slice(12, 20)]);
    expect([...net.delayLogits]).toEqual([...expected]);
    // A state moved to another network (row 1 of a batch of 2) goes on identically.
    const saved = net.saveState(0);
    expect(saved.length).toBe(net.stateSize);
    const other = createTransformerStep(config, weights, 2, { history: 0 });
    other.loadState(1, saved);
    other.step([b[20]!, b[20]!]);
    net.step([b[20]!]);
    for (let i = 0; i < 401; i++) expect(other.delayLogits[401 + i]).toBeCloseTo(net.delayLogits[i]!, 5);
    // rewind to 0 = reset.
    net.rewind!(0, 0);
    net.step([a[0]!]);
    expect([...net.delayLogits]).toEqual([...fresh([a[0]!])]);
    model.dispose();
  });

  test('without history, rewind past the window is refused, and bad input is named', () => {
    const config = { ...CONFIG, window: 4 };
    const model = createModel(config, { seed: 2 });
    const net = createTransformerStep(config, weightMapOf(model), 1, { history: 0 });
    for (const row of randomPhrase(20, 5)) net.step([row]);
    expect(() => net.rewind!(0, 21)).toThrow(/rewind: 21 is not in 0..20/);
    expect(() => net.rewind!(0, 10)).toThrow(/cannot go back to note 10/);
    net.rewind!(0, 19); // still inside what the next step reads
    expect(() => net.step([[0, 1, 0.5, 60]])).toThrow(/pitch 60/);
    expect(() => createTransformerStep(config, weightMapOf(model), 0)).toThrow(/batch 0/);
    model.dispose();
  });
});
