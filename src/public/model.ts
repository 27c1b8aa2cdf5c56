/**
 * Models and training, on TensorFlow.js (`howl/model`). Kept apart from `howl` so that importing the
 * data side does not load TensorFlow.js. Runs in Node, browsers and workers; Node's backend setup and
 * checkpoint folders are in `howl/node`.
 */
export { setupBackend, BACKEND_NAMES, BackendUnavailableError } from '../model/backend.js';
export type { BackendName } from '../model/backend.js';
export { createRecurrentLayer } from '../model/recurrent.js';
export type {
  RecurrentKind,
  RecurrentLayer,
  RecurrentLayerOptions,
  RecurrentState,
  RecurrentImplementation,
} from '../model/recurrent.js';
export {
  MODEL_TYPES,
  MODEL_PRESETS,
  DEFAULT_PRESET,
  presetConfig,
  validateModelConfig,
} from '../model/config.js';
export type {
  ModelConfig,
  OriginalLstmConfig,
  OrderedRnnConfig,
  TransformerConfig,
  OrderedConfig,
  ModelPresetName,
} from '../model/config.js';
export { createModel } from '../model/model.js';
export type { Model, ModelOutputs, LossResult, ForwardOptions, CreateModelOptions } from '../model/model.js';
export {
  buildV1Batch,
  encodeV1Batch,
  v1BatchToTensors,
  INPUT_FEATURES,
  PITCH_CLASSES,
  REGRESSION_FEATURES,
  REGRESSION_MAX,
} from '../model/features.js';
export type { V1Batch, V1BatchArrays } from '../model/features.js';
export {
  train,
  evaluate,
  loadWeights,
  resolveTrainOptions,
  OutOfMemoryError,
  DEFAULT_MICRO_BATCH_STEPS,
  VALIDATION_SEED,
} from '../train/trainer.js';
export type {
  TrainOptions,
  TrainCallbacks,
  TrainResult,
  StepInfo,
  ValidationInfo,
  StopReason,
  CheckpointKind,
} from '../train/trainer.js';
export {
  encodeCheckpoint,
  decodeCheckpoint,
  CheckpointError,
  CHECKPOINT_VERSION,
  CHECKPOINT_FILES,
} from '../train/checkpoint.js';
export type {
  Checkpoint,
  CheckpointConfig,
  CheckpointTensor,
  TrainingState,
  CurvePoint,
} from '../train/checkpoint.js';
export { renderLossPlot } from '../train/loss-plot.js';
export type { LossPlotOptions } from '../train/loss-plot.js';
export { weightMapOf } from '../model/weight-map.js';
export { buildLayersModel, exportLayersModel, LAYERS_OUTPUT_NAMES } from '../model/layers-export.js';
export type { LayersModelFiles } from '../model/layers-export.js';
export { createOrderedRnn } from '../model/ordered-rnn.js';
export { buildOrderedBatch, encodeOrderedBatch, orderedInputFeatures } from '../model/ordered-features.js';
export type { OrderedBatch, OrderedBatchArrays, PitchEncoding } from '../model/ordered-features.js';
export type { ModelBatch, OriginalLstmModel } from '../model/model.js';
