import type { Model } from '../model.js';
import type { Checkpoint } from './checkpoint.js';

/** A named weight tensor, as in a checkpoint (`CheckpointTensor`) or read from tfjs variables. */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Weights by their stable name (e.g. `rnn/kernel`, `dense1/bias`, `pitch/kernel`). */
export type WeightMap = ReadonlyMap<string, WeightTensor>;

/**
 * A checkpoint's model weights by name, without the optimiser's moments (`adam/…`): what a step
 * network (`createStepNetwork`) or `buildLayersModel` reads. The arrays are the checkpoint's own.
 *
 * @param checkpoint - a decoded checkpoint (`decodeCheckpoint`, `loadCheckpoint`)
 * @returns name → shape and values
 * @example const network = createStepNetwork(checkpoint.config.model, weightsOf(checkpoint));
 */
export function weightsOf(checkpoint: Checkpoint): WeightMap {
  return new Map(
    checkpoint.tensors
      .filter((t) => !t.name.startsWith('adam/'))
      .map((t) => [t.name, { shape: t.shape, data: t.data }]),
  );
}

/**
 * A model's weights as plain arrays by name, e.g. to build its step network for generation
 * (`createStepNetwork(model.config, weightMapOf(model))`). Reads the variables' current values.
 * Needs no TensorFlow.js import of its own: it reads the variables it is given.
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
