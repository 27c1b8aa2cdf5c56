import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { weightMapOf } from '../model/checkpoint/weight-map.js';
import { weightLayout } from '../model/checkpoint/weight-layout.js';
import type { OrderedRnnConfig } from '../model/config.js';
import { createModel } from '../model/create-model.js';
import { initWeightsFrom } from '../model/init-weights.js';
import { setupBackend } from '../model/kernels/backend.js';
import { trainingSequenceOf } from '../model/batching/infill-windows.js';
import { randomPhrase, scoreNext } from '../test-support/ordered-scoring.js';
import { exportOnnxModel } from '../export/onnx-export.js';
import { createOrderedRnnStep } from './ordered-rnn-step.js';

const CONFIG: OrderedRnnConfig = {
  type: 'ordered-rnn',
  rnn: 'lstm',
  units: 13,
  denseUnits: 11,
  blocks: 2,
  dropout: 0.01,
  headUnits: 9,
  pitchEncoding: 'one-hot',
  infill: true,
};

beforeAll(async () => {
  await setupBackend('cpu');
});

/** A 40-note phrase that training reads around a gap, and one it reads left to right. */
function phrases(): [V1Row[], V1Row[]] {
  let rearranged: V1Row[] | undefined;
  let plain: V1Row[] | undefined;
  for (let seed = 1; !(rearranged && plain); seed++) {
    const phrase = randomPhrase(40, seed);
    if (trainingSequenceOf(phrase).inputs === null) plain ??= phrase;
    else rearranged ??= phrase;
  }
  return [rearranged, plain];
}

describe('the infill step network', () => {
  for (const rnn of ['lstm', 'gru'] as const) {
    for (const simd of [true, false]) {
      test(`${rnn}, ${simd ? 'wasm' : 'js'}: with setInfill per note it scores training's sequences as the tfjs loss`, () => {
        const config = { ...CONFIG, rnn };
        const model = createModel(config, { seed: 7 });
        const crops = phrases();
        const sequences = crops.map((crop) => trainingSequenceOf(crop));
        const net = createOrderedRnnStep(config, weightMapOf(model), 2, { simd });
        const sums = [0, 0, 0, 0];
        let count = 0;
        const steps = Math.max(...sequences.map((s) => s.rows.length - 1));
        for (let t = 0; t < steps; t++) {
          sequences.forEach((s, b) => net.setInfill!(b, s.inputs?.[t] ?? null));
          net.step(sequences.map((s) => s.rows[Math.min(t, s.rows.length - 1)]!));
          sequences.forEach((s, b) => {
            if (t + 1 >= s.rows.length || (s.scored !== null && !s.scored[t])) return;
            scoreNext(net, b, s.rows[t + 1]!).forEach((x, i) => (sums[i]! += x));
            count++;
          });
        }
        const batch = model.makeBatch(crops);
        expect(batch.tokens).toBe(count);
        expect(model.scoredSteps!(crops)).toBe(count);
        const loss = model.loss(batch);
        ['delay', 'pitch', 'duration', 'velocity'].forEach((name, i) => {
          expect(sums[i]! / count, name).toBeCloseTo(loss.parts[name]!.dataSync()[0]!, 4);
        });
        tf.dispose([loss.total, ...Object.values(loss.parts)]);
        batch.dispose();
        model.dispose();
      });
    }
  }

  test('started from an ordinary network, it computes what that network computes until the new rows train', () => {
    const plainConfig: OrderedRnnConfig = { ...CONFIG };
    delete (plainConfig as { infill?: true }).infill;
    const plain = createModel(plainConfig, { seed: 3 });
    const infill = createModel(CONFIG, { seed: 4 });
    expect(initWeightsFrom(infill, weightMapOf(plain))).toBe(1);
    const kernel = weightLayout(CONFIG).find((w) => w.name === 'rnn/kernel')!;
    expect(kernel.shape).toEqual([125 + 27, 4 * 13]);
    const a = createOrderedRnnStep(plainConfig, weightMapOf(plain), 1);
    const b = createOrderedRnnStep(CONFIG, weightMapOf(infill), 1);
    b.setInfill!(0, {
      segment: 'middle',
      untilStart: 0,
      untilEnd: 3,
      summary: new Float32Array(20).fill(0.5),
    });
    for (const row of randomPhrase(10, 5)) {
      a.step([row]);
      b.step([row]);
      expect(Array.from(b.delayLogits)).toEqual(Array.from(a.delayLogits));
    }
    expect(a.setInfill).toBeUndefined();
    expect(() => b.setInfill!(1, null)).toThrow(/row 1/);
    expect(() => exportOnnxModel(CONFIG, weightMapOf(infill))).toThrow(
      /gap-filling \(infill\) model as ONNX/,
    );
    plain.dispose();
    infill.dispose();
  });
});
