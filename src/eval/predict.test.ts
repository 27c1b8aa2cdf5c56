import { describe, expect, test } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { pitchLogProb } from '../generate/sampling.js';
import { createStepNetwork } from '../inference/create-step-network.js';
import type { StepNetwork } from '../inference/step-network.js';
import { createRng } from '../random/rng.js';
import { randomStepWeights } from '../test-support/random-step-weights.js';
import { TINY_MODEL } from '../train/fixtures.js';
import { predictPieces } from './predict.js';

const weights = randomStepWeights(TINY_MODEL, 4);
const networkOf = (batch: number): StepNetwork => createStepNetwork(TINY_MODEL, weights, batch);

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
