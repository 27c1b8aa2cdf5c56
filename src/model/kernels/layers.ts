import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../random/rng.js';
import { customOp } from './custom-op.js';
import { nativeSequenceReady } from './native-sequence.js';
import { handBack, readFloats, takeFloats, tensorFrom } from './reused-arrays.js';
import { SELU_ALPHA, SELU_SCALE } from './selu-constants.js';

/**
 * Small building blocks on TensorFlow.js ops for the models: a dense layer with Keras's weight
 * layout, SELU, and AlphaDropout whose random mask comes from a caller-given seed (so a training
 * run can be reproduced and resumed exactly).
 */

/** A variable with the stable name a checkpoint stores it under. */
export interface NamedVariable {
  /** Stable name, e.g. `'dense1/kernel'`; the same in every instance of the model. */
  readonly name: string;
  readonly variable: tf.Variable;
}

/** How `createDense` initialises its kernel (the bias starts at zero). */
export type KernelInit = 'glorot-uniform' | 'lecun-normal';

/** A fully connected layer: `x · kernel + bias`, kernel `[inputSize, units]` as in Keras. */
export interface Dense {
  readonly inputSize: number;
  readonly units: number;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  /** Applies the layer to `[N, inputSize]`. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
}

/**
 * Creates a dense layer whose variables are registered under `${prefix}${name}/kernel` and
 * `/bias` (the prefix keeps several model instances apart in the tfjs engine) and returned as
 * `NamedVariable`s under `${name}/kernel` and `${name}/bias`.
 *
 * @param name - stable layer name
 * @param inputSize - input width
 * @param units - output width
 * @param init - kernel initialiser: `'lecun-normal'` (truncated normal, std √(1/in), for SELU layers)
 *   or `'glorot-uniform'` (Keras's default)
 * @param seed - integer seed of the initialiser
 * @param prefix - engine-unique prefix for the tfjs variable names
 * @returns the layer and its variables
 * @example const { layer } = createDense('pitch', 448, 120, 'glorot-uniform', 1, 'm1/');
 */
export function createDense(
  name: string,
  inputSize: number,
  units: number,
  init: KernelInit,
  seed: number,
  prefix: string,
): { layer: Dense; variables: NamedVariable[] } {
  const kernelValue = tf.tidy(() =>
    init === 'lecun-normal'
      ? // Keras's lecun_normal: truncated normal whose std after truncation is √(1/in).
        tf.truncatedNormal(
          [inputSize, units],
          0,
          Math.sqrt(1 / inputSize) / 0.8796256610342398,
          'float32',
          seed,
        )
      : tf.randomUniform(
          [inputSize, units],
          -Math.sqrt(6 / (inputSize + units)),
          Math.sqrt(6 / (inputSize + units)),
          'float32',
          seed,
        ),
  );
  const kernel = tf.variable(kernelValue, true, `${prefix}${name}/kernel`);
  kernelValue.dispose();
  const bias = tf.tidy(() => tf.variable(tf.zeros([units]), true, `${prefix}${name}/bias`));
  const layer: Dense = {
    inputSize,
    units,
    kernel,
    bias,
    apply: (x) => tf.add(tf.matMul(x, kernel as tf.Tensor2D), bias),
  };
  return {
    layer,
    variables: [
      { name: `${name}/kernel`, variable: kernel },
      { name: `${name}/bias`, variable: bias },
    ],
  };
}

export { SELU_ALPHA, SELU_SCALE };
/** SELU, fused on the native kernels where they run (`head-ops.ts`). */
export { selu } from './head-ops.js';

/**
 * AlphaDropout (Klambauer et al. 2017; Keras's `AlphaDropout`): while training, each element is
 * replaced with probability `rate` by SELU's negative saturation value −scale·alpha, then an affine
 * map restores the mean and variance, so a self-normalising network stays normalised. Outside
 * training (or with `rate` 0) it is the identity.
 *
 * The mask comes from the integer `seed`, so training is reproducible and resumable, and it is the
 * same on every backend: Howl's own generator (`random/rng.ts`) draws the dropped positions; on the
 * CPU-resident backends (wasm, cpu) one fused op applies them, elsewhere (webgpu, webgl) they are
 * scattered into a mask on the device (a few hundred indices sent, not a mask of every value).
 *
 * @param x - activations
 * @param rate - drop probability in [0, 1)
 * @param seed - integer seed of the mask; ignored when not dropping
 * @returns a new tensor (or `x` itself when not dropping)
 * @example alphaDropout(h, 0.01, 1234);
 */
export function alphaDropout<T extends tf.Tensor>(x: T, rate: number, seed: number | undefined): T {
  if (!(rate > 0) || seed === undefined) return x;
  const alphaP = -SELU_ALPHA * SELU_SCALE;
  const a = 1 / Math.sqrt((1 - rate) * (1 + rate * alphaP * alphaP));
  const b = -a * alphaP * rate;
  const backend = tf.getBackend();
  if (backend === 'wasm' || backend === 'cpu') return fusedAlphaDropout(x, rate, seed, a, b, alphaP) as T;
  const drops = droppedPositions(x.size, rate, seed);
  return tf.tidy(() => {
    const lost =
      drops.length === 0
        ? tf.zeros(x.shape)
        : tf.reshape(
            tf.scatterND(tf.tensor2d(drops, [drops.length, 1], 'int32'), tf.ones([drops.length]), [x.size]),
            x.shape,
          );
    const dropped = tf.add(tf.mul(x, tf.sub(1, lost)), tf.mul(lost, alphaP));
    return tf.add(tf.mul(dropped, a), b) as T;
  });
}

/**
 * The positions AlphaDropout drops in `n` values: a Bernoulli(`rate`) process drawn as geometric
 * gaps (`⌊log U / log(1 − rate)⌋` kept values before each drop), so a rate of 1 % costs ~n/100
 * draws, not n.
 */
function droppedPositions(n: number, rate: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const logKeep = Math.log1p(-rate);
  const positions: number[] = [];
  for (let i = -1; ;) {
    i += 1 + Math.floor(Math.log(1 - rng.next()) / logKeep);
    if (i >= n) break;
    positions.push(i);
  }
  return Int32Array.from(positions);
}

/** AlphaDropout as one op on the CPU: `kept ? a·x + b : a·alphaP + b`, gradient `kept ? a·dy : 0`. */
function fusedAlphaDropout(
  x: tf.Tensor,
  rate: number,
  seed: number,
  a: number,
  b: number,
  alphaP: number,
): tf.Tensor {
  const op = customOp(([input]) => {
    const n = input!.size;
    const values = readFloats(input!);
    const drops = droppedPositions(n, rate, seed);
    const k = nativeSequenceReady();
    const y = takeFloats(n);
    if (k !== null) k.affine(n, values, a, b, y);
    else for (let i = 0; i < n; i++) y[i] = a * values[i]! + b;
    handBack(values);
    const dropped = a * alphaP + b;
    for (const i of drops) y[i] = dropped;
    return {
      value: tensorFrom(y, input!.shape),
      gradients: (dy) => [
        () => {
          const d = readFloats(dy);
          const dx = takeFloats(n);
          if (k !== null) k.affine(n, d, a, 0, dx);
          else for (let i = 0; i < n; i++) dx[i] = a * d[i]!;
          handBack(d);
          for (const i of drops) dx[i] = 0;
          return tensorFrom(dx, input!.shape);
        },
      ],
    };
  });
  return op(x);
}
