import { describe, expect, test } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { BIGRAM_PRIOR_WEIGHT, fitBaselines, scoreBaselines } from './baselines.js';
import { TIME_BINS, VELOCITY_BINS, toGrid } from '../encoding/grid.js';

/** A piece that walks up through all 120 pitches `rounds` times, 0.25 s apart, velocity 64. */
function chromatic(rounds: number): V1Row[] {
  return Array.from({ length: 120 * rounds + 1 }, (_, i): V1Row => [0.25, 0.5, 64 / 127, (i % 120) - 60]);
}

describe('baselines', () => {
  test('a uniform unigram scores log(120) nats per note', () => {
    const train = [toGrid(chromatic(3))]; // notes 2..n: every pitch 3 times
    const baselines = fitBaselines(train);
    const scored = scoreBaselines(baselines, [toGrid(chromatic(1))]);
    expect(scored.unigramPitch).toBeCloseTo(Math.log(120), 12);
    expect(scored.notes).toBe(120);
  });

  test('bigram: counts smoothed towards the unigram, with the stated weight', () => {
    const baselines = fitBaselines([toGrid(chromatic(3))]);
    // Each pitch is followed by the next one 3 times: p = (3 + β/120) / (3 + β).
    const p = (3 + BIGRAM_PRIOR_WEIGHT / 120) / (3 + BIGRAM_PRIOR_WEIGHT);
    const scored = scoreBaselines(baselines, [toGrid(chromatic(1))]);
    expect(scored.bigramPitch).toBeCloseTo(-Math.log(p), 12);
    // An unseen transition gets the unigram's share of the prior: β/120 / (3 + β).
    const unseen = baselines.bigramPitch[5 * 120 + 9]!;
    expect(unseen).toBeCloseTo(Math.log(BIGRAM_PRIOR_WEIGHT / 120 / (3 + BIGRAM_PRIOR_WEIGHT)), 12);
    // Every row is a distribution.
    for (let a = 0; a < 120; a++) {
      let sum = 0;
      for (let b = 0; b < 120; b++) sum += Math.exp(baselines.bigramPitch[a * 120 + b]!);
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  test('marginal histograms, add-one smoothed over the grid', () => {
    const baselines = fitBaselines([toGrid(chromatic(3))]);
    const n = 360;
    const scored = scoreBaselines(baselines, [toGrid(chromatic(1))]);
    expect(scored.delay).toBeCloseTo(-Math.log((n + 1) / (n + TIME_BINS)), 12);
    expect(scored.duration).toBeCloseTo(-Math.log((n + 1) / (n + TIME_BINS)), 12);
    expect(scored.velocity).toBeCloseTo(-Math.log((n + 1) / (n + VELOCITY_BINS)), 12);
    // A delay never seen in training: one pseudo-count.
    const odd = scoreBaselines(baselines, [
      toGrid([
        [0, 0.5, 0.5, 0],
        [3, 0.5, 0.5, 0],
      ]),
    ]);
    expect(odd.delay).toBeCloseTo(-Math.log(1 / (n + TIME_BINS)), 12);
  });

  test('a piece of one note has nothing to score; no training pairs is an error', () => {
    const baselines = fitBaselines([toGrid(chromatic(1))]);
    expect(scoreBaselines(baselines, [toGrid([[0, 1, 1, 0]])]).notes).toBe(0);
    expect(() => fitBaselines([toGrid([[0, 1, 1, 0]])])).toThrow(/nothing to fit/);
  });
});
