import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createStepNetwork } from '../../inference/create-step-network.js';
import type { StepNetwork } from '../../inference/step-network.js';
import { randomPhrase } from '../../test-support/ordered-scoring.js';
import { MODEL_PRESETS, type ModelConfig } from '../config.js';
import { createModel } from '../create-model.js';
import { setupBackend } from '../kernels/backend.js';
import type { Model } from '../model.js';
import type { CheckpointConfig } from './checkpoint.js';
import { encodeSafetensors } from './safetensors.js';
import { decodeSafetensorsModel, encodeSafetensorsModel, type TrainingSummary } from './safetensors-model.js';
import { weightLayout } from './weight-layout.js';
import { weightMapOf, type WeightMap } from './weight-map.js';

/** A preset at a size that trains in milliseconds: every field that sets a width made small. */
function small(config: ModelConfig): ModelConfig {
  const sizes: Record<string, number> = {
    units: 7,
    denseUnits: 6,
    blocks: 2,
    headUnits: 5,
    layers: 2,
    modelUnits: 8,
    heads: 2,
    ffUnits: 12,
    window: 4,
  };
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, sizes[key] ?? value]),
  ) as unknown as ModelConfig;
}

const checkpointConfig = (model: ModelConfig): CheckpointConfig => ({
  model,
  encoding: 'v1',
  training: { batchSize: 4, lr: 0.001 },
});

const TRAINING: TrainingSummary = { steps: 1234, seconds: 56.5, bestLoss: 7.25 };

const bitsOf = (data: Float32Array): number[] => [
  ...new Uint32Array(data.buffer, data.byteOffset, data.length),
];

/** Every distribution a step network gives over a phrase, as float32 bits. */
function stepOutputs(network: StepNetwork, phrase: ReturnType<typeof randomPhrase>): number[][] {
  const out: number[][] = [];
  for (const row of phrase) {
    network.step([row]);
    if (network.kind === 'regression') {
      out.push(bitsOf(network.pitchLogits), bitsOf(network.regression));
    } else {
      const rest = network.restLogitsGiven(0, 3, 60);
      out.push(
        bitsOf(network.delayLogits),
        bitsOf(network.pitchLogitsGiven(0, 3)),
        bitsOf(rest.duration),
        bitsOf(rest.velocity),
      );
    }
  }
  return out;
}

function lossOf(model: Model, pieces: ReturnType<typeof randomPhrase>[]): number {
  const batch = model.makeBatch(pieces);
  const loss = model.loss(batch);
  const value = loss.total.dataSync()[0]!;
  tf.dispose([loss.total, ...Object.values(loss.parts)]);
  batch.dispose();
  return value;
}

function filesOf(config: ModelConfig, weights: WeightMap): Map<string, Uint8Array> {
  return encodeSafetensorsModel({ config: checkpointConfig(config), weights, training: TRAINING });
}

beforeAll(async () => {
  await setupBackend('cpu');
});

describe('safetensors models', () => {
  for (const [preset, full] of Object.entries(MODEL_PRESETS)) {
    it(`${preset}: the weights go out and come back exactly, with the same loss and step distributions`, () => {
      const config = small(full);
      const model = createModel(config, { seed: 3 });
      // The documented layout is the training network's own.
      expect(weightLayout(config)).toEqual(
        model.weights.map((w) => ({ name: w.name, shape: w.variable.shape })),
      );

      const weights = weightMapOf(model);
      const files = filesOf(config, weights);
      expect([...files.keys()]).toEqual(['model.safetensors', 'config.json']);
      const decoded = decodeSafetensorsModel((f) => files.get(f), 'export/x');
      expect(decoded.config).toEqual(checkpointConfig(config));
      expect(decoded.training).toEqual(TRAINING);
      expect([...decoded.weights.keys()]).toEqual([...weights.keys()]);
      for (const [name, w] of weights) {
        expect(decoded.weights.get(name)!.shape, name).toEqual(w.shape);
        expect(bitsOf(decoded.weights.get(name)!.data), name).toEqual(bitsOf(w.data));
      }

      // A network with other weights, given the file's, computes the same loss to the bit.
      const pieces = [randomPhrase(9, 1), randomPhrase(9, 2)];
      const copy = createModel(config, { seed: 4 });
      expect(lossOf(copy, pieces)).not.toBe(lossOf(model, pieces));
      for (const w of copy.weights) {
        const t = decoded.weights.get(w.name)!;
        w.variable.assign(tf.tensor(t.data, [...t.shape]));
      }
      expect(lossOf(copy, pieces)).toBe(lossOf(model, pieces));

      // And generates from the same distributions, step by step.
      const phrase = randomPhrase(6, 5);
      expect(stepOutputs(createStepNetwork(config, decoded.weights, 1), phrase)).toEqual(
        stepOutputs(createStepNetwork(config, weights, 1), phrase),
      );
      model.dispose();
      copy.dispose();
    });
  }

  it('refuses files that are not this model, naming the file and the reason', () => {
    const config = small(MODEL_PRESETS['ordered-lstm']);
    const model = createModel(config, { seed: 1 });
    const weights = weightMapOf(model);
    model.dispose();
    const files = filesOf(config, weights);
    const decode = (changes: Record<string, Uint8Array | undefined>) => () =>
      decodeSafetensorsModel((f) => (f in changes ? changes[f] : files.get(f)), 'export/x');
    const tensors = [...weights].map(([name, w]) => ({ name, ...w }));
    const withTensors = (list: typeof tensors, metadata = { format: 'howl', architecture: 'ordered-rnn' }) =>
      encodeSafetensors(list, metadata);
    const gru = filesOf(
      small(MODEL_PRESETS['ordered-gru']),
      weightMapOf(createModel(small(MODEL_PRESETS['ordered-gru']), { seed: 1 })),
    );

    expect(decode({ 'model.safetensors': undefined })).toThrow(/^export\/x\/model\.safetensors: missing$/);
    expect(decode({ 'config.json': undefined })).toThrow(/^export\/x: config\.json is missing/);
    expect(decode({ 'model.safetensors': new Uint8Array(3) })).toThrow(
      /model\.safetensors: 3 bytes: too short/,
    );
    expect(
      decode({ 'model.safetensors': withTensors(tensors, { format: 'other', architecture: 'ordered-rnn' }) }),
    ).toThrow(/__metadata__\.format is "other", not "howl"/);
    expect(
      decode({ 'model.safetensors': withTensors(tensors, { format: 'howl', architecture: 'transformer' }) }),
    ).toThrow(/__metadata__\.architecture is "transformer" but config\.json's model is 'ordered-rnn'/);
    expect(
      decode({ 'model.safetensors': withTensors(tensors.filter((t) => t.name !== 'delay/bias')) }),
    ).toThrow(
      /model\.safetensors: no tensor 'delay\/bias' \(config\.json's 'ordered-rnn' model needs one of shape \[401\]\)/,
    );
    expect(
      decode({
        'model.safetensors': withTensors([
          ...tensors,
          { name: 'extra', shape: [1], data: new Float32Array(1) },
        ]),
      }),
    ).toThrow(/unexpected tensor 'extra'/);
    // A GRU's weights beside an LSTM's config.json: same architecture, other shapes.
    expect(decode({ 'model.safetensors': gru.get('model.safetensors') })).toThrow(
      /tensor 'rnn\/kernel' has shape \[125, 21\]; config\.json's 'ordered-rnn' model needs \[125, 28\]/,
    );
    expect(() => filesOf(config, new Map([...weights].slice(1)))).toThrow(
      /model\.safetensors: no tensor 'rnn\/kernel'/,
    );
  });
});
