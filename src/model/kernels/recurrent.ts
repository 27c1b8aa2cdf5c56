import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../../errors.js';
import { gruSequenceAutodiff, gruSequenceFused, gruStep, type GruWeights } from './gru.js';
import { lstmSequenceAutodiff, lstmSequenceFused, lstmStep, type LstmWeights } from './lstm.js';

/**
 * Recurrent layers (LSTM, GRU) on TensorFlow.js ops with Keras's weight layout, so weights load
 * into `tf.layers.lstm` / Keras and back. See `src/model/README.md` for the design and figures.
 */

/** Which recurrent cell. */
export type RecurrentKind = 'lstm' | 'gru';

/** A recurrent layer's state between steps. */
export interface RecurrentState {
  /** `[B, H]` hidden state (= the layer's output at that step). */
  h: tf.Tensor2D;
  /** `[B, H]` cell state; LSTM only. */
  c?: tf.Tensor2D;
}

/**
 * How `forward` computes its gradient: `'fused'` (default) a hand-derived backward pass through
 * `tf.customGrad`, fast and lean; `'autodiff'` plain tfjs ops and tfjs's autodiff (the reference).
 * Both give the same values.
 */
export type RecurrentImplementation = 'fused' | 'autodiff';

/** Options of `createRecurrentLayer`. */
export interface RecurrentLayerOptions {
  kind: RecurrentKind;
  inputSize: number;
  units: number;
  /** Integer seed of the initial weights; random when absent. */
  seed?: number;
  /** Prefix of the variable names (unique in the tfjs engine); default `lstm_N` / `gru_N`. */
  name?: string;
  /** Gradient implementation of `forward` (default `'fused'`). */
  implementation?: RecurrentImplementation;
}

/** A recurrent layer: the whole-sequence pass for training, `step` for stateful generation. */
export interface RecurrentLayer {
  readonly kind: RecurrentKind;
  readonly inputSize: number;
  readonly units: number;
  /**
   * Keras layout, in this order: kernel `[in, G·H]`, recurrent_kernel `[H, G·H]`, bias (LSTM
   * `[4H]`, gate order i, f, c, o; GRU with reset_after=true `[2, 3H]`, gate order z, r, h as
   * Keras). Names `${name}/kernel`, `${name}/recurrent_kernel`, `${name}/bias`.
   */
  readonly variables: tf.Variable[];
  /**
   * Whole sequence `[B, T, in]` → outputs `[B, T, H]` and the final state; differentiable w.r.t.
   * `x`, the variables and `initial` (use inside `tf.variableGrads` / `optimizer.minimize`).
   */
  forward(x: tf.Tensor3D, initial?: RecurrentState): { outputs: tf.Tensor3D; final: RecurrentState };
  /** One step `[B, in]` → the new state (outputs = `state.h`), for stateful generation. */
  step(x: tf.Tensor2D, state: RecurrentState): RecurrentState;
  /** All-zero state for a batch of `batch`. */
  zeroState(batch: number): RecurrentState;
  /** Frees the variables (idempotent). */
  dispose(): void;
}

let layerCount = 0;

/**
 * Keras's `orthogonal` initializer for a `[rows, cols]` matrix: QR (modified Gram–Schmidt, in
 * float64) of a seeded standard-normal `[max, min]` matrix, transposed when rows < cols, so the
 * rows (or columns) are orthonormal.
 *
 * @param rows - first dimension
 * @param cols - second dimension
 * @param seed - integer seed
 * @returns the matrix
 */
export function orthogonalMatrix(rows: number, cols: number, seed: number): tf.Tensor2D {
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  // Read outside a tidy: a tidy walks a typed array it returns element by element.
  const noise = tf.randomNormal([n, m], 0, 1, 'float32', seed);
  const normal = noise.dataSync() as Float32Array;
  noise.dispose();
  // Columns of the [m, n] matrix, each contiguous.
  const q: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = Float64Array.from(normal.subarray(j * m, (j + 1) * m));
    for (const u of q) {
      let dot = 0;
      for (let k = 0; k < m; k++) dot += u[k]! * v[k]!;
      for (let k = 0; k < m; k++) v[k]! -= dot * u[k]!;
    }
    let norm = 0;
    for (let k = 0; k < m; k++) norm += v[k]! * v[k]!;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < m; k++) v[k]! /= norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let j = 0; j < n; j++) {
    const v = q[j]!;
    for (let k = 0; k < m; k++) {
      // [m, n] has Q[k][j] = v[k]; when rows < cols the result is its transpose [n, m].
      if (rows >= cols) out[k * cols + j] = v[k]!;
      else out[j * cols + k] = v[k]!;
    }
  }
  return tf.tensor2d(out, [rows, cols]);
}

/**
 * Keras's `glorot_uniform` for a `[fanIn, fanOut]` kernel.
 *
 * @param fanIn - rows
 * @param fanOut - columns
 * @param seed - integer seed
 * @returns the matrix
 */
export function glorotUniformMatrix(fanIn: number, fanOut: number, seed: number): tf.Tensor2D {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', seed) as tf.Tensor2D;
}

