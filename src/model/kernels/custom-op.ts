import * as tf from '@tensorflow/tfjs';

/**
 * Differentiable ops with hand-written gradients, and two fast elementwise helpers, shared by the
 * recurrent kernels.
 */

/** The gradient of each input of a `customOp`, computed only when the tape asks for it. */
export type LazyGradients = (dy: tf.Tensor, saved: tf.Tensor[]) => (() => tf.Tensor)[];

interface EngineInternals {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: tf.GradSaveFunc) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor;
}

/**
 * Like `tf.customGrad`, but each input's gradient is a thunk that tfjs calls only for inputs on
 * the path to the differentiated variables (so e.g. `dx` of a data batch is never formed). Uses
 * the engine's `runKernelFunc`, the function `tf.customGrad` itself is built on (tfjs 4.22.0);
 * falls back to `tf.customGrad` (all gradients computed) if that is ever missing.
 *
 * @param f - forward: returns the value and the lazy gradient function; `save` keeps tensors
 *   for the backward pass (only while a gradient tape records)
 * @returns the differentiable op
 */
export function customOp(
  f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradients: LazyGradients },
): (...inputs: tf.Tensor[]) => tf.Tensor {
  return (...inputs: tf.Tensor[]): tf.Tensor => {
    const engine = tf.engine() as unknown as Partial<EngineInternals>;
    if (typeof engine.runKernelFunc !== 'function') {
      const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const { value, gradients } = f(
          args.slice(0, -1) as tf.Tensor[],
          args[args.length - 1] as tf.GradSaveFunc,
        );
        return {
          value,
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => gradients(dy, saved).map((g) => g()),
        };
      }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...a: tf.Tensor[]) => tf.Tensor;
      return op(...inputs);
    }
    let gradients: LazyGradients | undefined;
    return engine.runKernelFunc({
      forwardFunc: (_backend, save) => {
        const result = f(inputs, save);
        gradients = result.gradients;
        return result.value;
      },
      backwardsFunc: (dy, saved) => {
        const thunks = gradients!(dy, saved);
        return Object.fromEntries(thunks.map((g, k) => [String(k), g]));
      },
      inputs: Object.fromEntries(inputs.map((t, k) => [String(k), t])),
    });
  };
}

/** tanh via the wasm backend's fast (XNNPACK) sigmoid: tanh(x) = 2σ(2x) − 1. */
export function fastTanh(x: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1);
}

/** Column sums of a `[N, k]` matrix as a matrix product (much faster than `tf.sum(x, 0)` on wasm). */
export function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  const [N, k] = x.shape;
  return tf.reshape(tf.matMul(tf.ones([1, N]), x), [k]);
}
