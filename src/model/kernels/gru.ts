import * as tf from '@tensorflow/tfjs';
import { columnSums, customOp, fastTanh, type LazyGradients } from './custom-op.js';
import { gruSequenceNative, nativeSequenceReady } from './native-sequence.js';

/**
 * The GRU's math on TensorFlow.js ops, Keras layout with `reset_after=True` (Keras 2's default,
 * the cuDNN-compatible variant PyTorch also uses), gate order z, r, h:
 *
 *     xp = x·W + b_in;  hp = h·U + b_rec           (both [B, 3H], split z | r | h)
 *     z = σ(xp_z + hp_z);  r = σ(xp_r + hp_r);  n = tanh(xp_h + r ⊙ hp_h)
 *     h' = z ⊙ h + (1 − z) ⊙ n
 *
 * The bias is `[2, 3H]`: row 0 the input bias, row 1 the recurrent bias.
 *
 * Note: tfjs-layers' own `tf.layers.gru` rejects `resetAfter: true`, so Keras-2 / PyTorch GRU
 * weights do not load into it; these functions are the GRU to use.
 */

/** The GRU's weights in Keras layout: kernel `[in, 3H]`, recurrent kernel `[H, 3H]`, bias `[2, 3H]`. */
export interface GruWeights {
  readonly kernel: tf.Tensor2D;
  readonly recurrentKernel: tf.Tensor2D;
  readonly bias: tf.Tensor2D;
}

/** Result of running a GRU over a sequence. */
export interface GruSequenceResult {
  /** `[B, T, H]`, the hidden state after every step. */
  readonly outputs: tf.Tensor3D;
  /** `[B, H]`, the hidden state after the last step. */
  readonly h: tf.Tensor2D;
}

