import type { ModelConfig, OrderedConfig, OriginalLstmConfig } from '../model/config.js';
import { createOrderedRnnStep } from './ordered-rnn-step.js';
import { createOriginalLstmStep } from './original-lstm-step.js';
import { createTransformerStep } from './transformer-step.js';
import type { OrderedStepNetwork, RegressionStepNetwork, StepNetwork, WeightMap } from './step-network.js';

/**
 * The step network (one note at a time, no TensorFlow.js) of any model Howl knows.
 *
 * @param config - the model's configuration
 * @param weights - its weights by name (a checkpoint's tensors, or `weightMapOf(model)`)
 * @param batch - rows advanced together (default 1)
 * @param options - `simd: false` forces the JavaScript kernel
 * @returns the network
 * @throws InvalidArgumentError naming a missing or misshapen weight
 */
export function createStepNetwork(
  config: OriginalLstmConfig,
  weights: WeightMap,
  batch?: number,
  options?: { simd?: boolean },
): RegressionStepNetwork;
export function createStepNetwork(
  config: OrderedConfig,
  weights: WeightMap,
  batch?: number,
  options?: { simd?: boolean },
): OrderedStepNetwork;
export function createStepNetwork(
  config: ModelConfig,
  weights: WeightMap,
  batch?: number,
  options?: { simd?: boolean },
): StepNetwork;
export function createStepNetwork(
  config: ModelConfig,
  weights: WeightMap,
  batch = 1,
  options: { simd?: boolean } = {},
): StepNetwork {
  switch (config.type) {
    case 'original-lstm':
      return createOriginalLstmStep(config, weights, batch, options);
    case 'ordered-rnn':
      return createOrderedRnnStep(config, weights, batch, options);
    case 'transformer':
      return createTransformerStep(config, weights, batch, options);
  }
}
