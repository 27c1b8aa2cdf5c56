import * as tf from '@tensorflow/tfjs';
import { timeBin, velocityBin } from '../../encoding/grid.js';
import {
  ORDERED_REALS,
  orderedInputFeatures,
  pitchInputIndices,
  PITCHES_PER_OCTAVE,
  writeOrderedReals,
  type PitchEncoding,
} from '../../encoding/ordered-input.js';
import type { V1Row } from '../../encoding/v1.js';
import { PITCH_COUNT } from '../../score/clamp-pitch.js';
import type { ModelBatch } from '../model.js';
import { encodeV1Batch } from './features.js';

/**
 * From V1 rows to the ordered network's inputs and targets (`src/model/ordered-rnn.ts`).
 *
 * Step t of an example reads row t and predicts row t + 1, as the original (`features.ts`), but:
 * - the input adds the logarithm of the delay and the duration to the three reals, so that short
 *   times (a chord's few ms, a staccato) are as distinct to the network as long ones:
 *   `[delay, duration, volume, ln(delay + 0.01) / 4, ln(duration + 0.01) / 4]` + one-hot pitch
 *   (125 floats);
 * - the targets are the next note's bins on the shared grid (`src/encoding/grid.ts`): delay and
 *   duration in 10 ms bins to 4 s plus overflow (401), pitch (120), velocity in 32 bins.
 */

/** An ordered batch as typed arrays (row-major). */
export interface OrderedBatchArrays {
  readonly batch: number;
  readonly steps: number;
  /** `[batch, steps, width]` inputs (`orderedInputFeatures(encoding)` floats, more for an infill network). */
  readonly inputs: Float32Array;
  /** `[batch, steps]` next delay bin 0..400. */
  readonly delay: Int32Array;
  /** `[batch, steps]` next pitch 0..119. */
  readonly pitch: Int32Array;
  /** `[batch, steps]` the next pitch's octave 0..9 and pitch class 0..11. */
  readonly octave: Int32Array;
  readonly pitchClass: Int32Array;
  /** `[batch, steps]` next duration bin 0..400. */
  readonly duration: Int32Array;
  /** `[batch, steps]` next velocity bin 0..31. */
  readonly velocity: Int32Array;
  /** `[batch, steps]` 1 on real steps. */
  readonly mask: Float32Array;
  readonly tokens: number;
}

/** An ordered batch as tensors. */
export interface OrderedBatch extends ModelBatch {
  /** `[B, T]` int32 targets. */
  readonly delay: tf.Tensor2D;
  readonly pitch: tf.Tensor2D;
  readonly octave: tf.Tensor2D;
  readonly pitchClass: tf.Tensor2D;
  readonly duration: tf.Tensor2D;
  readonly velocity: tf.Tensor2D;
}

/**
 * Builds the ordered network's inputs and binned targets from V1 crops.
 *
 * @param crops - V1 crops of ≥ 2 rows
 * @param encoding - how the input reads pitch (default one-hot)
 * @param steps - steps per example (default: the longest crop's rows − 1)
 * @returns the arrays
 * @throws InvalidArgumentError as `encodeV1Batch`
 */
export function encodeOrderedBatch(
  crops: readonly (readonly V1Row[])[],
  encoding: PitchEncoding = 'one-hot',
  steps?: number,
): OrderedBatchArrays {
  const v1 = encodeV1Batch(crops, steps);
  const n = v1.batch * v1.steps;
  const width = orderedInputFeatures(encoding);
  const inputs = new Float32Array(n * width);
  const octave = new Int32Array(n);
  const pitchClass = new Int32Array(n);
  const indices = new Int32Array(2);
  const delay = new Int32Array(n);
  const duration = new Int32Array(n);
  const velocity = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    if (!v1.mask[k]) continue;
    const from = k * (3 + PITCH_COUNT);
    const at = k * width;
    const row: V1Row = [v1.inputs[from]!, v1.inputs[from + 1]!, v1.inputs[from + 2]!, 0];
    writeOrderedReals(row, inputs, at);
    const current = v1.inputs.subarray(from + 3, from + 3 + PITCH_COUNT).indexOf(1);
    const ones = pitchInputIndices(encoding, current, indices);
    for (let j = 0; j < ones; j++) inputs[at + ORDERED_REALS + indices[j]!] = 1;
    const next = v1.pitch[k]!;
    octave[k] = Math.floor(next / PITCHES_PER_OCTAVE);
    pitchClass[k] = next % PITCHES_PER_OCTAVE;
    delay[k] = timeBin(v1.regression[k * 3]!);
    duration[k] = timeBin(v1.regression[k * 3 + 1]!);
    velocity[k] = velocityBin(v1.regression[k * 3 + 2]! * 127);
  }
  return {
    batch: v1.batch,
    steps: v1.steps,
    inputs,
    delay,
    pitch: v1.pitch,
    octave,
    pitchClass,
    duration,
    velocity,
    mask: v1.mask,
    tokens: v1.tokens,
  };
}

/**
 * Builds a tensor batch for the ordered network.
 *
 * @param crops - V1 crops of ≥ 2 rows
 * @param encoding - how the input reads pitch (default one-hot)
 * @param steps - steps per example (default: the longest crop − 1)
 * @returns the batch; call `dispose()` when done
 */
export function buildOrderedBatch(
  crops: readonly (readonly V1Row[])[],
  encoding: PitchEncoding = 'one-hot',
  steps?: number,
): OrderedBatch {
  return orderedBatchTensors(encodeOrderedBatch(crops, encoding, steps), orderedInputFeatures(encoding));
}

/**
 * An ordered batch's arrays as tensors.
 *
 * @param a - the arrays
 * @param width - floats per input step
 * @returns the batch; call `dispose()` when done
 */
export function orderedBatchTensors(a: OrderedBatchArrays, width: number): OrderedBatch {
  const { batch: B, steps: T } = a;
  const inputs = tf.tensor3d(a.inputs, [B, T, width]);
  const ints = (values: Int32Array) => tf.tensor2d(values, [B, T], 'int32');
  const delay = ints(a.delay);
  const pitch = ints(a.pitch);
  const octave = ints(a.octave);
  const pitchClass = ints(a.pitchClass);
  const duration = ints(a.duration);
  const velocity = ints(a.velocity);
  const mask = tf.tensor2d(a.mask, [B, T]);
  return {
    batch: B,
    steps: T,
    inputs,
    delay,
    pitch,
    octave,
    pitchClass,
    duration,
    velocity,
    mask,
    tokens: a.tokens,
    dispose() {
      tf.dispose([inputs, delay, pitch, octave, pitchClass, duration, velocity, mask]);
    },
  };
}
