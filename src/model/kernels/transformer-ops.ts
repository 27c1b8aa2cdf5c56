import * as tf from '@tensorflow/tfjs';
import { customOp, type LazyGradients } from './custom-op.js';
import { nativeKernels, type NativeKernels } from './native-kernels.js';
import { nativeSequenceReady } from './native-sequence.js';
import { handBack, readFloats, takeFloats, tensorFrom } from './reused-arrays.js';
import type { WasmBackend } from './wasm-native-kernels.js';
import { alibiSlopes } from '../alibi.js';

/**
 * The transformer's layer norm, `(x − mean)/√(var + eps)·gamma + beta` over the last axis, fused on
 * the training kernels (native or WebAssembly: one pass over each row, the rows split between the
 * threads, and the gradient in one more) where they are registered and the backend keeps its data on
 * the CPU; elsewhere (webgpu, or no kernels) the same math as plain TensorFlow.js ops, whose autodiff
 * runs about 25 element-wise ops. On the native kernels this took a 2-thread transformer step from
 * 1.20-1.24 s to 1.05 s.
 *
 * The attention softmax (scale, ALiBi bias, causal window and softmax) is fused on the native
 * kernels when the backend is wasm, reading the scores from and writing the probabilities into the
 * wasm heap in place: one pass a row forward, one back, where TensorFlow.js's ops take about ten
 * over the [B·H, T, T] scores (33 MB a layer at B 32, T 256, 4 heads). With copies in and out (the
 * WebAssembly kernels, whose memory is their own) the same fusion was slower than those ops, so
 * they keep them.
 */

/** The fused layer norm: inputs x [N, d], gamma [d], beta [d]. */
function fusedLayerNorm(eps: number): (...inputs: tf.Tensor[]) => tf.Tensor {
  return customOp((inputs) => {
    const k = nativeSequenceReady() as NativeKernels;
    const [x, gamma, beta] = inputs as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    const [N, d] = x.shape;
    const [xv, gv, bv] = [x, gamma, beta].map(readFloats) as [Float32Array, Float32Array, Float32Array];
    const y = takeFloats(N * d);
    const stats = new Float32Array(2 * N);
    k.layerNorm(N, d, xv, gv, bv, eps, y, stats);
    handBack(bv);
    let grads: { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array } | undefined;
    const gradients: LazyGradients = (dy) => {
      const core = () => {
        if (grads === undefined) {
          grads = { dx: takeFloats(N * d), dgamma: new Float32Array(d), dbeta: new Float32Array(d) };
          const dyv = readFloats(dy);
          k.layerNormBackward(N, d, xv, gv, stats, dyv, grads.dx, grads.dgamma, grads.dbeta);
          handBack(xv, gv, dyv);
        }
        return grads;
      };
      return [
        () => tensorFrom(core().dx, [N, d]),
        () => tf.tensor1d(core().dgamma),
        () => tf.tensor1d(core().dbeta),
      ];
    };
    return { value: tensorFrom(y, [N, d]), gradients };
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

/** The native kernels' fused attention softmax, where it can run in place: native kernels, wasm backend. */
function fusedAttentionKernels(): NativeKernels | null {
  const kernels = nativeKernels();
  return kernels?.attentionSoftmax !== undefined &&
    kernels.attentionSoftmaxBackward !== undefined &&
    tf.getBackend() === 'wasm'
    ? kernels
    : null;
}

/** A view of a tensor's data in the wasm heap (take it after the last `makeOutput`). */
function heapFloats(backend: WasmBackend, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

const attentionOps = new Map<string, (...inputs: tf.Tensor[]) => tf.Tensor>();

/** The fused op for one shape of heads, window and scale: input raw scores `[B·H, T, T]`. */
function fusedAttention(heads: number, window: number, scale: number): (...inputs: tf.Tensor[]) => tf.Tensor {
  const key = `${heads}/${window}/${scale}`;
  const cached = attentionOps.get(key);
  if (cached !== undefined) return cached;
  const slopes = Float32Array.from(alibiSlopes(heads));
  const op = customOp((inputs, save) => {
    const k = fusedAttentionKernels()!;
    const backend = tf.backend() as unknown as WasmBackend;
    const [scores] = inputs as [tf.Tensor3D];
    const T = scores.shape[2];
    const R = scores.size / T;
    const out = backend.makeOutput([...scores.shape], 'float32');
    k.attentionSoftmax!(
      R,
      T,
      heads,
      slopes,
      window,
      scale,
      heapFloats(backend, scores),
      heapFloats(backend, out),
    );
    const value = tf.engine().makeTensorFromTensorInfo(out);
    save([value]);
    const gradients: LazyGradients = (dy, saved) => [
      () => {
        const dS = backend.makeOutput([...scores.shape], 'float32');
        k.attentionSoftmaxBackward!(
          R,
          T,
          window,
          scale,
          heapFloats(backend, saved[0]!),
          heapFloats(backend, dy),
          heapFloats(backend, dS),
        );
        return tf.engine().makeTensorFromTensorInfo(dS);
      },
    ];
    return { value, gradients };
  });
  attentionOps.set(key, op);
  return op;
}

/**
 * The transformer's attention probabilities from its raw scores `q·kᵀ`: scaled, with ALiBi's
 * distance penalty, the causal window (query i sees keys i − window + 1 … i) and a softmax over the
 * keys; fused on the native kernels on the wasm backend, else TensorFlow.js's ops with `bias`.
 *
 * @param scores - `[B·H, T, T]` raw scores, row b·H + h
 * @param heads - H
 * @param window - keys a query sees, itself included
 * @param scale - 1/√(head size)
 * @param bias - `[H, T, T]` ALiBi penalties and −1e9 outside the window (for the plain ops; made
 *   only when asked)
 * @returns `[B·H, T, T]` probabilities, 0 outside the window
 */
export function attentionProbabilities(
  scores: tf.Tensor3D,
  heads: number,
  window: number,
  scale: number,
  bias: () => tf.Tensor3D,
): tf.Tensor3D {
  if (fusedAttentionKernels() !== null) return fusedAttention(heads, window, scale)(scores) as tf.Tensor3D;
  const [BH, T] = scores.shape;
  const penalties = bias(); // made outside the tidy: the caller may reuse it for every layer
  return tf.tidy(() => {
    const scaled = tf.reshape(tf.mul(scores, scale), [BH / heads, heads, T, T]);
    return tf.reshape(tf.softmax(tf.add(scaled, penalties)), [BH, T, T]) as tf.Tensor3D;
  });
}
