import * as tf from '@tensorflow/tfjs';
import { createRng } from '../random/rng.js';
import type { OriginalLstmConfig } from './config.js';
import { buildV1Batch, INPUT_FEATURES, REGRESSION_FEATURES, REGRESSION_MAX } from './batching/features.js';
import { createDense, type NamedVariable } from './kernels/layers.js';
import type { ForwardOptions, LossResult, ModelOutputs, OriginalLstmModel } from './model.js';
import { createTrunk, disposerOf, maskedCrossEntropy } from './trunk.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

let instances = 0;

/** Weight of the regression term in the loss: cross-entropy + 3 × MSE, as the original. */
export const REGRESSION_LOSS_WEIGHT = 3;

/**
 * The original system's network (docs/original-system.md §5), for every step of `[B, T, 123]` inputs:
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
export function createOriginalLstm(config: OriginalLstmConfig, seed: number): OriginalLstmModel {
  const prefix = `howl${++instances}/`;
  const seeds = createRng(seed);
  const nextSeed = (): number => seeds.int(0, 2 ** 31 - 1);
  const trunk = createTrunk(config, INPUT_FEATURES, prefix, nextSeed);
  const weights: NamedVariable[] = [...trunk.weights];
  const headInput = config.denseUnits + config.units;
  const pitchHead = createDense('pitch', headInput, PITCH_COUNT, 'glorot-uniform', nextSeed(), prefix);
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
      const features = trunk.apply(inputs, options.training ? options.seed : undefined);
      const pitchLogits = tf.reshape(pitchHead.layer.apply(features), [B, T, PITCH_COUNT]) as tf.Tensor3D;
      const regression = tf.reshape(
        tf.mul(tf.sigmoid(regressionHead.layer.apply(features)), REGRESSION_MAX),
        [B, T, REGRESSION_FEATURES],
      ) as tf.Tensor3D;
      return { pitchLogits, regression };
    });

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
        const mask = tf.reshape(batch.mask, [N]) as tf.Tensor1D;
        const count = tf.maximum(tf.sum(mask), 1) as tf.Scalar;
        const ceMean = maskedCrossEntropy(
          tf.reshape(pitchLogits, [N, PITCH_COUNT]),
          tf.reshape(batch.pitch, [N]) as tf.Tensor1D,
          mask,
          count,
        );
        const squared = tf.mean(tf.square(tf.sub(predicted, batch.regression)), 2);
        const mseMean = tf.div(tf.sum(tf.mul(tf.reshape(squared, [N]), mask)), count) as tf.Scalar;
        return [tf.add(ceMean, tf.mul(mseMean, REGRESSION_LOSS_WEIGHT)) as tf.Scalar, ceMean, mseMean];
      });
      return { total, parts: { pitch, regression } };
    },
    dispose: disposerOf(trunk, weights),
  };
}
