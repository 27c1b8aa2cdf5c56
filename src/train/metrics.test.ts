import { describe, expect, test } from 'vitest';
import {
  createMovingAverage,
  estimateRemaining,
  formatDuration,
  metricsLine,
  parseDuration,
} from './metrics.js';

describe('training metrics helpers', () => {
  test('parseDuration', () => {
    expect(parseDuration('12h')).toBe(43200);
    expect(parseDuration('30m')).toBe(1800);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('0.5s')).toBe(0.5);
    for (const bad of ['', 'h', '12x', '-5m', '0', '5m garbage'])
      expect(() => parseDuration(bad)).toThrow(/duration/);
  });

  test('formatDuration and ETA', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(725)).toBe('12m05s');
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe('3h07m');
    expect(formatDuration(NaN)).toBe('?');
    expect(estimateRemaining(0.25, 60)).toBe(180);
    expect(estimateRemaining(undefined, 60)).toBeNaN();
  });

  test('moving average ignores non-finite values and starts unbiased', () => {
    const avg = createMovingAverage(0.9);
    expect(avg.add(2)).toBeCloseTo(2);
    expect(avg.add(NaN)).toBeCloseTo(2);
    expect(avg.add(4)).toBeGreaterThan(2);
  });

  test('metrics lines are JSON with null for non-finite numbers', () => {
    const line = metricsLine({ type: 'event', step: 1, message: 'x', time: 't' });
    expect(line.endsWith('\n')).toBe(true);
    expect(
      JSON.parse(
        metricsLine({
          type: 'validation',
          step: 2,
          epoch: 0.5,
          loss: NaN as unknown as number,
          parts: {},
          trainLoss: 1,
          best: false,
          elapsedSeconds: 3,
        }),
      ),
    ).toMatchObject({ loss: null, trainLoss: 1 });
  });
});
