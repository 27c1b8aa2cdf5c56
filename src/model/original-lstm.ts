import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random/rng.js';
import type { OriginalLstmConfig } from './config.js';
import {
  buildV1Batch,
  INPUT_FEATURES,
  PITCH_CLASSES,
  REGRESSION_FEATURES,
  REGRESSION_MAX,
} from './features.js';
import { alphaDropout, createDense, selu, type Dense, type NamedVariable } from './layers.js';
import type { ForwardOptions, LossResult, Model, ModelOutputs } from './model.js';
import { createRecurrentLayer } from './recurrent.js';

let instances = 0;

/** Weight of the regression term in the loss: cross-entropy + 3 × MSE, as the original. */
export const REGRESSION_LOSS_WEIGHT = 3;

/**
 * The original system's network (spec §5), for every step of `[B, T, 123]` inputs:
 *
 * 1. a recurrent layer (`config.rnn`, `config.units`) over the sequence → `[B, T, H]`;
 * 2. per step, the self-normalising block: `config.blocks` × [Dense `denseUnits`, SELU,
 *    AlphaDropout `dropout` (training only)], whose output is concatenated with the block's input
 *    (the recurrent output): `[denseUnits + H]`, block output first;
 * 3. two heads on that: Dense 120 (next-pitch logits; softmax for probabilities) and Dense 3 +
 *    sigmoid × 4 (next delay, duration, volume).
 *
 * Loss = masked mean cross-entropy of the next pitch + 3 × masked mean (over steps and the three
 * values) squared error of the regression; padded steps (mask 0) count for nothing.
 *
 * Weight names (stable, used by checkpoints): `rnn/kernel`, `rnn/recurrent_kernel`, `rnn/bias`
 * (Keras layout, from the recurrent layer), `dense1/kernel`, `dense1/bias`, … `denseN/…`,
 * `pitch/kernel`, `pitch/bias`, `regression/kernel`, `regression/bias`.
 *
 * @param config - the configuration
 * @param seed - integer seed of the initial weights
 * @returns the model
 */
export function createOriginalLstm(config: OriginalLstmConfig, seed: number): Model {
  const prefix = `howl${++instances}/`;
  const seeds = createRng(seed);
  const nextSeed = (): number => seeds.int(0, 2 ** 31 - 1);
  const rnn = createRecurrentLayer({
    kind: config.rnn,
    inputSize: INPUT_FEATURES,
    units: config.units,
    seed: nextSeed(),
    name: `${prefix}rnn`,
  });
  const weights: NamedVariable[] = rnn.variables.map((variable) => ({
    name: variable.name.startsWith(prefix) ? variable.name.slice(prefix.length) : variable.name,
    variable,
  }));
  const blocks: Dense[] = [];
  let width = config.units;
  for (let i = 0; i < config.blocks; i++) {
    const { layer, variables } = createDense(
      `dense${i + 1}`,
      width,
      config.denseUnits,
      'lecun-normal',
      nextSeed(),
      prefix,
    );
    blocks.push(layer);
    weights.push(...variables);
    width = config.denseUnits;
  }
  const headInput = config.denseUnits + config.units;
  const pitchHead = createDense('pitch', headInput, PITCH_CLASSES, 'glorot-uniform', nextSeed(), prefix);
  const regressionHead = createDense(
    'regression',
    headInput,
    REGRESSION_FEATURES,
    'glorot-uniform',
    nextSeed(),
    prefix,
  );
  weights.push(...pitchHead.variables, ...regressionHead.variables);
  const variables = weights.map((w) => w.variable);

  const forward = (inputs: tf.Tensor3D, options: ForwardOptions = {}): ModelOutputs =>
    tf.tidy(() => {
      const [B, T] = inputs.shape;
      const dropSeed = options.training ? options.seed : undefined;
      // The final state is left to tidy: disposing it here could free a tensor the backward pass needs.
      const { outputs } = rnn.forward(inputs);
      const recurrent = tf.reshape(outputs, [B * T, config.units]) as tf.Tensor2D;
      let h = recurrent;
      blocks.forEach((dense, i) => {
        h = alphaDropout(
          selu(dense.apply(h)),
          config.dropout,
          dropSeed === undefined ? undefined : dropSeed + i,
        );
      });
      const features = tf.concat([h, recurrent], 1);
      const pitchLogits = tf.reshape(pitchHead.layer.apply(features), [B, T, PITCH_CLASSES]) as tf.Tensor3D;
      const regression = tf.reshape(
        tf.mul(tf.sigmoid(regressionHead.layer.apply(features)), REGRESSION_MAX),
        [B, T, REGRESSION_FEATURES],
      ) as tf.Tensor3D;
      return { pitchLogits, regression };
    });

  let disposed = false;
  return {
    config,
    encoding: 'v1',
    weights,
    variables,
    makeBatch: (crops) => buildV1Batch(crops),
    forward,
    loss(batch, options = {}): LossResult {
      const [total, pitch, regression] = tf.tidy(() => {
        const { pitchLogits, regression: predicted } = forward(batch.inputs, options);
        const N = batch.batch * batch.steps;
        const mask = tf.reshape(batch.mask, [N]);
        const count = tf.maximum(tf.sum(mask), 1);
        const logp = tf.logSoftmax(tf.reshape(pitchLogits, [N, PITCH_CLASSES]) as tf.Tensor2D);
        const target = tf.oneHot(tf.reshape(batch.pitch, [N]) as tf.Tensor1D, PITCH_CLASSES);
        const ce = tf.neg(tf.sum(tf.mul(logp, target), 1));
        const squared = tf.mean(tf.square(tf.sub(predicted, batch.regression)), 2);
        const ceMean = tf.div(tf.sum(tf.mul(ce, mask)), count) as tf.Scalar;
        const mseMean = tf.div(tf.sum(tf.mul(tf.reshape(squared, [N]), mask)), count) as tf.Scalar;
        return [tf.add(ceMean, tf.mul(mseMean, REGRESSION_LOSS_WEIGHT)) as tf.Scalar, ceMean, mseMean];
      });
      return { total, parts: { pitch, regression } };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      rnn.dispose();
      for (const w of weights) if (!w.variable.isDisposed) w.variable.dispose();
    },
  };
}
