import { InvalidArgumentError } from '../errors.js';
import type { OriginalLstmConfig } from '../model/config.js';
import { SELU_ALPHA, SELU_SCALE } from '../model/selu-constants.js';
import { arenaFloats, createMatmulArena, padTo8, type ArenaBlock, type MatmulArena } from './matmul.js';
import type { StepNetwork, WeightMap, WeightTensor } from './step-network.js';

/**
 * The original network (`createOriginalLstm`, spec §5) as a `StepNetwork`: the same weights and
 * math, one note at a time, without TensorFlow.js. Dropout is off (inference). The input's one-hot
 * pitch makes the input projection a sum of four rows of the kernel, so per step the work is the
 * recurrent product `h · U`, the dense block and the two heads (`matmul.ts`).
 *
 * Checked against the tfjs model's `forward` in `original-lstm-step.test.ts`.
 */

const PITCHES = 120;
const REALS = 3;

function tensor(weights: WeightMap, name: string, shape: readonly number[]): WeightTensor {
  const t = weights.get(name);
  if (!t) throw new InvalidArgumentError(`model weights: '${name}' is missing`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new InvalidArgumentError(
      `model weights: '${name}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`,
    );
  }
  if (t.data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new InvalidArgumentError(`model weights: '${name}' has ${t.data.length} values for its shape`);
  }
  return t;
}

