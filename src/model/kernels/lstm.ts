import * as tf from '@tensorflow/tfjs';
import { columnSums, customOp, fastTanh, type LazyGradients } from './custom-op.js';
import { lstmSequenceNative, nativeSequenceReady } from './native-sequence.js';

/**
 * The LSTM's math on TensorFlow.js ops, Keras layout and semantics (sigmoid recurrent activation,
 * tanh activation, gate order i, f, c, o):
 *
 *     z = x·W + h·U + b;  i = σ(z_i), f = σ(z_f), g = tanh(z_c), o = σ(z_o)
 *     c' = f ⊙ c + i ⊙ g;  h' = o ⊙ tanh(c')
 *
 * Three ways to run it: `lstmStep` (one step, plain ops), `lstmSequenceAutodiff` (the whole
 * sequence with plain ops: input projection for all steps in one matMul, tfjs autodiff — the
 * reference) and `lstmSequenceFused` (the same forward with a hand-derived backward pass through
 * `tf.customGrad`; the fast one).
 */

/** The LSTM's weights in Keras layout: kernel `[in, 4H]`, recurrent kernel `[H, 4H]`, bias `[4H]`. */
export interface LstmWeights {
  readonly kernel: tf.Tensor2D;
  readonly recurrentKernel: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
}

/** Result of running an LSTM over a sequence. */
export interface LstmSequenceResult {
  /** `[B, T, H]`, the hidden state after every step. */
  readonly outputs: tf.Tensor3D;
  /** `[B, H]`, the hidden state after the last step. */
  readonly h: tf.Tensor2D;
  /** `[B, H]`, the cell state after the last step. */
  readonly c: tf.Tensor2D;
}

/**
 * One LSTM step, plain differentiable ops.
 *
 * @param x - `[B, in]` input
 * @param h - `[B, H]` previous hidden state
 * @param c - `[B, H]` previous cell state
 * @param w - the weights
 * @returns the new hidden and cell states
 */
export function lstmStep(
  x: tf.Tensor2D,
  h: tf.Tensor2D,
  c: tf.Tensor2D,
  w: LstmWeights,
): { h: tf.Tensor2D; c: tf.Tensor2D } {
  return tf.tidy(() => {
    const z = tf.add(tf.add(tf.matMul(x, w.kernel), tf.matMul(h, w.recurrentKernel)), w.bias) as tf.Tensor2D;
    return cellFromPreactivation(z, c);
  });
}

function cellFromPreactivation(z: tf.Tensor2D, c: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const cNext = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zg))) as tf.Tensor2D;
  const hNext = tf.mul(tf.sigmoid(zo), tf.tanh(cNext)) as tf.Tensor2D;
  return { h: hNext, c: cNext };
}

/** `[B, T, in]` → `[T·B, in]`, time-major rows. */
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
 * @param c0 - `[B, H]` initial cell state
 * @param w - the weights
 * @returns outputs and final state
 */
export function lstmSequenceAutodiff(
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  w: LstmWeights,
): LstmSequenceResult {
  return tf.tidy(() => {
    const [B, T] = x.shape;
    const H = w.recurrentKernel.shape[0];
    const projected = tf.add(tf.matMul(timeMajorRows(x), w.kernel), w.bias) as tf.Tensor2D;
    const steps = tf.split(projected, T, 0) as tf.Tensor2D[];
    let h = h0;
    let c = c0;
    const hs: tf.Tensor2D[] = [];
    for (const xp of steps) {
      ({ h, c } = cellFromPreactivation(tf.add(xp, tf.matMul(h, w.recurrentKernel)), c));
      hs.push(h);
    }
    const outputs = tf.transpose(tf.reshape(tf.concat(hs, 0), [T, B, H]), [1, 0, 2]) as tf.Tensor3D;
    return { outputs, h, c };
  });
}

/** Column scale that turns the c-gate's tanh into a sigmoid: tanh(z) = 2σ(2z) − 1. */
function gateScale(H: number): tf.Tensor1D {
  return tf.concat([tf.ones([2 * H]), tf.fill([H], 2), tf.ones([H])]) as tf.Tensor1D;
}

/**
 * The fused LSTM over the whole sequence. Packs its result time-major as `[(T+1), B, H]`: rows
 * 0…T−1 are h_1…h_T, row T is c_T.
 */
