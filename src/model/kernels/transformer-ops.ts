import * as tf from '@tensorflow/tfjs';
import { customOp, type LazyGradients } from './custom-op.js';
import type { NativeKernels } from './native-kernels.js';
import { nativeSequenceReady } from './native-sequence.js';

/**
 * The transformer's layer norm, `(x − mean)/√(var + eps)·gamma + beta` over the last axis, fused on
 * the training kernels (native or WebAssembly: one pass over each row, the rows split between the
 * threads, and the gradient in one more) where they are registered and the backend keeps its data on
 * the CPU; elsewhere (webgpu, or no kernels) the same math as plain TensorFlow.js ops, whose autodiff
 * runs about 25 element-wise ops. On the native kernels this took a 2-thread transformer step from
 * 1.20-1.24 s to 1.05 s.
 *
 * A fused attention softmax (scale, ALiBi bias, mask and softmax in one pass) was tried and made the
 * step slower on both kernels: its [B·H·T, T] tensors (67 MB a layer at B 64, T 256, 4 heads) cross
 * between TensorFlow.js and the kernels several times, which costs more than TensorFlow.js's own
 * softmax and its gradient.
 */

function floats(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** The fused layer norm: inputs x [N, d], gamma [d], beta [d]. */
function fusedLayerNorm(eps: number): (...inputs: tf.Tensor[]) => tf.Tensor {
  return customOp((inputs) => {
    const k = nativeSequenceReady() as NativeKernels;
    const [x, gamma, beta] = inputs as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    const [N, d] = x.shape;
    const xv = floats(x);
    const gv = floats(gamma);
    const y = new Float32Array(N * d);
    const stats = new Float32Array(2 * N);
    k.layerNorm(N, d, xv, gv, floats(beta), eps, y, stats);
    let grads: { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array } | undefined;
    const gradients: LazyGradients = (dy) => {
      const core = () => {
        if (grads === undefined) {
          grads = { dx: new Float32Array(N * d), dgamma: new Float32Array(d), dbeta: new Float32Array(d) };
          k.layerNormBackward(N, d, xv, gv, stats, floats(dy), grads.dx, grads.dgamma, grads.dbeta);
        }
        return grads;
      };
      return [
        () => tf.tensor2d(core().dx, [N, d]),
        () => tf.tensor1d(core().dgamma),
        () => tf.tensor1d(core().dbeta),
      ];
    };
    return { value: tf.tensor2d(y, [N, d]), gradients };
  });
}

const layerNormOps = new Map<number, (...inputs: tf.Tensor[]) => tf.Tensor>();

/**
 * Layer norm over the last axis of `x [N, d]`.
 *
 * @param x - the rows
 * @param gamma - `[d]` scale
 * @param beta - `[d]` shift
 * @param eps - added to the variance
 * @returns `[N, d]`
 */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor2D {
  if (nativeSequenceReady() !== null) {
    let op = layerNormOps.get(eps);
    if (op === undefined) layerNormOps.set(eps, (op = fusedLayerNorm(eps)));
    return op(x, gamma, beta) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    const mean = tf.mean(x, 1, true);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), 1, true);
    return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
  });
}
