import * as tf from '@tensorflow/tfjs';
import { TIME_BINS, VELOCITY_BINS } from '../encoding/grid.js';
import { OCTAVES, PITCHES_PER_OCTAVE, type PitchEncoding } from '../encoding/ordered-input.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';
import type { Dense, KernelInit } from './kernels/layers.js';
import { oneHotDense, selu } from './kernels/head-ops.js';
import type { OrderedBatch } from './batching/ordered-features.js';
import { maskedCrossEntropy } from './trunk.js';

/**
 * The ordered heads every distributional network shares (`ordered-rnn.ts`, `transformer.ts`): on a
 * trunk's features `f` per note, with `E = headUnits` and `onehot(·)` the one-hot of a chosen bin,
 *
 * 1. context `a = f·W_context + b` (E);
 * 2. **delay** logits (401) `= selu(a)·W_delay + b`;
 * 3. **pitch** logits (120) `= f·W_pitch + b + selu(a + onehot(delay)·W_pitch_delay + b)·W_pitch_hidden + b`;
 * 4. `r = selu(a + onehot(delay)·W_rest_delay + b + onehot(pitch)·W_rest_pitch + b)`;
 *    **duration** logits (401) `= r·W_duration + b`, **velocity** logits (32) `= r·W_velocity + b`.
 *
 * With `pitchEncoding: 'octave-class'` step 3 gives the octave's logits (10) instead; then
 * `c = selu(hp + onehot(octave)·W_class_octave + b)` (hp the selu term of step 3) and the pitch
 * class's logits (12) `= f·W_class + b + c·W_class_hidden + b`: p(pitch) = p(octave) · p(class | octave).
 *
 * So p(note) = p(delay) · p(pitch | delay) · p(duration | delay, pitch) · p(velocity | delay, pitch),
 * each given the piece so far. Training feeds the real delay and pitch (teacher forcing); generation
 * samples them in that order (`src/inference/ordered-heads-step.ts`). The loss is the sum of the four
 * masked mean cross-entropies: the negative log-likelihood in nats per note on the shared grid.
 *
 * Weight names: `context`, `delay`, `pitch`, `pitch_delay`, `pitch_hidden`, (`class`,
 * `class_octave`, `class_hidden`,) `rest_delay`, `rest_pitch`, `duration`, `velocity` (each
 * `/kernel`, `/bias`; Keras layout), created in that order.
 */

/** Makes a dense layer and records its variables (the caller's seed order and prefix). */
export type DenseFactory = (name: string, inputs: number, outputs: number, init: KernelInit) => Dense;

/** The heads of a distributional network. */
export interface OrderedHeads {
  /**
   * The loss of a batch and its four parts, on the trunk's features (inside the caller's tidy).
   *
   * @param f - `[B·T, F]` features, row b·T + t
   * @param batch - the batch's targets and mask
   * @returns `[total, delay, pitch, duration, velocity]`, scalars
   */
  losses(f: tf.Tensor2D, batch: OrderedBatch): tf.Scalar[];
}

/**
 * Creates the heads over `F` trunk features.
 *
 * @param F - features per note
 * @param headUnits - `E`, the heads' hidden width
 * @param pitchEncoding - how pitch is predicted
 * @param dense - creates each layer (in the order above)
 * @returns the heads
 */
export function createOrderedHeads(
  F: number,
  headUnits: number,
  pitchEncoding: PitchEncoding,
  dense: DenseFactory,
): OrderedHeads {
  const E = headUnits;
  const octaveClass = pitchEncoding === 'octave-class';
  const context = dense('context', F, E, 'lecun-normal');
  const delayHead = dense('delay', E, TIME_BINS, 'glorot-uniform');
  // One-hot: the pitch head gives the 120 classes. Octave-class: it gives the 10 octaves, and a
  // second head gives the 12 pitch classes given the octave.
  const pitchOutputs = octaveClass ? OCTAVES : PITCH_COUNT;
  const pitchHead = dense('pitch', F, pitchOutputs, 'glorot-uniform');
  const pitchDelay = dense('pitch_delay', TIME_BINS, E, 'glorot-uniform');
  const pitchHidden = dense('pitch_hidden', E, pitchOutputs, 'glorot-uniform');
  const classHeads = octaveClass
    ? {
        head: dense('class', F, PITCHES_PER_OCTAVE, 'glorot-uniform'),
        octave: dense('class_octave', OCTAVES, E, 'glorot-uniform'),
        hidden: dense('class_hidden', E, PITCHES_PER_OCTAVE, 'glorot-uniform'),
      }
    : null;
  const restDelay = dense('rest_delay', TIME_BINS, E, 'glorot-uniform');
  const restPitch = dense('rest_pitch', PITCH_COUNT, E, 'glorot-uniform');
  const durationHead = dense('duration', E, TIME_BINS, 'glorot-uniform');
  const velocityHead = dense('velocity', E, VELOCITY_BINS, 'glorot-uniform');

  return {
    losses(f, batch) {
      const N = batch.batch * batch.steps;
      const flat = (t: tf.Tensor2D) => tf.reshape(t, [N]) as tf.Tensor1D;
      const mask = tf.reshape(batch.mask, [N]) as tf.Tensor1D;
      const count = tf.maximum(tf.sum(mask), 1) as tf.Scalar;
      const delayTarget = flat(batch.delay);
      const pitchTarget = flat(batch.pitch);
      const a = context.apply(f);
      const hp = selu(tf.add(a, oneHotDense(pitchDelay, delayTarget, TIME_BINS)) as tf.Tensor2D);
      const pitchLogits = tf.add(pitchHead.apply(f), pitchHidden.apply(hp)) as tf.Tensor2D;
      let pitchLoss: tf.Scalar;
      if (classHeads) {
        const octaveTarget = flat(batch.octave);
        const hc = selu(tf.add(hp, oneHotDense(classHeads.octave, octaveTarget, OCTAVES)) as tf.Tensor2D);
        const classLogits = tf.add(classHeads.head.apply(f), classHeads.hidden.apply(hc)) as tf.Tensor2D;
        pitchLoss = tf.add(
          maskedCrossEntropy(pitchLogits, octaveTarget, mask, count),
          maskedCrossEntropy(classLogits, flat(batch.pitchClass), mask, count),
        ) as tf.Scalar;
      } else {
        pitchLoss = maskedCrossEntropy(pitchLogits, pitchTarget, mask, count);
      }
      const r = selu(
        tf.addN([
          a,
          oneHotDense(restDelay, delayTarget, TIME_BINS),
          oneHotDense(restPitch, pitchTarget, PITCH_COUNT),
        ]) as tf.Tensor2D,
      );
      const parts = [
        maskedCrossEntropy(delayHead.apply(selu(a)), delayTarget, mask, count),
        pitchLoss,
        maskedCrossEntropy(durationHead.apply(r), flat(batch.duration), mask, count),
        maskedCrossEntropy(velocityHead.apply(r), flat(batch.velocity), mask, count),
      ];
      return [tf.addN(parts) as tf.Scalar, ...parts];
    },
  };
}