/** Copies a Keras kernel `[inputs, outputs]` into `block` as `[outputs, stride]` (transposed, zero-padded). */
function transposeInto(
  kernel: Float32Array,
  inputs: number,
  outputs: number,
  block: ArenaBlock,
  stride: number,
) {
  const out = block.view;
  for (let i = 0; i < inputs; i++) {
    const row = i * outputs;
    for (let j = 0; j < outputs; j++) out[j * stride + i] = kernel[row + j]!;
  }
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

interface DenseLayer {
  readonly w: ArenaBlock;
  readonly b: ArenaBlock;
  readonly inputs: number;
  readonly stride: number;
  readonly outputs: number;
}

/**
 * Builds the step network from the model's weights.
 *
 * @param config - the model's configuration
 * @param weights - its weights by name (from a checkpoint, or a tfjs model's variables)
 * @param batch - rows advanced together (default 1)
 * @param options - `simd: false` forces the JavaScript kernel
 * @returns the network, state zero
 * @throws InvalidArgumentError naming a missing or misshapen weight
 */
export function createOriginalLstmStep(
  config: OriginalLstmConfig,
  weights: WeightMap,
  batch = 1,
  options: { simd?: boolean } = {},
): StepNetwork {
  if (!Number.isSafeInteger(batch) || batch < 1) {
    throw new InvalidArgumentError(`batch ${batch} is not a whole number >= 1`);
  }
  const H = config.units;
  const D = config.denseUnits;
  const lstm = config.rnn === 'lstm';
  const gates = lstm ? 4 : 3;
  const G = gates * H;
  const inputs = REALS + PITCHES;
  const Hs = padTo8(H);
  const Ds = padTo8(D);
  const F = D + H;
  const Fs = padTo8(F);

  const kernel = tensor(weights, 'rnn/kernel', [inputs, G]).data;
  const recurrent = tensor(weights, 'rnn/recurrent_kernel', [H, G]).data;
  const rnnBias = tensor(weights, 'rnn/bias', lstm ? [G] : [2, G]).data;

  const denseShapes: [number, number][] = [];
  for (let i = 0; i < config.blocks; i++) denseShapes.push([i === 0 ? H : D, D]);
  const sizes = [G * Hs, G, batch * Hs, batch * G];
  for (const [inp, out] of denseShapes) sizes.push(out * padTo8(inp), out, batch * Ds);
  sizes.push(batch * Fs, PITCHES * Fs, PITCHES, batch * PITCHES, REALS * Fs, REALS, batch * REALS);
  const arena: MatmulArena = createMatmulArena(arenaFloats(sizes), options);

  // Recurrent product: z = b_rec + h · U (the input part is added per step from `kernel`'s rows).
  const U = arena.alloc(G * Hs);
  transposeInto(recurrent, H, G, U, Hs);
  const recurrentBias = arena.alloc(G);
  // LSTM: one bias, added here. GRU (reset_after): row 1 is the recurrent bias, row 0 the input bias.
  recurrentBias.view.set(lstm ? rnnBias : rnnBias.subarray(G, 2 * G));
  const inputBias = lstm ? null : rnnBias.subarray(0, G);
  const h = arena.alloc(batch * Hs);
  const z = arena.alloc(batch * G);
  const c = new Float32Array(lstm ? batch * H : 0);
  const xz = new Float32Array(lstm ? 0 : G); // GRU: the input projection of one row

  const dense: DenseLayer[] = [];
  const denseOut: ArenaBlock[] = [];
  denseShapes.forEach(([inp, out], i) => {
    const stride = padTo8(inp);
    const w = arena.alloc(out * stride);
    transposeInto(tensor(weights, `dense${i + 1}/kernel`, [inp, out]).data, inp, out, w, stride);
    const b = arena.alloc(out);
    b.view.set(tensor(weights, `dense${i + 1}/bias`, [out]).data);
    dense.push({ w, b, inputs: inp, stride, outputs: out });
    denseOut.push(arena.alloc(batch * Ds));
  });
  const features = arena.alloc(batch * Fs);
  const head = (name: string, outputs: number) => {
    const w = arena.alloc(outputs * Fs);
    transposeInto(tensor(weights, `${name}/kernel`, [F, outputs]).data, F, outputs, w, Fs);
    const b = arena.alloc(outputs);
    b.view.set(tensor(weights, `${name}/bias`, [outputs]).data);
    return { w, b, out: arena.alloc(batch * outputs) };
  };
  const pitchHead = head('pitch', PITCHES);
  const regressionHead = head('regression', REALS);
  const regression = new Float32Array(batch * REALS);
  const stateSize = lstm ? 2 * H : H;

  const selu = (block: ArenaBlock, stride: number, width: number) => {
    const v = block.view;
    for (let b = 0; b < batch; b++) {
      for (let j = b * stride, end = b * stride + width; j < end; j++) {
        const x = v[j]!;
        v[j] = x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * (Math.exp(x) - 1);
      }
    }
  };

  const checkRow = (row: number) => {
    if (!Number.isSafeInteger(row) || row < 0 || row >= batch) {
      throw new InvalidArgumentError(`state row ${row} is not in 0..${batch - 1}`);
    }
  };

  return {
    config,
    batch,
    stateSize,
    pitchLogits: pitchHead.out.view,
    regression,
    step(rows) {
      if (rows.length !== batch) {
        throw new InvalidArgumentError(`step: ${rows.length} notes for a batch of ${batch}`);
      }
      arena.matmul(U, G, Hs, h, batch, recurrentBias, z, G);
      const zv = z.view;
      const hv = h.view;
      for (let b = 0; b < batch; b++) {
        const [delay, duration, volume, pitch] = rows[b]!;
        const p = pitch + 60;
        if (!Number.isInteger(p) || p < 0 || p >= PITCHES) {
          throw new InvalidArgumentError(`step: pitch ${pitch} is not an integer in -60..59`);
        }
        const k0 = 0;
        const k1 = G;
        const k2 = 2 * G;
        const kp = (REALS + p) * G;
        const zb = b * G;
        const hb = b * Hs;
        if (lstm) {
          for (let j = 0; j < G; j++) {
            zv[zb + j] =
              zv[zb + j]! +
              delay * kernel[k0 + j]! +
              duration * kernel[k1 + j]! +
              volume * kernel[k2 + j]! +
              kernel[kp + j]!;
          }
          const cb = b * H;
          for (let j = 0; j < H; j++) {
            const i = sigmoid(zv[zb + j]!);
            const f = sigmoid(zv[zb + H + j]!);
            const g = Math.tanh(zv[zb + 2 * H + j]!);
            const o = sigmoid(zv[zb + 3 * H + j]!);
            const cn = f * c[cb + j]! + i * g;
            c[cb + j] = cn;
            hv[hb + j] = o * Math.tanh(cn);
          }
        } else {
          for (let j = 0; j < G; j++) {
            xz[j] =
              inputBias![j]! +
              delay * kernel[k0 + j]! +
              duration * kernel[k1 + j]! +
              volume * kernel[k2 + j]! +
              kernel[kp + j]!;
          }
          for (let j = 0; j < H; j++) {
            const u = sigmoid(xz[j]! + zv[zb + j]!);
            const r = sigmoid(xz[H + j]! + zv[zb + H + j]!);
            const n = Math.tanh(xz[2 * H + j]! + r * zv[zb + 2 * H + j]!);
            hv[hb + j] = n + u * (hv[hb + j]! - n);
          }
        }
      }
      let x = h;
      dense.forEach((layer, i) => {
        const last = i === dense.length - 1;
        const out = last ? features : denseOut[i]!;
        const stride = last ? Fs : Ds;
        arena.matmul(layer.w, layer.outputs, layer.stride, x, batch, layer.b, out, stride);
        selu(out, stride, layer.outputs);
        x = out;
      });
      const fv = features.view;
      for (let b = 0; b < batch; b++) fv.set(hv.subarray(b * Hs, b * Hs + H), b * Fs + D);
      arena.matmul(pitchHead.w, PITCHES, Fs, features, batch, pitchHead.b, pitchHead.out, PITCHES);
      arena.matmul(regressionHead.w, REALS, Fs, features, batch, regressionHead.b, regressionHead.out, REALS);
      const rv = regressionHead.out.view;
      for (let i = 0; i < batch * REALS; i++) regression[i] = 4 * sigmoid(rv[i]!);
    },
    saveState(row) {
      checkRow(row);
      const state = new Float32Array(stateSize);
      state.set(h.view.subarray(row * Hs, row * Hs + H));
      if (lstm) state.set(c.subarray(row * H, row * H + H), H);
      return state;
    },
    loadState(row, state) {
      checkRow(row);
      if (state.length !== stateSize) {
        throw new InvalidArgumentError(`state of ${state.length} floats, expected ${stateSize}`);
      }
      h.view.set(state.subarray(0, H), row * Hs);
      if (lstm) c.set(state.subarray(H, 2 * H), row * H);
    },
    reset() {
      h.view.fill(0);
      c.fill(0);
    },
  };
}
