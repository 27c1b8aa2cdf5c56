import { describe, expect, test } from 'vitest';
import { createRng } from '../random/rng.js';
import { fitSigma, gaussianBinLogProb, gaussianGrid, gaussianNll } from './gaussian.js';
import { TIME_BINS, VELOCITY_BINS, timeBin, timeBinEdges, volumeBinEdges } from '../encoding/grid.js';

/** A standard normal draw (Box–Muller). */
function normal(rng: { next(): number }): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

describe('a Gaussian scored on the grid', () => {
  test('its bin probabilities sum to 1, however narrow, wide or far from the grid it is', () => {
    for (const [mean, sigma] of [
      [0.5, 0.2],
      [0.005, 0.001],
      [2, 5],
      [3.98, 0.03],
      [-3, 0.5],
      [12, 1],
      [1.234, 0.0001],
    ] as const) {
      const sum = gaussianGrid(timeBinEdges, TIME_BINS, mean, sigma).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - 1), `N(${mean}, ${sigma}²)`).toBeLessThan(1e-5);
    }
    for (const [mean, sigma] of [
      [0.5, 0.1],
      [1.2, 0.02],
      [0, 3],
    ] as const) {
      const sum = gaussianGrid(volumeBinEdges, VELOCITY_BINS, mean, sigma).reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
    }
  });

  test('a bin far from the prediction gets a finite log-probability, not log 0', () => {
    const logP = gaussianBinLogProb(timeBinEdges, 399, 0.01, 0.05);
    expect(Number.isFinite(logP)).toBe(true);
    expect(logP).toBeLessThan(-3000);
  });

  test('a wide Gaussian over narrow bins: NLL ≈ the continuous density term + log(1 / bin width)', () => {
    // N(1, 0.5²) scored at its mean's bin: p ≈ φ(0)/σ × 10 ms.
    const nll = gaussianNll(timeBinEdges, [timeBin(1.005)], [1.005], 0.5);
    expect(nll).toBeCloseTo(-Math.log((0.01 / 0.5) * (1 / Math.sqrt(2 * Math.PI))), 4);
  });

  test('fitSigma recovers the width of normal residuals', () => {
    const rng = createRng(3);
    const n = 20_000;
    const means = new Float64Array(n);
    const bins = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      means[i] = 0.5 + 2 * rng.next();
      bins[i] = timeBin(means[i]! + 0.3 * normal(rng));
    }
    const fit = fitSigma(timeBinEdges, bins, means);
    expect(fit.sigma).toBeGreaterThan(0.29);
    expect(fit.sigma).toBeLessThan(0.31);
    expect(fit.count).toBe(n);
    // The fitted σ is the best one: a little narrower or wider scores worse.
    expect(gaussianNll(timeBinEdges, bins, means, fit.sigma * 0.9)).toBeGreaterThan(fit.nll);
    expect(gaussianNll(timeBinEdges, bins, means, fit.sigma * 1.1)).toBeGreaterThan(fit.nll);
  });

  test('fitSigma reads strided predictions', () => {
    const means = [0.5, 9, 9, 1.0, 9, 9];
    const bins = [timeBin(0.5), timeBin(1.0)];
    expect(fitSigma(timeBinEdges, bins, means, { stride: 3 }).sigma).toBeLessThan(0.01);
    expect(() => fitSigma(timeBinEdges, [], [])).toThrow(/no values/);
  });
});