function checkPositiveInteger(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${what} must be a positive integer, got ${value}`);
  }
}

/**
 * Creates an LSTM or GRU layer with fresh weights: Glorot-uniform kernel, orthogonal recurrent
 * kernel, zero bias (LSTM: forget-gate bias 1, as Keras's `unit_forget_bias`), all seeded.
 *
 * @param options - kind, sizes, seed, name
 * @returns the layer; `dispose()` it when done
 * @throws InvalidArgumentError on a bad size or kind
 * @example const rnn = createRecurrentLayer({ kind: 'lstm', inputSize: 123, units: 192, seed: 1 });
 */
export function createRecurrentLayer(options: RecurrentLayerOptions): RecurrentLayer {
  const { kind, inputSize, units } = options;
  if (kind !== 'lstm' && kind !== 'gru') {
    throw new InvalidArgumentError(
      `unknown recurrent layer kind '${String(kind)}' (expected 'lstm' or 'gru')`,
    );
  }
  checkPositiveInteger('inputSize', inputSize);
  checkPositiveInteger('units', units);
  const implementation = options.implementation ?? 'fused';
  if (implementation !== 'fused' && implementation !== 'autodiff') {
    throw new InvalidArgumentError(`unknown implementation '${String(implementation)}'`);
  }
  const name = options.name ?? `${kind}_${++layerCount}`;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const gates = kind === 'lstm' ? 4 : 3;
  const H = units;
  const kernelValue = glorotUniformMatrix(inputSize, gates * H, seed);
  const recurrentValue = orthogonalMatrix(H, gates * H, (seed + 1) % 2 ** 31);
  const biasValue = tf.tidy(() =>
    kind === 'lstm' ? tf.concat([tf.zeros([H]), tf.ones([H]), tf.zeros([2 * H])]) : tf.zeros([2, gates * H]),
  );
  const kernel = tf.variable(kernelValue, true, `${name}/kernel`) as tf.Variable<tf.Rank.R2>;
  const recurrentKernel = tf.variable(
    recurrentValue,
    true,
    `${name}/recurrent_kernel`,
  ) as tf.Variable<tf.Rank.R2>;
  const bias = tf.variable(biasValue, true, `${name}/bias`);
  tf.dispose([kernelValue, recurrentValue, biasValue]);
  const variables: tf.Variable[] = [kernel, recurrentKernel, bias];

  const checkInput = (x: tf.Tensor, rank: number, what: string): void => {
    if (x.rank !== rank || x.shape[rank - 1] !== inputSize) {
      throw new InvalidArgumentError(
        `${name}: ${what} must have shape [${rank === 3 ? 'B, T, ' : 'B, '}${inputSize}], got [${x.shape.join(', ')}]`,
      );
    }
  };
  const checkState = (state: RecurrentState, batch: number): void => {
    const bad = (t: tf.Tensor | undefined): boolean =>
      t === undefined || t.rank !== 2 || t.shape[0] !== batch || t.shape[1] !== H;
    if (bad(state.h) || (kind === 'lstm' && bad(state.c))) {
      throw new InvalidArgumentError(
        `${name}: the state must hold h${kind === 'lstm' ? ' and c' : ''} of shape [${batch}, ${H}]`,
      );
    }
  };

  const zeroState = (batch: number): RecurrentState => {
    checkPositiveInteger('batch', batch);
    return kind === 'lstm'
      ? { h: tf.zeros([batch, H]), c: tf.zeros([batch, H]) }
      : { h: tf.zeros([batch, H]) };
  };

  return {
    kind,
    inputSize,
    units,
    variables,
    forward(x, initial) {
      checkInput(x, 3, 'the input');
      const [B, T] = x.shape;
      if (T < 1) throw new InvalidArgumentError(`${name}: the input has no time steps`);
      if (initial !== undefined) checkState(initial, B);
      return tf.tidy(() => {
        const start = initial ?? zeroState(B);
        if (kind === 'lstm') {
          const w: LstmWeights = { kernel, recurrentKernel, bias: bias as tf.Variable<tf.Rank.R1> };
          const run = implementation === 'fused' ? lstmSequenceFused : lstmSequenceAutodiff;
          const { outputs, h, c } = run(x, start.h, start.c!, w);
          return { outputs, final: { h, c } };
        }
        const w: GruWeights = { kernel, recurrentKernel, bias: bias as tf.Variable<tf.Rank.R2> };
        const run = implementation === 'fused' ? gruSequenceFused : gruSequenceAutodiff;
        const { outputs, h } = run(x, start.h, w);
        return { outputs, final: { h } };
      });
    },
    step(x, state) {
      checkInput(x, 2, 'the input of a step');
      checkState(state, x.shape[0]);
      if (kind === 'lstm') {
        const w: LstmWeights = { kernel, recurrentKernel, bias: bias as tf.Variable<tf.Rank.R1> };
        return lstmStep(x, state.h, state.c!, w);
      }
      const w: GruWeights = { kernel, recurrentKernel, bias: bias as tf.Variable<tf.Rank.R2> };
      return { h: gruStep(x, state.h, w) };
    },
    zeroState,
    dispose() {
      for (const v of variables) if (!v.isDisposed) v.dispose();
    },
  };
}
