import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import type { ModelConfig, OriginalLstmConfig } from '../model/config.js';
import { INPUT_FEATURES, REGRESSION_FEATURES, REGRESSION_MAX } from '../model/batching/features.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * The original network (`original-lstm`) as a TensorFlow.js Layers model, for use outside Howl:
 * `tf.loadLayersModel` in a browser or Node, or Keras after `tensorflowjs_converter
 * --input_format=tfjs_layers_model --output_format=keras`. Browser-safe (TensorFlow.js only).
 *
 * The graph, per step of `[B, T, 123]` inputs (input `notes`):
 * `rnn` (LSTM, sigmoid recurrent activation, all steps) → `dense1` … `denseN` (SELU), each followed
 * by `dropout1` … `dropoutN` (AlphaDropout, active only while training; left out when the rate is
 * 0) → `features` (concatenation: block output, then the LSTM output) → two outputs:
 * `pitch` (`[B, T, 120]` logits) and `regression` (`[B, T, 3]`: `regression_sigmoid`, a Dense 3 with
 * sigmoid, then a Rescaling × 4). The weights keep Howl's names (`rnn/kernel`, `dense1/bias`, …)
 * except the regression head's Dense, whose weights are `regression_sigmoid/kernel` and `/bias`.
 *
 * GRU models are refused: Howl's GRU is Keras's `reset_after=True` variant, which TensorFlow.js's
 * `tf.layers.gru` does not implement. `ordered-rnn` models are refused: their heads are conditioned
 * on the attributes already sampled, so they are not one feed-forward Layers graph.
 */

/** The Layers names of the two outputs, in the model's output order. */
export const LAYERS_OUTPUT_NAMES = ['pitch', 'regression'] as const;

/** The files a TensorFlow.js Layers model is written as. */
export interface LayersModelFiles {
  /** `model.json`: topology and the weights manifest (pointing at `weights.bin`). */
  readonly modelJson: string;
  /** `weights.bin`: every weight as little-endian float32, in the manifest's order. */
  readonly weightsBin: Uint8Array;
  /** Trainable parameters. */
  readonly parameters: number;
}

/** The name of the weights file that `model.json`'s manifest refers to. */
export const LAYERS_WEIGHTS_FILE = 'weights.bin';

/**
 * Checks that a configuration can be exported as a Layers model.
 *
 * @param config - any model configuration
 * @throws InvalidArgumentError naming the reason for a GRU or an `ordered-rnn` model
 */
export function assertLayersExportable(config: ModelConfig): asserts config is OriginalLstmConfig {
  if (config.type !== 'original-lstm') {
    throw new InvalidArgumentError(
      `cannot export a '${config.type}' model as a TensorFlow.js Layers model: its heads are conditioned on the attributes already sampled (delay → pitch → duration, velocity), which is not a plain Layers graph; only 'original-lstm' models can be exported`,
    );
  }
  if (config.rnn !== 'lstm') {
    throw new InvalidArgumentError(
      `cannot export a GRU model as a TensorFlow.js Layers model: Howl's GRU is Keras's reset_after=true variant, which tf.layers.gru does not support; only LSTM models can be exported`,
    );
  }
}

