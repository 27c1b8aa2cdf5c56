/**
 * Models and training, on TensorFlow.js (`howl/model`). Kept apart from `howl` so that importing the
 * data side does not load TensorFlow.js. Runs in Node, browsers and workers; Node's backend setup and
 * checkpoint folders are in `howl/node`, the checkpoint format itself (plain data) in `howl`.
 */
export { setupBackend, BACKEND_NAMES, BackendUnavailableError } from '../model/kernels/backend.js';
export type { BackendName } from '../model/kernels/backend.js';
export { createRecurrentLayer } from '../model/kernels/recurrent.js';
export type {
  RecurrentKind,
  RecurrentLayer,
  RecurrentLayerOptions,
  RecurrentState,
  RecurrentImplementation,
} from '../model/kernels/recurrent.js';
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
export { createModel } from '../model/create-model.js';
export type { CreateModelOptions } from '../model/create-model.js';
export type { Model, ModelOutputs, LossResult, ForwardOptions } from '../model/model.js';
export {
  buildV1Batch,
  encodeV1Batch,
  v1BatchToTensors,
  INPUT_FEATURES,
  REGRESSION_FEATURES,
  REGRESSION_MAX,
} from '../model/batching/features.js';
export type { V1Batch, V1BatchArrays } from '../model/batching/features.js';
export { train } from '../train/trainer.js';
export { resolveTrainOptions, DEFAULT_MICRO_BATCH_STEPS } from '../train/train-options.js';
export type { TrainOptions } from '../train/train-options.js';
export { evaluate, VALIDATION_SEED } from '../train/validation.js';
export { loadWeights } from '../train/training-state.js';
export { OutOfMemoryError } from '../train/pass-gradient.js';
export type {
  TrainCallbacks,
  TrainResult,
  StepInfo,
  ValidationInfo,
  StopReason,
  CheckpointKind,
} from '../train/trainer.js';
export { renderLossPlot } from '../train/loss-plot.js';
export type { LossPlotOptions } from '../train/loss-plot.js';
export { weightMapOf } from '../model/checkpoint/weight-map.js';
export { buildLayersModel, exportLayersModel, LAYERS_OUTPUT_NAMES } from '../export/layers-export.js';
export type { LayersModelFiles } from '../export/layers-export.js';
export { createOrderedRnn } from '../model/ordered-rnn.js';
export { buildOrderedBatch, encodeOrderedBatch } from '../model/batching/ordered-features.js';
export { buildInfillBatch, encodeInfillBatch } from '../model/batching/infill-features.js';
export {
  arrangeInfillWindow,
  drawInfillGap,
  trainingSequenceOf,
  DEFAULT_INFILL_CONTEXT,
  DEFAULT_INFILL_SCHEDULE,
} from '../model/batching/infill-windows.js';
export type {
  InfillGap,
  InfillContext,
  InfillSchedule,
  InfillWindow,
  TrainingSequence,
} from '../model/batching/infill-windows.js';
export { initWeightsFrom } from '../model/init-weights.js';
export type { OrderedBatch, OrderedBatchArrays } from '../model/batching/ordered-features.js';
export { orderedInputFeatures } from '../encoding/ordered-input.js';
export type { PitchEncoding } from '../encoding/ordered-input.js';
export type { ModelBatch, OriginalLstmModel } from '../model/model.js';
