import type * as tf from '@tensorflow/tfjs';
import type { V1Row } from '../encoding/v1.js';
import type { ModelConfig, OriginalLstmConfig } from './config.js';
import type { V1Batch } from './batching/features.js';
import type { NamedVariable } from './kernels/layers.js';

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Training mode: dropout on. Default false. */
  training?: boolean;
  /**
   * Integer seed of this pass's dropout masks; with `training` and no seed, dropout is off. The
   * trainer draws one per step from its saved generator, so runs are reproducible and resumable.
   */
  seed?: number;
}

/** The outputs of the original network for every step. */
export interface ModelOutputs {
  /** `[B, T, 120]` next-pitch logits (softmax gives the probabilities). */
  readonly pitchLogits: tf.Tensor3D;
  /** `[B, T, 3]` next (delay, duration, volume), each in (0, 4). */
  readonly regression: tf.Tensor3D;
}

/** A loss and its named parts, all scalars. */
export interface LossResult {
  /** The quantity minimised. */
  readonly total: tf.Scalar;
  /** Its components, e.g. `{ pitch, regression }`, for logging. */
  readonly parts: Readonly<Record<string, tf.Scalar>>;
}

/**
 * A batch as a model builds it from V1 crops: the inputs and mask every model has, plus the
 * model's own targets (e.g. `V1Batch`'s pitch and regression). Dispose it when done.
 */
export interface ModelBatch {
  /** Examples. */
  readonly batch: number;
  /** Steps per example. */
  readonly steps: number;
  /** `[B, T, inputs]` float32. */
  readonly inputs: tf.Tensor3D;
  /** `[B, T]` float32, 1 on real steps. */
  readonly mask: tf.Tensor2D;
  /** Real steps in the batch (the sum of `mask`). */
  readonly tokens: number;
  /** Frees the tensors. */
  dispose(): void;
}

/**
 * A trainable model: what the trainer and the checkpoint format need. Every model reads V1 crops
 * (`encoding: 'v1'`) and builds its own batches from them.
 */
export interface Model<Batch extends ModelBatch = ModelBatch> {
  readonly config: ModelConfig;
  /** The note encoding its batches are built from. */
  readonly encoding: 'v1';
  /** Every trainable variable under its stable name, in a fixed order. */
  readonly weights: readonly NamedVariable[];
  /** The same variables, in the same order. */
  readonly variables: readonly tf.Variable[];
  /** Builds a batch (inputs, targets, mask) from V1 crops. */
  makeBatch(crops: readonly (readonly V1Row[])[]): Batch;
  /**
   * The real (scored) steps `makeBatch(crops)` will have, for a model whose batches do not score
   * every note but the first of each crop (an infill network's); absent: the crops' notes − 1.
   */
  scoredSteps?(crops: readonly (readonly V1Row[])[]): number;
  /** The masked training loss of a batch (differentiable). */
  loss(batch: Batch, options?: ForwardOptions): LossResult;
  /** Frees the variables. */
  dispose(): void;
}

/** The original network (`original-lstm`), which also exposes its whole-sequence forward pass. */
export interface OriginalLstmModel extends Model<V1Batch> {
  readonly config: OriginalLstmConfig;
  /** Runs the network on `[B, T, 123]` inputs. */
  forward(inputs: tf.Tensor3D, options?: ForwardOptions): ModelOutputs;
}
