import { describe, expect, test } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { gaussianBinLogProb } from './gaussian.js';
import { timeBinEdges, volumeBinEdges } from '../encoding/grid.js';
import { fitGaussianWidths, gridNll, targetsOf } from './likelihood.js';
import type { Predictions } from './predict.js';

const piece: V1Row[] = [
  [0, 0.5, 0.5, 0],
  [0.25, 0.5, 0.5, 2],
  [0.25, 0.25, 64 / 127, 4],
  [6, 0.5, 100 / 127, 5],
];

/** Uniform pitch predictions and fixed (delay, duration, volume). */
function predictionsOf(count: number, regression: readonly [number, number, number]): Predictions {
  return {
    count,
    pitchLogProb: new Float64Array(count).fill(-Math.log(120)),
    regression: Float32Array.from({ length: count * 3 }, (_, i) => regression[i % 3]!),
    binned: null,
    offsets: Int32Array.from([0, count]),
  };
}

describe('likelihood on the grid', () => {
  test('targets are notes 2..n, binned', () => {
    const t = targetsOf([piece]);
    expect(t.count).toBe(3);
    expect([...t.pitch]).toEqual([62, 64, 65]);
    expect([...t.delay]).toEqual([25, 25, 400]);
    expect([...t.duration]).toEqual([50, 25, 50]);
    expect([...t.velocity]).toEqual([16, 16, 25]);
  });

  test('a uniform pitch model scores log(120); the total is the sum of the parts', () => {
    const targets = targetsOf([piece]);
    const predictions = predictionsOf(3, [0.3, 0.4, 0.5]);
    const widths = fitGaussianWidths(predictions, targets);
    const nll = gridNll(predictions, targets, widths);
    expect(nll.pitch).toBeCloseTo(Math.log(120), 12);
    expect(nll.total).toBeCloseTo(nll.pitch + nll.delay + nll.duration + nll.velocity, 12);
    // Each part is the mean of −log P(bin) under N(prediction, σ²).
    const velocity =
      -(
        gaussianBinLogProb(volumeBinEdges, 16, 0.5, widths.volume.sigma) * 2 +
        gaussianBinLogProb(volumeBinEdges, 25, 0.5, widths.volume.sigma)
      ) / 3;
    expect(nll.velocity).toBeCloseTo(velocity, 6); // predictions are float32
    const delay =
      -(
        gaussianBinLogProb(timeBinEdges, 25, 0.3, widths.delay.sigma) * 2 +
        gaussianBinLogProb(timeBinEdges, 400, 0.3, widths.delay.sigma)
      ) / 3;
    expect(nll.delay).toBeCloseTo(delay, 6);
  });

  test('widths: the fitted σ and the RMS error against targets clipped to [0, 4]', () => {
    const targets = targetsOf([piece]);
    const widths = fitGaussianWidths(predictionsOf(3, [0.25, 0.5, 0.5]), targets);
    // Delay residuals: 0, 0, 4 − 0.25 (6 s clipped to 4).
    expect(widths.delay.rms).toBeCloseTo(Math.sqrt((3.75 * 3.75) / 3), 6);
    expect(widths.delay.count).toBe(3);
    expect(widths.duration.sigma).toBeGreaterThan(0);
  });
});
