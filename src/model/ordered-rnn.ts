import * as tf from '@tensorflow/tfjs';
import { orderedRnnInputFeatures } from '../encoding/infill-input.js';
import { createRng } from '../random/rng.js';
import type { OrderedConfig, OrderedRnnConfig } from './config.js';
import { createDense, type NamedVariable } from './kernels/layers.js';
import type { ForwardOptions, LossResult, Model } from './model.js';
import { createOrderedHeads, type DenseFactory } from './ordered-heads.js';
import { buildOrderedBatch, type OrderedBatch } from './batching/ordered-features.js';
import { buildInfillBatch, infillBatchTokens } from './batching/infill-features.js';
import { createTrunk, disposerOf, type Trunk } from './trunk.js';

let instances = 0;

/**
 * Howl's distributional network (`type: 'ordered-rnn'`, presets `ordered-lstm`, `ordered-gru`):
 * the original's trunk (recurrent layer + SELU block with skip; `trunk.ts`), then the ordered heads
 * (`ordered-heads.ts`), which predict delay → pitch → duration and velocity as distributions over
 * the shared grid's bins, each given the ones before.
 *
 * With `pitchEncoding: 'octave-class'` the input reads pitch as octave + pitch class and the heads
 * predict p(octave) · p(class | octave).
 *
 * With `infill: true` the input adds the seven infill floats (`src/encoding/infill-input.ts`) after
 * the pitch, and its batches rearrange half the crops around a gap (`batching/infill-features.ts`).
 *
 * Weight names: the trunk's (`rnn/…`, `dense1/…` …), then the heads' (`context`, `delay`, …).
 *
 * @param config - the configuration
 * @param seed - integer seed of the initial weights
 * @returns the model
 */
export function createOrderedRnn(config: OrderedRnnConfig, seed: number): Model<OrderedBatch> {
  const prefix = `howl-ordered${++instances}/`;
  const seeds = createRng(seed);
  const nextSeed = (): number => seeds.int(0, 2 ** 31 - 1);
  const trunk = createTrunk(config, orderedRnnInputFeatures(config), prefix, nextSeed);
  const model = orderedModel(config, trunk, prefix, nextSeed);
  if (!config.infill) return model;
  return {
    ...model,
    makeBatch: (crops) => buildInfillBatch(crops, config.pitchEncoding),
    scoredSteps: (crops) => infillBatchTokens(crops),
  };
}

/**
 * A distributional model from its trunk: adds the ordered heads (their weights after the trunk's,
 * seeded from `nextSeed`) and the loss.
 *
 * @param config - the model's configuration (its `headUnits`, `pitchEncoding`)
 * @param trunk - gives `[B·T, F]` features from the ordered inputs
 * @param prefix - engine-unique prefix of the tfjs variable names
 * @param nextSeed - draws the next initialisation seed
 * @returns the model
 */
export function orderedModel(
  config: OrderedConfig,
  trunk: Trunk,
  prefix: string,
  nextSeed: () => number,
): Model<OrderedBatch> {
  const weights: NamedVariable[] = [...trunk.weights];
  const dense: DenseFactory = (name, inputs, outputs, init) => {
    const { layer, variables } = createDense(name, inputs, outputs, init, nextSeed(), prefix);
    weights.push(...variables);
    return layer;
  };
  const heads = createOrderedHeads(trunk.features, config.headUnits, config.pitchEncoding, dense);
  const variables = weights.map((w) => w.variable);
  return {
    config,
    encoding: 'v1',
    weights,
    variables,
    makeBatch: (crops) => buildOrderedBatch(crops, config.pitchEncoding),
    loss(batch: OrderedBatch, options: ForwardOptions = {}): LossResult {
      const [total, delay, pitch, duration, velocity] = tf.tidy(() =>
        heads.losses(trunk.apply(batch.inputs, options.training ? options.seed : undefined), batch),
      );
      return {
        total: total!,
        parts: { delay: delay!, pitch: pitch!, duration: duration!, velocity: velocity! },
      };
    },
    dispose: disposerOf(trunk, weights),
  };
}
