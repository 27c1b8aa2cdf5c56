import type { WeightMap } from '../model/checkpoint/weight-map.js';
import type {
  ConfigOfType,
  ModelConfig,
  ModelType,
  OrderedConfig,
  OriginalLstmConfig,
} from '../model/config.js';
import { createOrderedRnnStep } from './ordered-rnn-step.js';
import { createOriginalLstmStep } from './original-lstm-step.js';
import type { OrderedStepNetwork, RegressionStepNetwork, StepNetwork } from './step-network.js';
import { createTransformerStep } from './transformer-step.js';

/** Options of a step network. */
export interface StepNetworkOptions {
  /** `false` forces the JavaScript kernel instead of WebAssembly SIMD. */
  simd?: boolean;
}

/** Builds one architecture's step network from its weights, for `batch` rows. */
export type StepNetworkBuilder<C extends ModelConfig> = (
  config: C,
  weights: WeightMap,
  batch: number,
  options: StepNetworkOptions,
) => StepNetwork;

/**
 * The step network of every model type: the other half of each pair in `TRAINING_NETWORKS`
 * (`src/model/create-model.ts`), tested to compute what the training network computes. A mapped
 * type over `ModelType`: a type missing here does not compile.
 */
export const STEP_NETWORKS: { readonly [T in ModelType]: StepNetworkBuilder<ConfigOfType<T>> } = {
  'original-lstm': createOriginalLstmStep,
  'ordered-rnn': createOrderedRnnStep,
  transformer: createTransformerStep,
};

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
  options?: StepNetworkOptions,
): RegressionStepNetwork;
export function createStepNetwork(
  config: OrderedConfig,
  weights: WeightMap,
  batch?: number,
  options?: StepNetworkOptions,
): OrderedStepNetwork;
export function createStepNetwork(
  config: ModelConfig,
  weights: WeightMap,
  batch?: number,
  options?: StepNetworkOptions,
): StepNetwork;
export function createStepNetwork(
  config: ModelConfig,
  weights: WeightMap,
  batch = 1,
  options: StepNetworkOptions = {},
): StepNetwork {
  // The table is correlated by `type`, which TypeScript cannot follow through an index: widen it.
  const build = STEP_NETWORKS[config.type] as StepNetworkBuilder<ModelConfig>;
  return build(config, weights, batch, options);
}