const fusedLstm = customOp((inputs, save) => {
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
  // tanh(z_c) = 2σ(2 z_c) − 1: scaling the c-gate columns by 2 lets one sigmoid cover all 4 gates.
  const scale = gateScale(H);
  const Ws = tf.mul(W, scale) as tf.Tensor2D;
  const Us = tf.mul(U, scale) as tf.Tensor2D;
  const bs = tf.mul(b, scale) as tf.Tensor1D;
  const xt = timeMajorRows(x);
  const projected = tf.split(tf.add(tf.matMul(xt, Ws), bs) as tf.Tensor2D, T, 0) as tf.Tensor2D[];
  let h = h0;
  let c = c0;
  const hs: tf.Tensor2D[] = [];
  const cs: tf.Tensor2D[] = [];
  const tcs: tf.Tensor2D[] = [];
  const acts: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) {
    const s = tf.sigmoid(tf.add(projected[t]!, tf.matMul(h, Us))) as tf.Tensor2D;
    const [i, f, sg, o] = tf.split(s, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const g = tf.sub(tf.mul(sg, 2), 1);
    c = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D;
    const tc = fastTanh(c) as tf.Tensor2D;
    h = tf.mul(o, tc) as tf.Tensor2D;
    hs.push(h);
    cs.push(c);
    tcs.push(tc);
    acts.push(s);
  }
  const value = tf.reshape(tf.concat([...hs, c], 0), [T + 1, B, H]) as tf.Tensor3D;
  save([xt, Ws, Us, h0, c0, scale, ...hs, ...cs, ...tcs, ...acts]);

  const gradients: LazyGradients = (dy, saved) => {
    const [xtS, WsS, UsS, h0S, c0S, scaleS] = saved as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
    ];
    const at = (k: number, t: number): tf.Tensor2D => saved[6 + k * T + t] as tf.Tensor2D;
    // BPTT, shared by every input's gradient; only dZ = dL/dz (all steps) and dh0, dc0 survive.
    const [dZ, dh0, dc0] = tf.tidy(() => {
      const dys = tf.split(tf.reshape(dy, [(T + 1) * B, H]), T + 1, 0) as tf.Tensor2D[];
      const UsT = tf.transpose(UsS);
      let dc: tf.Tensor2D = dys[T]!;
      let dhNext: tf.Tensor2D | undefined;
      const dzs = new Array<tf.Tensor2D>(T);
      for (let t = T - 1; t >= 0; t--) {
        const s = at(3, t);
        const tc = at(2, t);
        const cPrev = t === 0 ? c0S : at(1, t - 1);
        const [i, f, sg, o] = tf.split(s, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dh = dhNext === undefined ? dys[t]! : tf.add(dys[t]!, dhNext);
        // dc += dh ⊙ o ⊙ (1 − tanh²c)
        dc = tf.add(dc, tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(tc)))) as tf.Tensor2D;
        const g = tf.sub(tf.mul(sg, 2), 1);
        // d(activation) for [i, f, sg, o]; sg's carries the 2 of g = 2·sg − 1.
        const dAct = tf.concat(
          [tf.mul(dc, g), tf.mul(dc, cPrev), tf.mul(tf.mul(dc, i), 2), tf.mul(dh, tc)],
          1,
        );
        const dz = tf.mul(dAct, tf.mul(s, tf.sub(1, s))) as tf.Tensor2D;
        dzs[t] = dz;
        dhNext = tf.matMul(dz, UsT) as tf.Tensor2D;
        dc = tf.mul(dc, f) as tf.Tensor2D;
      }
      return [tf.concat(dzs, 0) as tf.Tensor2D, dhNext ?? tf.zerosLike(h0S), dc];
    });
    const hPrev = (): tf.Tensor2D =>
      tf.concat([h0S, ...Array.from({ length: T - 1 }, (_, t) => at(0, t))], 0) as tf.Tensor2D;
    return [
      () => tf.transpose(tf.reshape(tf.matMul(dZ, tf.transpose(WsS)), [T, B, I]), [1, 0, 2]),
      () => tf.mul(tf.matMul(tf.transpose(xtS), dZ), scaleS),
      () => tf.mul(tf.matMul(tf.transpose(hPrev()), dZ), scaleS),
      () => tf.mul(columnSums(dZ), scaleS),
      () => dh0,
      () => dc0,
    ];
  };
  return { value, gradients };
});

/**
 * The whole sequence with a hand-derived backward pass (`tf.customGrad`): the forward saves each
 * step's gate activations, cell state and tanh(c); the backward runs BPTT step by step with only
 * `dz·Uᵀ` per step and forms the weight gradients as three large matrix products at the end.
 * Differentiable w.r.t. `x`, the weights and the initial state; matches `lstmSequenceAutodiff`.
 *
 * @param x - `[B, T, in]` (T ≥ 1)
 * @param h0 - `[B, H]` initial hidden state
 * @param c0 - `[B, H]` initial cell state
 * @param w - the weights
 * @returns outputs and final state
 */
export function lstmSequenceFused(
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  w: LstmWeights,
): LstmSequenceResult {
  if (nativeSequenceReady() !== null) return lstmSequenceNative(x, h0, c0, w);
  return tf.tidy(() => {
    const [B, T] = x.shape;
    const H = w.recurrentKernel.shape[0];
    const packed = fusedLstm(x, w.kernel, w.recurrentKernel, w.bias, h0, c0);
    const hs = tf.slice(packed, [0, 0, 0], [T, B, H]);
    const outputs = tf.transpose(hs, [1, 0, 2]) as tf.Tensor3D;
    const h = tf.reshape(tf.slice(packed, [T - 1, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D;
    const c = tf.reshape(tf.slice(packed, [T, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D;
    return { outputs, h, c };
  });
}
