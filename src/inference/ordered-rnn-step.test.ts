import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { timeBin } from '../encoding/grid.js';
import { setupBackend } from '../model/kernels/backend.js';
import type { OrderedRnnConfig } from '../model/config.js';
import { createModel } from '../model/create-model.js';
import { weightMapOf } from '../model/checkpoint/weight-map.js';
import { randomPhrase, scoreNext } from '../test-support/ordered-scoring.js';
import { createOrderedRnnStep } from './ordered-rnn-step.js';

// Odd sizes, so every padding path (to multiples of 8) is exercised.
const CONFIG: OrderedRnnConfig = {
  type: 'ordered-rnn',
  rnn: 'lstm',
  units: 13,
  denseUnits: 11,
  blocks: 2,
  dropout: 0.01,
  headUnits: 9,
  pitchEncoding: 'one-hot',
};

beforeAll(async () => {
  await setupBackend('cpu');
});

describe('createOrderedRnnStep', () => {
  for (const rnn of ['lstm', 'gru'] as const) {
    for (const pitchEncoding of ['one-hot', 'octave-class'] as const) {
      for (const simd of [true, false]) {
        test(`${rnn}, ${pitchEncoding}, ${simd ? 'wasm' : 'js'}: one step at a time scores a piece as the tfjs model's loss`, () => {
          const config = { ...CONFIG, rnn, pitchEncoding };
          const model = createModel(config, { seed: 5 });
          const pieces = [randomPhrase(12, 1), randomPhrase(12, 2)];
          const net = createOrderedRnnStep(config, weightMapOf(model), 2, { simd });
          const sums = [0, 0, 0, 0];
          let pitchMass = 0;
          for (let t = 0; t + 1 < 12; t++) {
            net.step(pieces.map((p) => p[t]!));
            pieces.forEach((piece, b) => {
              const next = piece[t + 1]!;
              scoreNext(net, b, next).forEach((x, i) => (sums[i]! += x));
              const delayBin = timeBin(Math.min(4, Math.max(0, next[0])));
              pitchMass += net.pitchLogitsGiven(b, delayBin).reduce((s, x) => s + Math.exp(x), 0);
            });
          }
          if (pitchEncoding === 'octave-class') expect(pitchMass / 22).toBeCloseTo(1, 5);
          const batch = model.makeBatch(pieces);
          const loss = model.loss(batch);
          ['delay', 'pitch', 'duration', 'velocity'].forEach((name, i) => {
            expect(sums[i]! / 22, name).toBeCloseTo(loss.parts[name]!.dataSync()[0]!, 4);
          });
          tf.dispose([loss.total, ...Object.values(loss.parts)]);
          batch.dispose();
          model.dispose();
        });
      }
    }
  }

  test('saveState/loadState roll a row back; a bad bin or pitch is refused', () => {
    const model = createModel(CONFIG, { seed: 2 });
    const net = createOrderedRnnStep(CONFIG, weightMapOf(model), 1);
    const piece = randomPhrase(5, 9);
    net.step([piece[0]!]);
    const saved = net.saveState(0);
    const first = Float32Array.from(net.delayLogits);
    net.step([piece[1]!]);
    net.loadState(0, saved);
    net.step([piece[1]!]);
    const again = Float32Array.from(net.delayLogits);
    net.loadState(0, saved);
    net.step([piece[1]!]);
    expect([...net.delayLogits]).toEqual([...again]);
    expect([...first]).not.toEqual([...again]);
    expect(() => net.pitchLogitsGiven(0, 401)).toThrow(/delay bin 401/);
    expect(() => net.restLogitsGiven(0, 3, 120)).toThrow(/pitch 120/);
    model.dispose();
  });
});
