import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import { maxAbsDiff } from '../test-support/tensor-diff.js';
import { setupBackend } from '../model/kernels/backend.js';
import { MODEL_PRESETS, type OriginalLstmConfig } from '../model/config.js';
import { buildLayersModel, exportLayersModel, LAYERS_OUTPUT_NAMES } from './layers-export.js';
import { createModel } from '../model/create-model.js';
import { weightMapOf } from '../model/checkpoint/weight-map.js';

const TOLERANCE = 1e-4;
const tiny: OriginalLstmConfig = {
  type: 'original-lstm',
  rnn: 'lstm',
  units: 8,
  denseUnits: 16,
  blocks: 3,
  dropout: 0.01,
};

beforeAll(async () => {
  await setupBackend('cpu');
});

interface ModelJson {
  format: string;
  generatedBy: string;
  convertedBy: null;
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** A model with every weight (biases included) random, so that a swapped or dropped weight shows. */
function randomModel(config: OriginalLstmConfig, seed: number) {
  const model = createModel(config, { seed });
  model.variables.forEach((v, i) => {
    v.assign(tf.tidy(() => tf.randomNormal(v.shape, 0, 0.4, 'float32', seed * 100 + i)));
  });
  return model;
}

/** Loads the exported files back with TensorFlow.js, as a user would from disk. */
async function loadBack(modelJson: string, weightsBin: Uint8Array): Promise<tf.LayersModel> {
  const json = JSON.parse(modelJson) as ModelJson;
  const bytes = weightsBin.slice();
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0]!.weights,
      weightData: bytes.buffer,
    }),
  );
}

