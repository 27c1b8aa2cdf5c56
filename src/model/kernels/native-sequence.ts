import * as tf from '@tensorflow/tfjs';
import { customOp, type LazyGradients } from './custom-op.js';
import { nativeKernels, type NativeKernels } from './native-kernels.js';

/**
 * The LSTM and GRU over a whole sequence on the native kernels (`native-kernels.ts`): one call
 * runs the forward pass of every step, one more the backward pass; the tensors cross into and out
 * of TensorFlow.js once per layer and batch. The state kept for backpropagation lives in
 * Float32Arrays outside the wasm heap. Same math, layout and gradients as `lstmSequenceFused` and
 * `gruSequenceFused`, which call these when native kernels are registered and the backend keeps
 * its data on the CPU.
 */

/** Whether the native path can run: kernels registered and a CPU-resident backend. */
export function nativeSequenceReady(): NativeKernels | null {
  const kernels = nativeKernels();
  if (kernels === null) return null;
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu' ? kernels : null;
}

function floats(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** `dx = dZ·Wᵀ`, `[B·T, G]·[I, G]ᵀ`, as a `[B, T, I]` tensor. */
function inputGradient(
  k: NativeKernels,
  dZ: Float32Array,
  W: Float32Array,
  B: number,
  T: number,
  I: number,
  G: number,
): tf.Tensor {
  const dx = new Float32Array(B * T * I);
  k.sgemm(false, true, B * T, I, G, dZ, G, W, G, 0, dx, I);
  return tf.tensor3d(dx, [B, T, I]);
}

/** The LSTM op: its value packs `out [B·T·H]` then `c_T [B·H]` in one flat tensor. */
const nativeLstm = customOp((inputs) => {
  const k = nativeKernels()!;
  const [x, W, U, b, h0, c0] = inputs as [
    tf.Tensor3D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor1D,
    tf.Tensor2D,
    tf.Tensor2D,
  ];
  const [B, T, I] = x.shape;
  const H = U.shape[0];
  const G = 4 * H;
  const xv = floats(x);
  const Wv = floats(W);
  const Uv = floats(U);
  const h0v = floats(h0);
  const c0v = floats(c0);
  const packed = new Float32Array(B * T * H + B * H);
  const out = packed.subarray(0, B * T * H);
  const acts = new Float32Array(B * T * G);
  const cs = new Float32Array(B * T * H);
  k.lstmForward(B, T, I, H, xv, Wv, Uv, floats(b), h0v, c0v, out, acts, cs);
  for (let r = 0; r < B; r++)
    packed.set(cs.subarray((r * T + T - 1) * H, (r * T + T) * H), B * T * H + r * H);
  const value = tf.tensor1d(packed);

  let grads:
    | {
        dZ: Float32Array;
        dW: Float32Array;
        dU: Float32Array;
        db: Float32Array;
        dh0: Float32Array;
        dc0: Float32Array;
      }
    | undefined;
  const gradients: LazyGradients = (dy) => {
    const core = () => {
      if (grads === undefined) {
        const dyv = floats(dy);
        grads = {
          dZ: new Float32Array(B * T * G),
          dW: new Float32Array(I * G),
          dU: new Float32Array(H * G),
          db: new Float32Array(G),
          dh0: new Float32Array(B * H),
          dc0: new Float32Array(B * H),
        };
        const g = grads;
        k.lstmBackward(
          B,
          T,
          I,
          H,
          xv,
          Uv,
          h0v,
          c0v,
          out,
          acts,
          cs,
          dyv.subarray(0, B * T * H),
          dyv.subarray(B * T * H),
          g.dZ,
          g.dW,
          g.dU,
          g.db,
          g.dh0,
          g.dc0,
        );
      }
      return grads;
    };
    return [
      () => inputGradient(k, core().dZ, Wv, B, T, I, G),
      () => tf.tensor2d(core().dW, [I, G]),
      () => tf.tensor2d(core().dU, [H, G]),
      () => tf.tensor1d(core().db),
      () => tf.tensor2d(core().dh0, [B, H]),
      () => tf.tensor2d(core().dc0, [B, H]),
    ];
  };
  return { value, gradients };
});

/** The GRU op: its value is `out [B·T·H]`, flat. */
const nativeGru = customOp((inputs) => {
  const k = nativeKernels()!;
  const [x, W, U, b, h0] = inputs as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const [B, T, I] = x.shape;
  const H = U.shape[0];
  const G = 3 * H;
  const xv = floats(x);
  const Wv = floats(W);
  const Uv = floats(U);
  const h0v = floats(h0);
  const out = new Float32Array(B * T * H);
  const gates = new Float32Array(B * T * G);
  const hpn = new Float32Array(B * T * H);
  k.gruForward(B, T, I, H, xv, Wv, Uv, floats(b), h0v, out, gates, hpn);
  const value = tf.tensor1d(out);

  let grads:
    | { dXP: Float32Array; dW: Float32Array; dU: Float32Array; db: Float32Array; dh0: Float32Array }
    | undefined;
  const gradients: LazyGradients = (dy) => {
    const core = () => {
      if (grads === undefined) {
        grads = {
          dXP: new Float32Array(B * T * G),
          dW: new Float32Array(I * G),
          dU: new Float32Array(H * G),
          db: new Float32Array(2 * G),
          dh0: new Float32Array(B * H),
        };
        const g = grads;
        k.gruBackward(B, T, I, H, xv, Uv, h0v, out, gates, hpn, floats(dy), g.dXP, g.dW, g.dU, g.db, g.dh0);
      }
      return grads;
    };
    return [
      () => inputGradient(k, core().dXP, Wv, B, T, I, G),
      () => tf.tensor2d(core().dW, [I, G]),
      () => tf.tensor2d(core().dU, [H, G]),
      () => tf.tensor2d(core().db, [2, G]),
      () => tf.tensor2d(core().dh0, [B, H]),
    ];
  };
  return { value, gradients };
});

/** The last step of `[B, T, H]` outputs, `[B, H]`. */
function lastStep(outputs: tf.Tensor3D): tf.Tensor2D {
  const [B, T, H] = outputs.shape;
  return tf.reshape(tf.slice(outputs, [0, T - 1, 0], [B, 1, H]), [B, H]);
}

/**
 * The LSTM over `x [B, T, in]` on the native kernels (callers check `nativeSequenceReady` first).
 *
 * @returns outputs `[B, T, H]` and the final state
 */
export function lstmSequenceNative(
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  w: { kernel: tf.Tensor2D; recurrentKernel: tf.Tensor2D; bias: tf.Tensor1D },
): { outputs: tf.Tensor3D; h: tf.Tensor2D; c: tf.Tensor2D } {
  return tf.tidy(() => {
    const [B, T] = x.shape;
    const H = w.recurrentKernel.shape[0];
    const packed = nativeLstm(x, w.kernel, w.recurrentKernel, w.bias, h0, c0);
    const outputs = tf.reshape(tf.slice(packed, [0], [B * T * H]), [B, T, H]) as tf.Tensor3D;
    const c = tf.reshape(tf.slice(packed, [B * T * H], [B * H]), [B, H]) as tf.Tensor2D;
    return { outputs, h: lastStep(outputs), c };
  });
}

/**
 * The GRU over `x [B, T, in]` on the native kernels (callers check `nativeSequenceReady` first).
 *
 * @returns outputs `[B, T, H]` and the final hidden state
 */
export function gruSequenceNative(
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  w: { kernel: tf.Tensor2D; recurrentKernel: tf.Tensor2D; bias: tf.Tensor2D },
): { outputs: tf.Tensor3D; h: tf.Tensor2D } {
  return tf.tidy(() => {
    const [B, T] = x.shape;
    const H = w.recurrentKernel.shape[0];
    const flat = nativeGru(x, w.kernel, w.recurrentKernel, w.bias, h0);
    const outputs = tf.reshape(flat, [B, T, H]) as tf.Tensor3D;
    return { outputs, h: lastStep(outputs) };
  });
}
