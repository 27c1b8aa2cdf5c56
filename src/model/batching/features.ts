import * as tf from '@tensorflow/tfjs';
import type { V1Row } from '../../encoding/v1.js';
import { InvalidArgumentError } from '../../errors.js';
import { PITCH_COUNT } from '../../score/clamp-pitch.js';

/**
 * From V1 rows to the original network's inputs and targets (docs/original-system.md §5).
 *
 * Step t of an example of n rows (t = 0 .. n−2):
 * - input: `[delay, duration, volume]` of row t (as they are, not clipped) followed by the one-hot
 *   pitch of row t (120 values, index = pitch + 60): 123 floats;
 * - targets (teacher forcing): the pitch index of row t+1, and `[delay, duration, volume]` of row
 *   t+1 clipped to [0, 4], the range of the sigmoid×4 head (a delay can be a few ms below 0, see
 *   `encodeV1`; a note longer than 4 s cannot be predicted anyway, and clipping keeps the squared
 *   error of such outliers from dominating the loss).
 *
 * A batch of crops of different lengths is padded to the longest (n−1 steps); `mask` is 1 on real
 * steps and 0 on padding, which inputs and targets fill with zeros.
 */

/** Real-valued features per step: delay, duration, volume. */
export const REGRESSION_FEATURES = 3;
/** Values per input step: 3 reals + 120 one-hot. */
export const INPUT_FEATURES = REGRESSION_FEATURES + PITCH_COUNT;
/** Upper end of the regression head's range (sigmoid × 4); targets are clipped to [0, this]. */
export const REGRESSION_MAX = 4;

/** A batch as plain typed arrays (row-major), built without touching TensorFlow.js. */
export interface V1BatchArrays {
  /** Examples. */
  readonly batch: number;
  /** Steps per example (the longest crop's rows − 1). */
  readonly steps: number;
  /** `[batch, steps, 123]` inputs. */
  readonly inputs: Float32Array;
  /** `[batch, steps]` next-pitch indices 0..119 (0 on padding). */
  readonly pitch: Int32Array;
  /** `[batch, steps, 3]` next (delay, duration, volume), clipped to [0, 4]. */
  readonly regression: Float32Array;
  /** `[batch, steps]` 1 on real steps, 0 on padding. */
  readonly mask: Float32Array;
  /** Real (unpadded) steps in the batch. */
  readonly tokens: number;
}

/** A batch as tensors, ready for a model's `loss`. Dispose it when done. */
export interface V1Batch {
  readonly batch: number;
  readonly steps: number;
  /** `[B, T, 123]` float32. */
  readonly inputs: tf.Tensor3D;
  /** `[B, T]` int32 next-pitch indices. */
  readonly pitch: tf.Tensor2D;
  /** `[B, T, 3]` float32 regression targets. */
  readonly regression: tf.Tensor3D;
  /** `[B, T]` float32 mask. */
  readonly mask: tf.Tensor2D;
  /** Real steps in the batch (the sum of `mask`). */
  readonly tokens: number;
  /** Frees the tensors. */
  dispose(): void;
}

const clip = (x: number): number => (x > REGRESSION_MAX ? REGRESSION_MAX : x > 0 ? x : 0);

function pitchIndex(row: V1Row, where: string): number {
  const index = row[3] + 60;
  if (!Number.isInteger(index) || index < 0 || index >= PITCH_COUNT) {
    throw new InvalidArgumentError(`${where}: pitch ${String(row[3])} is not an integer in -60..59`);
  }
  return index;
}

/**
 * Builds the inputs, targets and mask of a batch of V1 crops as typed arrays.
 *
 * @param crops - V1 crops (e.g. `createCropSampler(...).nextBatch(64)`); each needs ≥ 2 rows
 * @param steps - steps per example; default the longest crop's rows − 1 (longer crops are an error)
 * @returns the arrays
 * @throws InvalidArgumentError for an empty batch, a crop of fewer than 2 rows, a crop longer than
 *   `steps` + 1, a bad pitch or a non-finite value
 * @example encodeV1Batch([[[0, 1, 1, 0], [0.5, 1, 1, 2]]]).pitch; // Int32Array [62]
 */
