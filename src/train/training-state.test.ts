import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { createAdam } from './adam.js';
import { createGenerators, TrainingProgress } from './training-state.js';

describe('TrainingProgress', () => {
  test('counts updates and skips, averages train losses per interval, tracks the best validation', () => {
    const progress = new TrainingProgress(40);
    progress.crops += 8;
    progress.recordUpdate(3, 100, 1e-3);
    progress.recordSkippedStep();
    progress.recordUpdate(1, 50, 5e-4);
    expect(progress).toMatchObject({
      step: 2,
      skippedSteps: 1,
      consecutiveFailures: 0,
      tokens: 150,
      lrFactor: 0.5,
    });
    expect(progress.epoch).toBe(0.2);
    expect(progress.hasUnvalidatedSteps).toBe(true);
    expect(progress.closeTrainInterval()).toBe(2);
    expect(progress.hasUnvalidatedSteps).toBe(false);
    expect(progress.closeTrainInterval()).toBeNaN(); // no step since: no new point
    expect(progress.recordValidation(2.5)).toBe(true);
    expect(progress.recordValidation(NaN)).toBe(false);
    expect(progress.recordValidation(2.6)).toBe(false);
    expect(progress.best).toEqual({ loss: 2.5, step: 2 });
    expect(progress.validationsWithoutImprovement).toBe(2);
    expect(progress.curves()).toEqual({
      train: [{ step: 2, loss: 2 }],
      validation: [
        { step: 2, loss: 2.5 },
        { step: 2, loss: NaN },
        { step: 2, loss: 2.6 },
      ],
    });
  });

  test('its checkpoint state restores the same progress and generators', () => {
    const variable = tf.variable(tf.zeros([2]));
    const adam = createAdam([{ name: 'w', variable }]);
    const generators = createGenerators(7);
    generators.crops.int(0, 10);
    const progress = new TrainingProgress(40);
    progress.crops = 24;
    progress.elapsedSeconds = 12.5;
    progress.recordUpdate(3, 100, 1e-3);
    progress.closeTrainInterval();
    progress.recordValidation(2);
    progress.recordUpdate(1, 50, 1e-3); // mid-interval: saved too
    const state = progress.toState(generators, adam);
    expect(state).toMatchObject({
      step: 2,
      epoch: 0.6,
      elapsedSeconds: 12.5,
      interval: { loss: 1, steps: 1 },
    });

    const restored = new TrainingProgress(40, state);
    const again = createGenerators(99, state);
    expect({ ...restored.toState(again, adam), rng: null }).toEqual({ ...state, rng: null });
    expect(again.crops.int(0, 1000)).toBe(generators.crops.int(0, 1000));
    expect(again.dropout.int(0, 1000)).toBe(generators.dropout.int(0, 1000));
    adam.dispose();
    variable.dispose();
  });
});
