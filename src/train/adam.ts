import * as tf from '@tensorflow/tfjs';
import type { NamedVariable } from '../model/kernels/layers.js';

/**
 * Adam (Kingma & Ba 2015) on TensorFlow.js ops, with the update rule of `tf.train.adam` and Keras
 * (`lrₜ = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`, `θ −= lrₜ·m/(√v + ε)`). Written here rather than using
 * `tf.train.adam` so the learning rate can change every step (schedule, NaN back-off) through a
 * public argument, and the moments are plain named tensors a checkpoint saves and restores exactly.
 */

/** Adam's hyper-parameters (defaults: TensorFlow's). */
export interface AdamOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/** Adam's state: the step count and the moment tensors, named `adam/m/<weight>` and `adam/v/<weight>`. */
export interface AdamState {
  readonly step: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly tensors: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    readonly data: Float32Array;
  }[];
}

/** The optimiser. */
export interface Adam {
  /** Updates applied so far. */
  readonly step: number;
  /**
   * Applies one update with learning rate `lr`.
   *
   * @param grads - one gradient per weight, in the weights' order
   * @param lr - the learning rate
   * @param scale - what every gradient is multiplied by first (global-norm clipping; default 1)
   */
  apply(grads: readonly tf.Tensor[], lr: number, scale?: number): void;
  /** The moment variables (every m, then every v), e.g. to `readBack` from a GPU before `getState`. */
  readonly moments: readonly tf.Variable[];
  /** A copy of the state. */
  getState(): AdamState;
  /** Restores a state saved by `getState` (for the same weights). */
  setState(state: AdamState): void;
  /** Frees the moment tensors. */
  dispose(): void;
}

let instances = 0;

/**
 * Creates an Adam optimiser for the given weights.
 *
 * @param weights - the model's named variables
 * @param options - β₁ (0.9), β₂ (0.999), ε (1e-7)
 * @returns the optimiser
 * @example const adam = createAdam(model.weights); adam.apply(grads, 1e-3);
 */
export function createAdam(weights: readonly NamedVariable[], options: AdamOptions = {}): Adam {
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-7;
  const prefix = `adam${++instances}/`;
  // In a tidy: a variable shares its initial value's data, and the zeros tensor itself would stay
  // tracked (and its data held) after the variable is disposed.
  const moment = (w: NamedVariable, kind: string): tf.Variable =>
    tf.tidy(() => tf.variable(tf.zerosLike(w.variable), false, `${prefix}${kind}/${w.name}`));
  const m = weights.map((w) => moment(w, 'm'));
  const v = weights.map((w) => moment(w, 'v'));
  let step = 0;
  return {
    get step() {
      return step;
    },
    moments: [...m, ...v],
    apply(grads, lr, scale = 1) {
      if (grads.length !== weights.length) {
        throw new Error(`adam: ${grads.length} gradients for ${weights.length} weights`);
      }
      step++;
      const lrT = (lr * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
      tf.tidy(() => {
        weights.forEach((w, i) => {
          const g = scale === 1 ? (grads[i] as tf.Tensor) : tf.mul(grads[i] as tf.Tensor, scale);
          const mi = m[i] as tf.Variable;
          const vi = v[i] as tf.Variable;
          const mNew = tf.add(tf.mul(mi, beta1), tf.mul(g, 1 - beta1));
          const vNew = tf.add(tf.mul(vi, beta2), tf.mul(tf.square(g), 1 - beta2));
          mi.assign(mNew);
          vi.assign(vNew);
          w.variable.assign(tf.sub(w.variable, tf.mul(tf.div(mNew, tf.add(tf.sqrt(vNew), epsilon)), lrT)));
        });
      });
    },
    getState() {
      const tensors = weights.flatMap((w, i) => [
        {
          name: `adam/m/${w.name}`,
          shape: [...w.variable.shape],
          data: (m[i] as tf.Variable).dataSync() as Float32Array,
        },
        {
          name: `adam/v/${w.name}`,
          shape: [...w.variable.shape],
          data: (v[i] as tf.Variable).dataSync() as Float32Array,
        },
      ]);
      return { step, beta1, beta2, epsilon, tensors: tensors.map((t) => ({ ...t, data: t.data.slice() })) };
    },
    setState(state) {
      const byName = new Map(state.tensors.map((t) => [t.name, t]));
      weights.forEach((w, i) => {
        for (const [kind, target] of [
          ['m', m[i]],
          ['v', v[i]],
        ] as const) {
          const saved = byName.get(`adam/${kind}/${w.name}`);
          if (!saved) throw new Error(`adam state has no adam/${kind}/${w.name}`);
          if (saved.shape.join() !== w.variable.shape.join()) {
            throw new Error(
              `adam state adam/${kind}/${w.name} has shape [${saved.shape.join()}], the weight [${w.variable.shape.join()}]`,
            );
          }
          tf.tidy(() => (target as tf.Variable).assign(tf.tensor(saved.data, w.variable.shape)));
        }
      });
      step = state.step;
    },
    dispose() {
      tf.dispose([...m, ...v]);
    },
  };
}