export function encodeV1Batch(crops: readonly (readonly V1Row[])[], steps?: number): V1BatchArrays {
  if (crops.length === 0) throw new InvalidArgumentError('a batch needs at least one crop');
  const longest = Math.max(...crops.map((c) => c.length));
  const T = steps ?? longest - 1;
  if (!Number.isSafeInteger(T) || T < 1) {
    throw new InvalidArgumentError(`a batch needs crops of at least 2 notes (got ${longest})`);
  }
  const B = crops.length;
  const inputs = new Float32Array(B * T * INPUT_FEATURES);
  const pitch = new Int32Array(B * T);
  const regression = new Float32Array(B * T * REGRESSION_FEATURES);
  const mask = new Float32Array(B * T);
  let tokens = 0;
  crops.forEach((rows, b) => {
    if (rows.length < 2)
      throw new InvalidArgumentError(`crop ${b} has ${rows.length} notes; at least 2 needed`);
    if (rows.length - 1 > T) {
      throw new InvalidArgumentError(`crop ${b} has ${rows.length} notes, more than ${T} steps + 1`);
    }
    for (let t = 0; t + 1 < rows.length; t++) {
      const row = rows[t] as V1Row;
      const next = rows[t + 1] as V1Row;
      const where = `crop ${b} row ${t}`;
      for (let j = 0; j < 3; j++) {
        if (!Number.isFinite(row[j]) || !Number.isFinite(next[j])) {
          throw new InvalidArgumentError(`${where}: a delay, duration or volume is not finite`);
        }
      }
      const k = b * T + t;
      const at = k * INPUT_FEATURES;
      inputs[at] = row[0];
      inputs[at + 1] = row[1];
      inputs[at + 2] = row[2];
      inputs[at + REGRESSION_FEATURES + pitchIndex(row, where)] = 1;
      pitch[k] = pitchIndex(next, `crop ${b} row ${t + 1}`);
      regression[k * 3] = clip(next[0]);
      regression[k * 3 + 1] = clip(next[1]);
      regression[k * 3 + 2] = clip(next[2]);
      mask[k] = 1;
      tokens++;
    }
  });
  return { batch: B, steps: T, inputs, pitch, regression, mask, tokens };
}

/**
 * Turns batch arrays into tensors.
 *
 * @param arrays - from `encodeV1Batch`
 * @returns the tensors; call `dispose()` when done
 */
export function v1BatchToTensors(arrays: V1BatchArrays): V1Batch {
  const { batch: B, steps: T } = arrays;
  const inputs = tf.tensor3d(arrays.inputs, [B, T, INPUT_FEATURES]);
  const pitch = tf.tensor2d(arrays.pitch, [B, T], 'int32');
  const regression = tf.tensor3d(arrays.regression, [B, T, REGRESSION_FEATURES]);
  const mask = tf.tensor2d(arrays.mask, [B, T]);
  return {
    batch: B,
    steps: T,
    inputs,
    pitch,
    regression,
    mask,
    tokens: arrays.tokens,
    dispose() {
      tf.dispose([inputs, pitch, regression, mask]);
    },
  };
}

/**
 * Builds a tensor batch from V1 crops: `v1BatchToTensors(encodeV1Batch(crops, steps))`.
 *
 * @param crops - V1 crops of ≥ 2 rows
 * @param steps - steps per example (default: longest crop − 1)
 * @returns the batch; call `dispose()` when done
 * @throws InvalidArgumentError as `encodeV1Batch`
 */
export function buildV1Batch(crops: readonly (readonly V1Row[])[], steps?: number): V1Batch {
  return v1BatchToTensors(encodeV1Batch(crops, steps));
}
