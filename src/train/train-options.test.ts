import { describe, expect, test } from 'vitest';
import {
  autoWorkers,
  createTrainingBudget,
  cropsPerPass,
  microBatchStepsForWorkers,
  resolveTrainOptions,
} from './train-options.js';
import { learningRateAt } from './lr-schedule.js';

describe('training options and budget', () => {
  test('micro-batch steps for workers split batches evenly', () => {
    expect(microBatchStepsForWorkers(32, 256, 2)).toBe(16 * 256);
    expect(microBatchStepsForWorkers(64, 768, 2)).toBe(16 * 768); // 4 passes of 16 (the default: 21, 21, 21, 1)
    expect(microBatchStepsForWorkers(64, 768, 3)).toBe(11 * 768); // 6 passes
    expect(microBatchStepsForWorkers(5, 100, 4)).toBe(200);
  });

  test('the worker count chosen for a run: one per core, at least 8 crops each', () => {
    expect(autoWorkers(32, 2)).toBe(2);
    expect(autoWorkers(32, 1)).toBe(1);
    expect(autoWorkers(15, 2)).toBe(1);
    expect(autoWorkers(16, 2)).toBe(2);
    expect(autoWorkers(32, 16)).toBe(4);
    expect(autoWorkers(64, 3)).toBe(3);
  });

  test('defaults, and the bad option named', () => {
    const options = resolveTrainOptions({ steps: 10 });
    expect(options).toMatchObject({
      batchSize: 64,
      length: 768,
      validationCrops: 128,
      workers: 1,
      steps: 10,
    });
    expect('epochs' in options).toBe(false);
    expect(cropsPerPass(options)).toBe(21);
    expect(cropsPerPass({ microBatchSteps: 100, length: 768 })).toBe(1);
    expect(() => resolveTrainOptions({ epochs: 0 })).toThrow(/epochs 0 is not a positive number/);
    expect(() => resolveTrainOptions({ seed: 1.5 })).toThrow(/seed 1.5 is not an integer/);
  });

  test('the budget: the tighter of steps and epochs, or time; cosine only with a step budget', () => {
    // 40 crops a round, 8 per step: 2.5 epochs = 13 steps.
    const byEpochs = createTrainingBudget(resolveTrainOptions({ batchSize: 8, steps: 100, epochs: 2.5 }), 40);
    expect(byEpochs.maxSteps).toBe(13);
    expect(byEpochs.schedule).toMatchObject({ kind: 'cosine', warmupSteps: 1, totalSteps: 13 });
    expect(byEpochs.limitReached({ step: 12, epoch: 2.4, elapsedSeconds: 0 })).toBeUndefined();
    expect(byEpochs.limitReached({ step: 13, epoch: 2.6, elapsedSeconds: 0 })).toEqual({
      reason: 'epochs',
      message: 'reached 13 steps (epoch 2.60)',
    });
    const bySteps = createTrainingBudget(resolveTrainOptions({ steps: 10, timeSeconds: 100 }), 40);
    expect(bySteps.limitReached({ step: 10, epoch: 1, elapsedSeconds: 0 })?.reason).toBe('steps');
    expect(bySteps.limitReached({ step: 3, epoch: 1, elapsedSeconds: 100 })).toEqual({
      reason: 'time',
      message: 'reached the time limit after 3 steps',
    });
    expect(bySteps.fractionDone({ step: 2, epoch: 0, elapsedSeconds: 50 })).toBe(0.5);
    expect(bySteps.schedule.minFactor).toBe(0.1);
    const annealed = createTrainingBudget(resolveTrainOptions({ steps: 10, lrFinal: 0.01 }), 40);
    expect(annealed.schedule).toMatchObject({ kind: 'cosine', totalSteps: 10, minFactor: 0.01 });
    expect(learningRateAt(annealed.schedule, 10)).toBeCloseTo(1e-5, 12);
    expect(() => resolveTrainOptions({ lrFinal: 1.5 })).toThrow(
      /final learning-rate factor 1.5 is not in \[0, 1\]/,
    );
    const byTime = createTrainingBudget(resolveTrainOptions({ timeSeconds: 60 }), 40);
    expect(byTime.maxSteps).toBeUndefined();
    expect(byTime.schedule).toMatchObject({ kind: 'constant', warmupSteps: 20 });
    expect(
      createTrainingBudget(resolveTrainOptions({}), 40).fractionDone({
        step: 5,
        epoch: 0,
        elapsedSeconds: 5,
      }),
    ).toBeUndefined();
    expect(() =>
      createTrainingBudget(resolveTrainOptions({ schedule: 'cosine', timeSeconds: 60 }), 40),
    ).toThrow(/cosine schedule needs --steps or --epochs/);
  });
});
