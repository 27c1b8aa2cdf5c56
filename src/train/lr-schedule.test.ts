import { describe, expect, test } from 'vitest';
import { learningRateAt, validateLrSchedule } from './lr-schedule.js';

describe('learning-rate schedule', () => {
  test('linear warm-up, then constant', () => {
    const s = { kind: 'constant', lr: 1e-3, warmupSteps: 4 } as const;
    const expected = [2e-4, 4e-4, 6e-4, 8e-4, 1e-3, 1e-3];
    [1, 2, 3, 4, 5, 100].forEach((t, i) =>
      expect(learningRateAt(s, t)).toBeCloseTo(expected[i] as number, 12),
    );
  });

  test('cosine decays from the peak to minFactor × peak at totalSteps', () => {
    const s = { kind: 'cosine', lr: 1e-3, warmupSteps: 0, totalSteps: 100 } as const;
    expect(learningRateAt(s, 1)).toBeCloseTo(1e-3, 6);
    expect(learningRateAt(s, 50)).toBeCloseTo(1e-3 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI / 2))), 9);
    expect(learningRateAt(s, 100)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(s, 200)).toBeCloseTo(1e-4, 12);
  });

  test('invalid schedules are refused', () => {
    expect(() => validateLrSchedule({ kind: 'cosine', lr: 1e-3, warmupSteps: 0 })).toThrow(/totalSteps/);
    expect(() => validateLrSchedule({ kind: 'constant', lr: -1, warmupSteps: 0 })).toThrow(/learning rate/);
  });
});
