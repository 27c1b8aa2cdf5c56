import type { WeightMap } from '../inference/step-network.js';
import type { Model } from './model.js';

/**
 * A model's weights as plain arrays by name, e.g. to build its step network for generation
 * (`createStepNetwork(model.config, weightMapOf(model))`). Reads the variables' current values.
 *
 * @param model - a TensorFlow.js model
 * @returns name → shape and values (copies)
 */
export function weightMapOf(model: Model): WeightMap {
  return new Map(
    model.weights.map((w) => [
      w.name,
      { shape: w.variable.shape, data: w.variable.dataSync() as Float32Array },
    ]),
  );
}
