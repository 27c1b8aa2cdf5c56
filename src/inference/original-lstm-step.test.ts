import { beforeAll, describe, expect, test } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { setupBackend } from '../model/kernels/backend.js';
import type { OriginalLstmConfig } from '../model/config.js';
import { buildV1Batch } from '../model/batching/features.js';
import { createModel } from '../model/create-model.js';
import { weightMapOf } from '../model/checkpoint/weight-map.js';
import { createRng } from '../random/rng.js';
import { hasSimdKernel } from './matmul.js';
import { createOriginalLstmStep } from './original-lstm-step.js';

// Odd sizes, so every padding path (to multiples of 8) is exercised.
const CONFIG: OriginalLstmConfig = {
  type: 'original-lstm',
  rnn: 'lstm',
  units: 13,
  denseUnits: 11,
  blocks: 2,
  dropout: 0.01,
};

function randomPhrase(n: number, seed: number): V1Row[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i): V1Row => [
    i === 0 ? 0 : rng.next() * 0.6,
    0.05 + rng.next(),
    rng.next(),
    rng.int(-40, 40),
  ]);
}

beforeAll(async () => {
  await setupBackend('cpu');
});

describe('createOriginalLstmStep', () => {
  test('SIMD WebAssembly is available in this Node', () => {
    expect(hasSimdKernel()).toBe(true);
  });

  for (const rnn of ['lstm', 'gru'] as const) {
    for (const simd of [true, false]) {
      test(`${rnn}, ${simd ? 'wasm' : 'js'} kernel: one step at a time = the tfjs model over the whole sequence`, () => {
        const config = { ...CONFIG, rnn };
        const model = createModel(config, { seed: 3 });
        const phrases = [randomPhrase(9, 1), randomPhrase(9, 2), randomPhrase(9, 3)];
        const batch = buildV1Batch(phrases.map((p) => [...p, [0.1, 0.1, 0.5, 0] as V1Row]));
        const { pitchLogits, regression } = model.forward(batch.inputs);
        const logits = pitchLogits.dataSync();
        const reg = regression.dataSync();
        const net = createOriginalLstmStep(config, weightMapOf(model), 3, { simd });
        let worst = 0;
        for (let t = 0; t < 9; t++) {
          net.step(phrases.map((p) => p[t]!));
          for (let b = 0; b < 3; b++) {
            for (let k = 0; k < 120; k++) {
              worst = Math.max(
                worst,
                Math.abs(net.pitchLogits[b * 120 + k]! - logits[(b * 9 + t) * 120 + k]!),
              );
            }
            for (let k = 0; k < 3; k++) {
              worst = Math.max(worst, Math.abs(net.regression[b * 3 + k]! - reg[(b * 9 + t) * 3 + k]!));
            }
          }
        }
        expect(worst).toBeLessThan(2e-5);
        batch.dispose();
        model.dispose();
      });
    }
  }

  test('saveState / loadState roll a row back; reset zeroes every row', () => {
    const model = createModel(CONFIG, { seed: 4 });
    const net = createOriginalLstmStep(CONFIG, weightMapOf(model), 2);
    const phrase = randomPhrase(6, 9);
    net.step([phrase[0]!, phrase[0]!]);
    const saved = net.saveState(1);
    net.step([phrase[1]!, phrase[1]!]);
    const after = Array.from(net.pitchLogits.subarray(120, 240));
    net.step([phrase[2]!, phrase[3]!]);
    net.loadState(1, saved);
    net.step([phrase[1]!, phrase[1]!]);
    expect(Array.from(net.pitchLogits.subarray(120, 240))).toEqual(after);
    expect(Array.from(net.pitchLogits.subarray(0, 120))).not.toEqual(after);
    net.reset();
    expect(net.saveState(0).every((x) => x === 0)).toBe(true);
    model.dispose();
  });

  test('missing or misshapen weights, a bad pitch or batch: clear errors', () => {
    const model = createModel(CONFIG, { seed: 5 });
    const weights = new Map(weightMapOf(model));
    weights.delete('dense2/bias');
    expect(() => createOriginalLstmStep(CONFIG, weights)).toThrow("'dense2/bias' is missing");
    expect(() => createOriginalLstmStep({ ...CONFIG, units: 14 }, weightMapOf(model))).toThrow(
      "'rnn/kernel' has shape [123, 52], expected [123, 56]",
    );
    const net = createOriginalLstmStep(CONFIG, weightMapOf(model));
    expect(() => net.step([[0, 0.5, 0.5, 60]])).toThrow('pitch 60 is not an integer in -60..59');
    expect(() => net.step([])).toThrow('0 notes for a batch of 1');
    expect(() => createOriginalLstmStep(CONFIG, weightMapOf(model), 0)).toThrow('batch 0');
    model.dispose();
  });
});