function cell(xp: tf.Tensor2D, h: tf.Tensor2D, U: tf.Tensor2D, bRec: tf.Tensor1D): tf.Tensor2D {
  const H = h.shape[1];
  const hp = tf.add(tf.matMul(h, U), bRec);
  const [xzr, xh] = tf.split(xp, [2 * H, H], 1) as [tf.Tensor2D, tf.Tensor2D];
  const [hzr, hh] = tf.split(hp, [2 * H, H], 1) as [tf.Tensor2D, tf.Tensor2D];
  const [z, r] = tf.split(tf.sigmoid(tf.add(xzr, hzr)), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  const n = tf.tanh(tf.add(xh, tf.mul(r, hh)));
  return tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D;
}

/**
 * One GRU step, plain differentiable ops.
 *
 * @param x - `[B, in]` input
 * @param h - `[B, H]` previous hidden state
 * @param w - the weights
 * @returns the new hidden state
 */
export function gruStep(x: tf.Tensor2D, h: tf.Tensor2D, w: GruWeights): tf.Tensor2D {
  return tf.tidy(() => {
    const [bIn, bRec] = tf.unstack(w.bias) as [tf.Tensor1D, tf.Tensor1D];
    return cell(tf.add(tf.matMul(x, w.kernel), bIn), h, w.recurrentKernel, bRec);
  });
}

function timeMajorRows(x: tf.Tensor3D): tf.Tensor2D {
  const [B, T, I] = x.shape;
  return tf.reshape(tf.transpose(x, [1, 0, 2]), [T * B, I]);
}

/**
 * The whole sequence with plain ops and tfjs autodiff (the reference implementation): the input
 * projection of all steps in one matMul, then per step only `h·U` and the gate math.
 *
 * @param x - `[B, T, in]`
 * @param h0 - `[B, H]` initial hidden state
 * @param w - the weights
 * @returns outputs and final state
 */
export function gruSequenceAutodiff(x: tf.Tensor3D, h0: tf.Tensor2D, w: GruWeights): GruSequenceResult {
  return tf.tidy(() => {
    const [B, T] = x.shape;
    const H = w.recurrentKernel.shape[0];
    const [bIn, bRec] = tf.unstack(w.bias) as [tf.Tensor1D, tf.Tensor1D];
    const steps = tf.split(tf.add(tf.matMul(timeMajorRows(x), w.kernel), bIn), T, 0) as tf.Tensor2D[];
    let h = h0;
    const hs: tf.Tensor2D[] = [];
    for (const xp of steps) {
      h = cell(xp, h, w.recurrentKernel, bRec);
      hs.push(h);
    }
    const outputs = tf.transpose(tf.reshape(tf.concat(hs, 0), [T, B, H]), [1, 0, 2]) as tf.Tensor3D;
    return { outputs, h };
  });
}

/** The fused GRU over the whole sequence; returns the hidden states time-major, `[T, B, H]`. */
const fusedGru = customOp((inputs, save) => {
  const [x, W, U, bias, h0] = inputs as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const [B, T, I] = x.shape;
  const H = U.shape[0];
  const [bIn, bRec] = tf.unstack(bias) as [tf.Tensor1D, tf.Tensor1D];
  const xt = timeMajorRows(x);
  const projected = tf.split(tf.add(tf.matMul(xt, W), bIn), T, 0) as tf.Tensor2D[];
  let h = h0;
  const hs: tf.Tensor2D[] = [];
  const zrs: tf.Tensor2D[] = [];
  const hhs: tf.Tensor2D[] = [];
  const ns: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    const hp = tf.add(tf.matMul(h, U), bRec);
    const [xzr, xh] = tf.split(projected[t]!, [2 * H, H], 1) as [tf.Tensor2D, tf.Tensor2D];
    const [hzr, hh] = tf.split(hp, [2 * H, H], 1) as [tf.Tensor2D, tf.Tensor2D];
    const zr = tf.sigmoid(tf.add(xzr, hzr)) as tf.Tensor2D;
    const [z, r] = tf.split(zr, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const n = fastTanh(tf.add(xh, tf.mul(r, hh))) as tf.Tensor2D;
    h = tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D;
    hs.push(h);
    zrs.push(zr);
    hhs.push(hh);
    ns.push(n);
  }
  const value = tf.reshape(tf.concat(hs, 0), [T, B, H]) as tf.Tensor3D;
  save([xt, W, U, h0, ...hs, ...zrs, ...hhs, ...ns]);

  const gradients: LazyGradients = (dy, saved) => {
    const [xtS, WS, US, h0S] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const at = (k: number, t: number): tf.Tensor2D => saved[4 + k * T + t] as tf.Tensor2D;
    // BPTT, shared by every input's gradient: dL/d(x·W + b_in), dL/d(h·U + b_rec) for all steps, dh0.
    const [dXP, dHP, dh0] = tf.tidy(() => {
      const dys = tf.split(tf.reshape(dy, [T * B, H]), T, 0) as tf.Tensor2D[];
      const UT = tf.transpose(US);
      let dhNext: tf.Tensor2D | undefined;
      const dXPs = new Array<tf.Tensor2D>(T);
      const dHPs = new Array<tf.Tensor2D>(T);
      for (let t = T - 1; t >= 0; t--) {
        const zr = at(1, t);
        const hh = at(2, t);
        const n = at(3, t);
        const hPrev = t === 0 ? h0S : at(0, t - 1);
        const [z, r] = tf.split(zr, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
        const dh = dhNext === undefined ? dys[t]! : tf.add(dys[t]!, dhNext);
        // h' = n + z ⊙ (h − n)
        const dz = tf.mul(dh, tf.sub(hPrev, n));
        const dan = tf.mul(tf.mul(dh, tf.sub(1, z)), tf.sub(1, tf.square(n)));
        const dr = tf.mul(dan, hh);
        const dzr = tf.mul(tf.concat([dz, dr], 1), tf.mul(zr, tf.sub(1, zr)));
        const dHPt = tf.concat([dzr, tf.mul(dan, r)], 1) as tf.Tensor2D;
        dXPs[t] = tf.concat([dzr, dan], 1) as tf.Tensor2D;
        dHPs[t] = dHPt;
        dhNext = tf.add(tf.mul(dh, z), tf.matMul(dHPt, UT)) as tf.Tensor2D;
      }
      return [
        tf.concat(dXPs, 0) as tf.Tensor2D,
        tf.concat(dHPs, 0) as tf.Tensor2D,
        dhNext ?? tf.zerosLike(h0S),
      ];
    });
    const hPrevAll = (): tf.Tensor2D =>
      tf.concat([h0S, ...Array.from({ length: T - 1 }, (_, t) => at(0, t))], 0) as tf.Tensor2D;
    return [
      () => tf.transpose(tf.reshape(tf.matMul(dXP, tf.transpose(WS)), [T, B, I]), [1, 0, 2]),
      () => tf.matMul(tf.transpose(xtS), dXP),
      () => tf.matMul(tf.transpose(hPrevAll()), dHP),
      () => tf.stack([columnSums(dXP), columnSums(dHP)]),
      () => dh0,
    ];
  };
  return { value, gradients };
});

/**
 * The whole sequence with a hand-derived backward pass (`tf.customGrad`): the forward saves each
 * step's z, r, the recurrent candidate part `hp_h` and n; the backward runs BPTT step by step with
 * only `dhp·Uᵀ` per step and forms the weight gradients as large matrix products at the end.
 * Differentiable w.r.t. `x`, the weights and the initial state; matches `gruSequenceAutodiff`.
 *
 * @param x - `[B, T, in]` (T ≥ 1)
 * @param h0 - `[B, H]` initial hidden state
 * @param w - the weights
 * @returns outputs and final state
 */
export function gruSequenceFused(x: tf.Tensor3D, h0: tf.Tensor2D, w: GruWeights): GruSequenceResult {
  if (nativeSequenceReady() !== null) return gruSequenceNative(x, h0, w);
  return tf.tidy(() => {
    const [B, T] = x.shape;
    const H = w.recurrentKernel.shape[0];
    const hs = fusedGru(x, w.kernel, w.recurrentKernel, w.bias, h0);
    const outputs = tf.transpose(hs, [1, 0, 2]) as tf.Tensor3D;
    const h = tf.reshape(tf.slice(hs, [T - 1, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D;
    return { outputs, h };
  });
}
