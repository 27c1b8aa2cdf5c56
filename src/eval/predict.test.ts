import { describe, expect, test } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { pitchLogProb } from '../generate/sampling.js';
import { createStepNetwork } from '../inference/create-step-network.js';
import type { RegressionStepNetwork } from '../inference/step-network.js';
import { createRng } from '../random/rng.js';
import { randomStepWeights } from '../test-support/random-step-weights.js';
import { TINY_MODEL } from '../test-support/fixtures.js';
import { setupBackend } from '../model/kernels/backend.js';
import { presetConfig, type OrderedRnnConfig, type TransformerConfig } from '../model/config.js';
import { createModel } from '../model/create-model.js';
import { weightMapOf } from '../model/checkpoint/weight-map.js';
import { gridNll, targetsOf } from './likelihood.js';
import { predictPieces } from './predict.js';

const weights = randomStepWeights(TINY_MODEL, 4);
const networkOf = (batch: number): RegressionStepNetwork => createStepNetwork(TINY_MODEL, weights, batch);

function randomPiece(n: number, seed: number): V1Row[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i): V1Row => [
    i ? rng.next() : 0,
    rng.next(),
    rng.next(),
    rng.int(-30, 30),
  ]);
}

/** Each piece read alone by a batch-1 network from a zero state. */
function alone(pieces: readonly V1Row[][]): { pitch: number[]; regression: number[] } {
  const pitch: number[] = [];
  const regression: number[] = [];
  for (const rows of pieces) {
    const net = networkOf(1);
    for (let t = 0; t + 1 < rows.length; t++) {
      net.step([rows[t]!]);
      pitch.push(pitchLogProb(net.pitchLogits, 0, rows[t + 1]![3] + 60));
      regression.push(...net.regression);
    }
  }
  return { pitch, regression };
}

describe('predictPieces', () => {
  const pieces = [
    randomPiece(30, 1),
    randomPiece(5, 2),
    randomPiece(1, 3),
    randomPiece(17, 4),
    randomPiece(2, 5),
  ];
  const expected = alone(pieces);

  for (const batch of [1, 2, 3, 8]) {
    test(`batch ${batch}: the same predictions as reading each piece alone, in piece order`, () => {
      const seen: number[] = [];
      const p = predictPieces(networkOf, pieces, { batch, onProgress: (done) => seen.push(done) });
      expect(p.count).toBe(29 + 4 + 0 + 16 + 1);
      expect([...p.offsets]).toEqual([0, 29, 33, 33, 49, 50]);
      for (let i = 0; i < p.count; i++) expect(p.pitchLogProb[i]).toBeCloseTo(expected.pitch[i]!, 5);
      for (let i = 0; i < p.count * 3; i++) expect(p.regression[i]).toBeCloseTo(expected.regression[i]!, 5);
      expect(seen[seen.length - 1]).toBe(p.count);
    });
  }

  test('an ordered network: binned log-probabilities of each real bin, the same in a batch as alone', async () => {
    await setupBackend('cpu');
    const config: OrderedRnnConfig = {
      ...presetConfig('ordered-lstm'),
      units: 10,
      denseUnits: 8,
      blocks: 1,
      headUnits: 6,
    } as OrderedRnnConfig;
    const model = createModel(config, { seed: 4 });
    const ordered = weightMapOf(model);
    model.dispose();
    const make = (b: number) => createStepNetwork(config, ordered, b);
    const batched = predictPieces(make, pieces, { batch: 3 });
    const single = predictPieces(make, pieces, { batch: 1 });
    expect(batched.binned).not.toBeNull();
    for (const part of ['delay', 'duration', 'velocity'] as const) {
      for (let i = 0; i < batched.count; i++) {
        expect(batched.binned![part][i]).toBeLessThan(0);
        expect(batched.binned![part][i]).toBeCloseTo(single.binned![part][i]!, 5);
      }
    }
    // Scored directly: no widths needed; the total is the sum of the mean negative log-probabilities.
    const nll = gridNll(batched, targetsOf(pieces), null);
    const mean = (a: Float64Array) => -a.reduce((x, y) => x + y, 0) / batched.count;
    expect(nll.delay).toBeCloseTo(mean(batched.binned!.delay), 10);
    expect(nll.total).toBeCloseTo(nll.pitch + nll.delay + nll.duration + nll.velocity, 10);
    expect(() => gridNll(predictPieces(networkOf, pieces), targetsOf(pieces), null)).toThrow(/widths/);
  });

  test('a transformer: the same in a batch (its caches moved as the batch shrinks) as alone', async () => {
    await setupBackend('cpu');
    const config: TransformerConfig = {
      ...(presetConfig('ordered-transformer') as TransformerConfig),
      layers: 2,
      modelUnits: 8,
      heads: 2,
      ffUnits: 12,
      window: 5,
      headUnits: 6,
    };
    const model = createModel(config, { seed: 4 });
    const weights = weightMapOf(model);
    model.dispose();
    const make = (b: number) => createStepNetwork(config, weights, b);
    const batched = predictPieces(make, pieces, { batch: 4 });
    const single = predictPieces(make, pieces, { batch: 1 });
    for (let i = 0; i < batched.count; i++) {
      expect(batched.pitchLogProb[i]).toBeCloseTo(single.pitchLogProb[i]!, 5);
      expect(batched.binned!.duration[i]).toBeCloseTo(single.binned!.duration[i]!, 5);
    }
  });

  test('the batch shrinks as the pieces run out (fewer idle rows)', () => {
    const batches: number[] = [];
    predictPieces(
      (b) => {
        batches.push(b);
        return networkOf(b);
      },
      pieces,
      { batch: 4 },
    );
    expect(batches[0]).toBe(4);
    expect(batches[batches.length - 1]).toBe(1);
  });

  test('no piece of 2 notes: nothing predicted, no network made', () => {
    const p = predictPieces(() => {
      throw new Error('not needed');
    }, [randomPiece(1, 1)]);
    expect(p.count).toBe(0);
  });
});
