import type { ConfigOfType, ModelConfig, ModelType, OriginalLstmConfig } from './config.js';
import type { Model, OriginalLstmModel } from './model.js';
import { createOrderedRnn } from './ordered-rnn.js';
import { createOriginalLstm } from './original-lstm.js';
import { createTransformer } from './transformer.js';

/** Builds one architecture's training network with fresh weights from an integer seed. */
export type TrainingNetworkBuilder<C extends ModelConfig> = (config: C, seed: number) => Model;

/**
 * The training network of every model type. Each is half of a pair: its step network is in
 * `STEP_NETWORKS` (`src/inference/create-step-network.ts`), and a test checks the two compute the
 * same. A mapped type over `ModelType`: a type missing here does not compile.
 */
export const TRAINING_NETWORKS: { readonly [T in ModelType]: TrainingNetworkBuilder<ConfigOfType<T>> } = {
  'original-lstm': createOriginalLstm,
  'ordered-rnn': createOrderedRnn,
  transformer: createTransformer,
};

/** Options of `createModel`. */
export interface CreateModelOptions {
  /** Integer seed of the initial weights (default 1). */
  seed?: number;
}

/**
 * Creates a model with fresh, seeded weights from its configuration.
 *
 * @param config - a validated configuration (see `validateModelConfig`, `presetConfig`)
 * @param options - the initialisation seed
 * @returns the model; `dispose()` it when done
 * @example const model = createModel(presetConfig('lstm-192'), { seed: 1 });
 */
export function createModel(config: OriginalLstmConfig, options?: CreateModelOptions): OriginalLstmModel;
export function createModel(config: ModelConfig, options?: CreateModelOptions): Model;
export function createModel(config: ModelConfig, options: CreateModelOptions = {}): Model {
  // The table is correlated by `type`, which TypeScript cannot follow through an index: widen it.
  const build = TRAINING_NETWORKS[config.type] as TrainingNetworkBuilder<ModelConfig>;
  return build(config, options.seed ?? 1);
}
