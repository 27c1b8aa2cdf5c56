import { describe, expect, test } from 'vitest';
import { MODEL_TYPES } from '../model/config.js';
import { TRAINING_NETWORKS } from '../model/create-model.js';
import { STEP_NETWORKS } from './create-step-network.js';

describe('architectures as pairs', () => {
  test('every model type has a training network and a step network', () => {
    expect(Object.keys(TRAINING_NETWORKS)).toEqual([...MODEL_TYPES]);
    expect(Object.keys(STEP_NETWORKS)).toEqual([...MODEL_TYPES]);
  });
});