describe('exportLayersModel', () => {
  test.each([
    ['LSTM-8, 3 blocks, dropout 0.01', tiny],
    ['LSTM-5, 1 block, no dropout', { ...tiny, units: 5, denseUnits: 6, blocks: 1, dropout: 0 }],
  ] as const)('%s: the reloaded Layers model predicts what forward does, to 1e-4', async (_, config) => {
    const model = randomModel(config, 3);
    const weights = weightMapOf(model);
    const { modelJson, weightsBin, parameters } = await exportLayersModel(config, weights);

    const json = JSON.parse(modelJson) as ModelJson;
    expect(json.format).toBe('layers-model');
    expect(json.generatedBy).toMatch(/^TensorFlow\.js tfjs-layers v\d/);
    expect(json.convertedBy).toBeNull();
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    const specs = json.weightsManifest[0]!.weights;
    const expectedNames = [...weights.keys()].map((n) => n.replace(/^regression\//, 'regression_sigmoid/'));
    expect(specs.map((s) => s.name).sort()).toEqual(expectedNames.sort());
    for (const spec of specs) {
      expect(spec.dtype).toBe('float32');
      const source = weights.get(spec.name.replace(/^regression_sigmoid\//, 'regression/'))!;
      expect(spec.shape, spec.name).toEqual(source.shape);
    }
    const expectedParameters = model.variables.reduce((n, v) => n + v.size, 0);
    expect(parameters).toBe(expectedParameters);
    expect(weightsBin.byteLength).toBe(4 * expectedParameters);

    const loaded = await loadBack(modelJson, weightsBin);
    expect(loaded.outputNames).toEqual([...LAYERS_OUTPUT_NAMES]);
    expect(loaded.inputs[0]!.shape).toEqual([null, null, 123]);
    const dropoutLayers = loaded.layers.filter((l) => l.getClassName() === 'AlphaDropout');
    expect(dropoutLayers).toHaveLength(config.dropout > 0 ? config.blocks : 0);

    const x = tf.randomNormal([2, 7, 123], 0, 1, 'float32', 17) as tf.Tensor3D;
    const [pitch, regression] = loaded.predict(x) as tf.Tensor[];
    const ours = model.forward(x);
    expect(maxAbsDiff(pitch!, ours.pitchLogits)).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(regression!, ours.regression)).toBeLessThan(TOLERANCE);
    // Not trivially equal: the outputs vary across rows and steps, and the regression spans (0, 4).
    const r = regression!.dataSync();
    expect(Math.max(...r)).toBeGreaterThan(1.2);
    expect(Math.max(...r)).toBeLessThan(4);
    expect(Math.min(...r)).toBeGreaterThan(0);
    const spread = tf.tidy(() => tf.moments(pitch!).variance.dataSync()[0]!);
    expect(spread).toBeGreaterThan(0.01);

    // A model that differs in one weight gives a different prediction, so the check above can fail.
    const perturbed = new Map(weights);
    const rk = weights.get('rnn/recurrent_kernel')!;
    perturbed.set('rnn/recurrent_kernel', { shape: rk.shape, data: rk.data.map((v) => v * 1.5) });
    const other = buildLayersModel(config, perturbed);
    const [otherPitch] = other.predict(x) as tf.Tensor[];
    expect(maxAbsDiff(otherPitch!, ours.pitchLogits)).toBeGreaterThan(1e-3);

    tf.dispose([x, pitch!, regression!, ours.pitchLogits, ours.regression, otherPitch!]);
    other.dispose();
    loaded.dispose();
    model.dispose();
  });

  test('dropout is off in predict and on (for the AlphaDropout layers) only when training', async () => {
    const config = { ...tiny, dropout: 0.5 };
    const model = randomModel(config, 5);
    const layers = buildLayersModel(config, weightMapOf(model));
    const x = tf.randomNormal([1, 4, 123], 0, 1, 'float32', 2);
    const a = layers.predict(x) as tf.Tensor[];
    const b = layers.predict(x) as tf.Tensor[];
    expect(maxAbsDiff(a[0]!, b[0]!)).toBe(0);
    const ours = model.forward(x as tf.Tensor3D);
    expect(maxAbsDiff(a[0]!, ours.pitchLogits)).toBeLessThan(TOLERANCE);
    const training = layers.apply(x, { training: true }) as tf.Tensor[];
    expect(maxAbsDiff(training[0]!, ours.pitchLogits)).toBeGreaterThan(1e-3);
    tf.dispose([x, ...a, ...b, ...training, ours.pitchLogits, ours.regression]);
    layers.dispose();
    model.dispose();
  });

  test('refuses GRU models, naming reset_after', async () => {
    const config: OriginalLstmConfig = { ...tiny, rnn: 'gru' };
    const model = createModel(config, { seed: 1 });
    const weights = weightMapOf(model);
    model.dispose();
    await expect(exportLayersModel(config, weights)).rejects.toThrow(
      /cannot export a GRU model .*reset_after.*tf\.layers\.gru/,
    );
    expect(() => buildLayersModel(MODEL_PRESETS['gru-512'], weights)).toThrow(/GRU/);
  });

  test('refuses ordered-rnn models, naming the conditional heads', async () => {
    const config = MODEL_PRESETS['ordered-lstm'];
    const model = createModel(config, { seed: 1 });
    const weights = weightMapOf(model);
    model.dispose();
    await expect(exportLayersModel(config, weights)).rejects.toThrow(
      /cannot export a 'ordered-rnn' model .*conditioned on the attributes already sampled/,
    );
  });

  test('a missing or misshapen weight: a clear error naming it, and nothing left allocated', async () => {
    const model = randomModel(tiny, 1);
    const weights = weightMapOf(model);
    model.dispose();
    const missing = new Map(weights);
    missing.delete('dense2/bias');
    const before = tf.memory().numTensors;
    await expect(exportLayersModel(tiny, missing)).rejects.toThrow(/^weight dense2\/bias is missing$/);
    const bad: WeightMap = new Map([
      ...weights,
      ['pitch/kernel', { shape: [24, 119], data: new Float32Array(24 * 119) }],
    ]);
    expect(() => buildLayersModel(tiny, bad)).toThrow(
      /^weight pitch\/kernel has shape \[24, 119\], expected \[24, 120\]$/,
    );
    const short: WeightMap = new Map([...weights, ['rnn/bias', { shape: [32], data: new Float32Array(31) }]]);
    expect(() => buildLayersModel(tiny, short)).toThrow(/^weight rnn\/bias has 31 values, expected 32/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