/** Each layer that holds weights, with the names of its weights in Howl's weight map, in order. */
interface WeightedLayer {
  readonly layer: tf.layers.Layer;
  readonly sources: readonly string[];
  /** Expected shapes, in the same order. */
  readonly shapes: readonly (readonly number[])[];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** Copies the weights named `sources` from `weights` into `layer`, checking their shapes. */
function setLayerWeights({ layer, sources, shapes }: WeightedLayer, weights: WeightMap): void {
  const arrays = sources.map((name, i) => {
    const weight = weights.get(name);
    const shape = shapes[i]!;
    if (weight === undefined) throw new InvalidArgumentError(`weight ${name} is missing`);
    if (!sameShape(weight.shape, shape)) {
      throw new InvalidArgumentError(
        `weight ${name} has shape [${weight.shape.join(', ')}], expected [${shape.join(', ')}]`,
      );
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (weight.data.length !== size) {
      throw new InvalidArgumentError(
        `weight ${name} has ${weight.data.length} values, expected ${size} for shape [${shape.join(', ')}]`,
      );
    }
    return weight.data;
  });
  const values = arrays.map((data, i) => tf.tensor(data, [...shapes[i]!], 'float32'));
  try {
    layer.setWeights(values);
  } finally {
    tf.dispose(values);
  }
}

/**
 * Builds the original network as a TensorFlow.js functional model with the given weights.
 *
 * @param config - an `original-lstm` LSTM configuration
 * @param weights - its weights by Howl's names (from a checkpoint, `loadModel`, or `weightMapOf`)
 * @returns the model (input `[null, null, 123]`; outputs `pitch` and `regression`); `dispose()` it
 * @throws InvalidArgumentError for a GRU or `ordered-rnn` config, or a missing or misshapen weight
 * @example const model = buildLayersModel(loaded.config.model, loaded.weights);
 */
export function buildLayersModel(config: ModelConfig, weights: WeightMap): tf.LayersModel {
  assertLayersExportable(config);
  const { units, denseUnits, blocks, dropout } = config;
  const layers: WeightedLayer[] = [];
  // The initialisers only shape the layers here (the weights are set below); 'zeros' spares the
  // orthogonal initialiser's Gram-Schmidt on a [units, 4·units] matrix.
  const init = { kernelInitializer: 'zeros', biasInitializer: 'zeros' } as const;

  const input = tf.input({ shape: [null, INPUT_FEATURES], name: 'notes' });
  const rnn = tf.layers.lstm({
    units,
    returnSequences: true,
    activation: 'tanh',
    recurrentActivation: 'sigmoid',
    recurrentInitializer: 'zeros',
    unitForgetBias: false,
    name: 'rnn',
    ...init,
  });
  layers.push({
    layer: rnn,
    sources: ['rnn/kernel', 'rnn/recurrent_kernel', 'rnn/bias'],
    shapes: [[INPUT_FEATURES, 4 * units], [units, 4 * units], [4 * units]],
  });
  const recurrent = rnn.apply(input) as tf.SymbolicTensor;

  let h = recurrent;
  let width = units;
  for (let i = 1; i <= blocks; i++) {
    const dense = tf.layers.dense({ units: denseUnits, activation: 'selu', name: `dense${i}`, ...init });
    layers.push({
      layer: dense,
      sources: [`dense${i}/kernel`, `dense${i}/bias`],
      shapes: [[width, denseUnits], [denseUnits]],
    });
    h = dense.apply(h) as tf.SymbolicTensor;
    if (dropout > 0)
      h = tf.layers.alphaDropout({ rate: dropout, name: `dropout${i}` }).apply(h) as tf.SymbolicTensor;
    width = denseUnits;
  }
  const features = tf.layers
    .concatenate({ axis: -1, name: 'features' })
    .apply([h, recurrent]) as tf.SymbolicTensor;
  const headInput = denseUnits + units;

  const pitch = tf.layers.dense({ units: PITCH_COUNT, name: 'pitch', ...init });
  layers.push({
    layer: pitch,
    sources: ['pitch/kernel', 'pitch/bias'],
    shapes: [[headInput, PITCH_COUNT], [PITCH_COUNT]],
  });
  const regressionSigmoid = tf.layers.dense({
    units: REGRESSION_FEATURES,
    activation: 'sigmoid',
    name: 'regression_sigmoid',
    ...init,
  });
  layers.push({
    layer: regressionSigmoid,
    sources: ['regression/kernel', 'regression/bias'],
    shapes: [[headInput, REGRESSION_FEATURES], [REGRESSION_FEATURES]],
  });
  const pitchOut = pitch.apply(features) as tf.SymbolicTensor;
  const regressionOut = tf.layers
    .rescaling({ scale: REGRESSION_MAX, offset: 0, name: 'regression' })
    .apply(regressionSigmoid.apply(features)) as tf.SymbolicTensor;

  const model = tf.model({ inputs: input, outputs: [pitchOut, regressionOut], name: 'howl_original_lstm' });
  try {
    for (const layer of layers) setLayerWeights(layer, weights);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/**
 * Exports the original network as the files of a TensorFlow.js Layers model: `model.json` in the
 * standard format (`format: 'layers-model'`, `modelTopology`, `weightsManifest` with one group in
 * `weights.bin`) and the weights' bytes.
 *
 * @param config - an `original-lstm` LSTM configuration
 * @param weights - its weights by Howl's names
 * @returns `model.json`'s text, `weights.bin`'s bytes and the parameter count
 * @throws InvalidArgumentError for a GRU or `ordered-rnn` config, or a missing or misshapen weight
 * @example const { modelJson, weightsBin } = await exportLayersModel(config, weights);
 */
export async function exportLayersModel(config: ModelConfig, weights: WeightMap): Promise<LayersModelFiles> {
  const model = buildLayersModel(config, weights);
  try {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (saved) => {
        artifacts = saved;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
      }),
    );
    if (artifacts?.weightSpecs === undefined || artifacts.weightData === undefined) {
      throw new Error('TensorFlow.js saved no weights');
    }
    const weightsBin = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
    const modelJson = {
      format: artifacts.format ?? 'layers-model',
      generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: artifacts.convertedBy ?? null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [LAYERS_WEIGHTS_FILE], weights: artifacts.weightSpecs }],
    };
    return { modelJson: JSON.stringify(modelJson), weightsBin, parameters: model.countParams() };
  } finally {
    model.dispose();
  }
}
