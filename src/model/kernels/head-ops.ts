import * as tf from '@tensorflow/tfjs';
import { customOp } from './custom-op.js';
import { nativeSequenceReady } from './native-sequence.js';
import { handBack, readFloats, takeFloats, tensorFrom } from './reused-arrays.js';

/**
 * The output heads' hot ops, fused where the data lives on the CPU: the masked softmax
 * cross-entropy and SELU on the native kernels (`native-kernels.ts`), and a dense layer applied to
 * one-hot rows as a row lookup. Each falls back to the plain TensorFlow.js composition (same value,
 * same gradient within float rounding) where those are not available. Their large arrays come from
 * and go back to `reused-arrays.ts`.
 */

function floats(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/**
 * The masked mean cross-entropy of integer targets under logits:
 * `Σ mask_i · (−log softmax(z_i)[t_i]) / count`. Differentiable in `logits` only.
 *
 * @param logits - `[N, K]`
 * @param targets - `[N]` int32 class indices
 * @param mask - `[N]` 1 on real steps, 0 on padding
 * @param count - the number of real steps (≥ 1), a scalar
 * @returns the mean, a scalar
 */
export function maskedCrossEntropy(
  logits: tf.Tensor2D,
  targets: tf.Tensor1D,
  mask: tf.Tensor1D,
  count: tf.Scalar,
): tf.Scalar {
  const k = nativeSequenceReady();
  if (k === null) {
    return tf.tidy(() => {
      const logp = tf.logSoftmax(logits);
      const onehot = tf.oneHot(targets, logits.shape[1]);
      const ce = tf.neg(tf.sum(tf.mul(logp, onehot), 1));
      return tf.div(tf.sum(tf.mul(ce, mask)), count) as tf.Scalar;
    });
  }
  const [N, K] = logits.shape;
  const t = Float32Array.from(targets.dataSync());
  const m = floats(mask);
  const n = count.dataSync()[0]!;
  const op = customOp(([z]) => {
    const probs = takeFloats(N * K);
    const zv = readFloats(z!);
    const total = k.crossEntropy(N, K, zv, t, m, probs);
    handBack(zv);
    return {
      value: tf.scalar(total / n),
      gradients: (dy) => [
        () => {
          const d = takeFloats(N * K);
          k.crossEntropyBackward(N, K, probs, t, m, dy.dataSync()[0]! / n, d);
          handBack(probs);
          return tensorFrom(d, [N, K]);
        },
      ],
    };
  });
  return op(logits) as tf.Scalar;
}

const nativeSelu = customOp(([x]) => {
  const k = nativeSequenceReady()!;
  const n = x!.size;
  const y = takeFloats(n);
  const xv = readFloats(x!);
  k.selu(n, xv, y);
  handBack(xv);
  return {
    // Kept for the gradient: the cpu backend keeps y as the value's own data, the wasm backend a copy.
    value: tf.tensor(y, x!.shape),
    gradients: (dy) => [
      () => {
        const dx = takeFloats(n);
        const dyv = readFloats(dy);
        k.seluBackward(n, y, dyv, dx);
        handBack(dyv);
        if (tf.getBackend() === 'wasm') handBack(y);
        return tensorFrom(dx, x!.shape);
      },
    ],
  };
});

/**
 * Scaled exponential linear unit, `scale · (x > 0 ? x : alpha · (eˣ − 1))`.
 *
 * @param x - any tensor
 * @returns a new tensor of the same shape
 */
export function selu<T extends tf.Tensor>(x: T): T {
  return (nativeSequenceReady() === null ? tf.selu(x) : nativeSelu(x)) as T;
}

/** The parts of a dense layer `oneHotDense` reads. */
interface DenseWeights {
  readonly kernel: tf.Tensor;
  readonly bias: tf.Tensor;
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

/**
 * A dense layer applied to one-hot rows, `onehot(indices, K) · kernel + bias`: on a CPU-resident
 * backend as a lookup of kernel rows (its gradient a scatter-add), elsewhere as the product. The
 * values are the same: a one-hot row times a matrix adds one row and zeros.
 *
 * @param dense - the layer, kernel `[K, E]`
 * @param indices - `[N]` int32, each in `[0, K)`
 * @param K - the one-hot width
 * @returns `[N, E]`
 */
export function oneHotDense(dense: DenseWeights, indices: tf.Tensor1D, K: number): tf.Tensor2D {
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') {
    return dense.apply(tf.cast(tf.oneHot(indices, K), 'float32') as tf.Tensor2D);
  }
  const rows = Int32Array.from(indices.dataSync());
  const N = rows.length;
  const k = nativeSequenceReady();
  const op = customOp(([kernel, bias]) => {
    const E = kernel!.shape[1]!;
    const W = floats(kernel!);
    const b = floats(bias!);
    const out = new Float32Array(N * E);
    if (k !== null) {
      k.gatherRows(N, K, E, W, rows, b, out);
    } else {
      for (let i = 0; i < N; i++) {
        const r = rows[i]!;
        if (!(r >= 0 && r < K)) throw new RangeError(`oneHotDense: index ${r} outside [0, ${K})`);
        out.set(W.subarray(r * E, (r + 1) * E), i * E);
        for (let j = 0; j < E; j++) out[i * E + j]! += b[j]!;
      }
    }
    return {
      value: tf.tensor2d(out, [N, E]),
      gradients: (dy) => {
        const d = floats(dy);
        return [
          () => {
            const dW = new Float32Array(K * E);
            if (k !== null) k.scatterAddRows(N, K, E, d, rows, dW);
            else {
              for (let i = 0; i < N; i++) {
                const base = rows[i]! * E;
                for (let j = 0; j < E; j++) dW[base + j]! += d[i * E + j]!;
              }
            }
            return tf.tensor2d(dW, [K, E]);
          },
          () => {
            const db = new Float32Array(E);
            if (k !== null) k.columnSums(N, E, d, db);
            else for (let i = 0; i < N; i++) for (let j = 0; j < E; j++) db[j]! += d[i * E + j]!;
            return tf.tensor1d(db);
          },
        ];
      },
    };
  });
  return op(dense.kernel, dense.bias) as tf.Tensor2D;
}
