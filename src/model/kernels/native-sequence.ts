import * as tf from '@tensorflow/tfjs';
import { customOp, type LazyGradients } from './custom-op.js';
import { nativeKernels, type NativeKernels } from './native-kernels.js';
import { handBack, readFloats, takeFloats, tensorFrom } from './reused-arrays.js';

/**
 * The LSTM and GRU over a whole sequence on the native kernels (`native-kernels.ts`): one call
 * runs the forward pass of every step, one more the backward pass; the tensors cross into and out
 * of TensorFlow.js once per layer and batch. The state kept for backpropagation lives in
 * Float32Arrays outside the wasm heap, taken from and handed back to `reused-arrays.ts` (a pass
 * whose backward never runs leaves them to the garbage collector). Same math, layout and gradients as `lstmSequenceFused` and
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
  const dx = takeFloats(B * T * I);
  k.sgemm(false, true, B * T, I, G, dZ, G, W, G, 0, dx, I);
  return tensorFrom(dx, [B, T, I]);
}

/**
 * The input gradient's thunk, and what hands its arrays back: the thunk itself once it ran, or a
 * microtask after the backward pass that did not ask for it (the tape calls every thunk it needs
 * synchronously, in the same pass). Hands `others` back at once.
 */
function inputGradientOnce(
  k: NativeKernels,
  dZ: Float32Array,
  W: Float32Array,
  shape: { B: number; T: number; I: number; G: number },
): () => tf.Tensor {
  let done = false;
  queueMicrotask(() => {
    if (!done) handBack(dZ, W);
    done = true;
  });
  return () => {
    if (done) throw new Error('native-sequence: the input gradient was asked for after its backward pass');
    done = true;
    const { B, T, I, G } = shape;
    const dx = inputGradient(k, dZ, W, B, T, I, G);
    handBack(dZ, W);
    return dx;
  };
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
  const [xv, Wv, Uv, bv, h0v, c0v] = [x, W, U, b, h0, c0].map(readFloats) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  // Every element of these is written before it is read (the kernels' contract), so kept arrays do.
  const packed = takeFloats(B * T * H + B * H);
  const out = packed.subarray(0, B * T * H);
  const acts = takeFloats(B * T * G);
  const cs = takeFloats(B * T * H);
  k.lstmForward(B, T, I, H, xv, Wv, Uv, bv, h0v, c0v, out, acts, cs);
  for (let r = 0; r < B; r++)
    packed.set(cs.subarray((r * T + T - 1) * H, (r * T + T) * H), B * T * H + r * H);
  const value = tf.tensor1d(packed);
  handBack(bv);

  let grads:
    | {
        dZ: Float32Array;
        dW: Float32Array;
        dU: Float32Array;
        db: Float32Array;
        dh0: Float32Array;
        dc0: Float32Array;
        dx: () => tf.Tensor;
      }
    | undefined;
  const gradients: LazyGradients = (dy) => {
    const core = () => {
      if (grads === undefined) {
        const dyv = readFloats(dy);
        const dZ = takeFloats(B * T * G);
        grads = {
          dZ,
          dW: new Float32Array(I * G),
          dU: new Float32Array(H * G),
          db: new Float32Array(G),
          dh0: new Float32Array(B * H),
          dc0: new Float32Array(B * H),
          dx: inputGradientOnce(k, dZ, Wv, { B, T, I, G }),
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
        // The value was copied (wasm) or is the cpu backend's own data: packed is ours on wasm only.
        if (tf.getBackend() === 'wasm') handBack(packed);
        handBack(xv, Uv, h0v, c0v, acts, cs, dyv);
      }
      return grads;
    };
    return [
      () => core().dx(),
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
  const [xv, Wv, Uv, bv, h0v] = [x, W, U, b, h0].map(readFloats) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const out = takeFloats(B * T * H);
  const gates = takeFloats(B * T * G);
  const hpn = takeFloats(B * T * H);
  k.gruForward(B, T, I, H, xv, Wv, Uv, bv, h0v, out, gates, hpn);
  const value = tf.tensor1d(out);
  handBack(bv);

  let grads:
    | {
        dXP: Float32Array;
        dW: Float32Array;
        dU: Float32Array;
        db: Float32Array;
        dh0: Float32Array;
        dx: () => tf.Tensor;
      }
    | undefined;
  const gradients: LazyGradients = (dy) => {
    const core = () => {
      if (grads === undefined) {
        const dyv = readFloats(dy);
        const dXP = takeFloats(B * T * G);
        grads = {
          dXP,
          dW: new Float32Array(I * G),
          dU: new Float32Array(H * G),
          db: new Float32Array(2 * G),
          dh0: new Float32Array(B * H),
          dx: inputGradientOnce(k, dXP, Wv, { B, T, I, G }),
        };
        const g = grads;
        k.gruBackward(B, T, I, H, xv, Uv, h0v, out, gates, hpn, dyv, g.dXP, g.dW, g.dU, g.db, g.dh0);
        if (tf.getBackend() === 'wasm') handBack(out);
        handBack(xv, Uv, h0v, gates, hpn, dyv);
      }
      return grads;
    };
    return [
      () => core().dx(),
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
