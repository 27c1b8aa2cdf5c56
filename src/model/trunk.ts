import * as tf from '@tensorflow/tfjs';
import type { RnnConfig } from './config.js';
import { alphaDropout, createDense, selu, type Dense, type NamedVariable } from './kernels/layers.js';
import { createRecurrentLayer } from './kernels/recurrent.js';

/**
 * The part every Howl network shares with the original (docs/original-system.md §5): a recurrent
 * layer over the sequence, then per step `blocks` × [Dense `denseUnits`, SELU, AlphaDropout], whose output is
 * concatenated with the recurrent output (block output first): `denseUnits + units` features per
 * step, which the heads read.
 *
 * Weight names: `rnn/kernel`, `rnn/recurrent_kernel`, `rnn/bias` (Keras layout), `dense1/kernel`,
 * `dense1/bias`, … `denseN/…`.
 */
export interface Trunk {
  /** Features per step: `denseUnits + units`. */
  readonly features: number;
  /** The trunk's variables under their stable names, in order. */
  readonly weights: readonly NamedVariable[];
  /**
   * The features of every step, `[B·T, features]` (row b·T + t).
   *
   * @param inputs - `[B, T, inputSize]`
   * @param dropSeed - dropout seed of this pass (undefined: dropout off)
   */
  apply(inputs: tf.Tensor3D, dropSeed: number | undefined): tf.Tensor2D;
  /** Frees the recurrent layer's own tensors (the caller disposes the variables). */
  dispose(): void;
}

/**
 * Creates the trunk of a network.
 *
 * @param config - the model's configuration (its `rnn`, `units`, `denseUnits`, `blocks`, `dropout`)
 * @param inputSize - floats per input step
 * @param prefix - engine-unique prefix of the tfjs variable names
 * @param nextSeed - draws the next initialisation seed
 * @returns the trunk
 */
export function createTrunk(
  config: RnnConfig,
  inputSize: number,
  prefix: string,
  nextSeed: () => number,
): Trunk {
  const rnn = createRecurrentLayer({
    kind: config.rnn,
    inputSize,
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
  return {
    features: config.denseUnits + config.units,
    weights,
    apply: (inputs, dropSeed) =>
      tf.tidy(() => {
        const [B, T] = inputs.shape;
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
        return tf.concat([h, recurrent], 1);
      }),
    dispose: () => rnn.dispose(),
  };
}

/**
 * A model's `dispose`: frees the trunk's own tensors and every variable (the trunk's and the
 * heads'), once; later calls do nothing.
 *
 * @param trunk - the model's trunk
 * @param weights - all the model's variables
 * @returns the dispose function
 */
export function disposerOf(trunk: Trunk, weights: readonly NamedVariable[]): () => void {
  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    trunk.dispose();
    for (const w of weights) if (!w.variable.isDisposed) w.variable.dispose();
  };
}

/** The masked mean cross-entropy, fused on the native kernels where they run (`kernels/head-ops.ts`). */
export { maskedCrossEntropy } from './kernels/head-ops.js';
