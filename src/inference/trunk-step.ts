import type { V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import type { RnnConfig } from '../model/config.js';
import { arenaFloats, createMatmulArena, padTo8, type ArenaBlock, type MatmulArena } from './matmul.js';
import {
  denseSizes,
  loadDense,
  seluRows,
  transposeInto,
  weightTensor,
  type ArenaDense,
} from './step-weights.js';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * The trunk every Howl network shares (`src/model/trunk.ts`: recurrent layer, SELU block, skip) as
 * a step network: one note per row per `step`, the state kept. The heads of each network type
 * read `features` (`[batch, Fs]`: block output, then the recurrent output; `F = denseUnits + units`
 * floats used per row) and allocate their own blocks from the same arena.
 *
 * The input's pitch one-hots make the input projection a sum of kernel rows, so per step the work is
 * the recurrent product `h · U`, the gate math and the dense block.
 */

/** How a network type turns a V1 row into its input: some reals, then pitch one-hots. */
export interface TrunkInput {
  /** Reals per row (the first kernel rows). */
  readonly reals: number;
  /** Pitch features after the reals (the one-hots' width). */
  readonly pitchWidth: number;
  /**
   * Floats after the pitch features (an infill network's seven), read per row from
   * `TrunkStep.extraInputs`; default 0.
   */
  readonly extra?: number;
  /** Writes the row's reals into `out` from 0. */
  writeReals(row: V1Row, out: Float64Array): void;
  /** Writes the pitch feature indices that are 1 for MIDI pitch `pitch` into `out`; returns their count (≤ 2). */
  pitchIndices(pitch: number, out: Int32Array): number;
}

/** The trunk's step network. */
export interface TrunkStep {
  readonly arena: MatmulArena;
  /** `[batch, Fs]` features after the last step. */
  readonly features: ArenaBlock;
  /** Features used per row: `denseUnits + units`. */
  readonly F: number;
  /** Row stride of `features` (`padTo8(F)`). */
  readonly Fs: number;
  readonly stateSize: number;
  /** `[batch, extra]`: the inputs after the pitch features the next `step` reads (zeros until written). */
  readonly extraInputs: Float64Array;
  step(rows: readonly V1Row[]): void;
  saveState(row: number): Float32Array;
  loadState(row: number, state: Float32Array): void;
  reset(): void;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Everything a trunk step reads and writes, allocated once. */
interface TrunkState {
  readonly batch: number;
  readonly input: TrunkInput;
  /** Recurrent units, dense units, gate width (4H or 3H), input reals, inputs after the pitch. */
  readonly H: number;
  readonly D: number;
  readonly G: number;
  readonly R: number;
  readonly E: number;
  readonly lstm: boolean;
  /** Row strides of `h` and of the dense outputs (`padTo8`). */
  readonly Hs: number;
  readonly Ds: number;
  readonly Fs: number;
  readonly arena: MatmulArena;
  /** The input kernel `[R + pitchWidth, G]`, read by rows. */
  readonly kernel: Float32Array;
  /** The recurrent kernel, transposed, and the bias added with it. */
  readonly U: ArenaBlock;
  readonly recurrentBias: ArenaBlock;
  /** The GRU's input bias (null for the LSTM, whose one bias is `recurrentBias`). */
  readonly inputBias: Float32Array | null;
  /** `[batch, Hs]`: the recurrent state and output. */
  readonly h: ArenaBlock;
  /** `[batch, G]`: `h · U` plus bias. */
  readonly z: ArenaBlock;
  readonly features: ArenaBlock;
  /** The LSTM's cell state, `[batch, H]` (empty for the GRU). */
  readonly c: Float32Array;
  /** The input projection of one row. */
  readonly xz: Float32Array;
  readonly reals: Float64Array;
  /** The input's pitch one-hot positions. */
  readonly pitchOnes: Int32Array;
  /** `[batch, E]` the inputs after the pitch features. */
  readonly extraInputs: Float64Array;
  readonly dense: readonly ArenaDense[];
  readonly denseOut: readonly ArenaBlock[];
}

/**
 * Builds the trunk from a model's weights, in an arena with room for the heads' blocks too.
 *
 * @param config - the model's configuration (its trunk fields)
 * @param weights - the weights by name
 * @param batch - rows advanced together
 * @param input - how rows become inputs
 * @param headSizes - the float counts of the blocks the heads will allocate
 * @param options - `simd: false` forces the JavaScript kernel
 * @returns the trunk, state zero
 * @throws InvalidArgumentError naming a missing or misshapen weight, or for a bad batch
 */
export function createTrunkStep(
  config: RnnConfig,
  weights: WeightMap,
  batch: number,
  input: TrunkInput,
  headSizes: readonly number[],
  options: { simd?: boolean } = {},
): TrunkStep {
  if (!Number.isSafeInteger(batch) || batch < 1) {
    throw new InvalidArgumentError(`batch ${batch} is not a whole number >= 1`);
  }
  const s = loadTrunk(config, weights, batch, input, headSizes, options);
  const { H, Hs, lstm, h, c } = s;
  const stateSize = lstm ? 2 * H : H;

  const checkRow = (row: number) => {
    if (!Number.isSafeInteger(row) || row < 0 || row >= batch) {
      throw new InvalidArgumentError(`state row ${row} is not in 0..${batch - 1}`);
    }
  };

  return {
    arena: s.arena,
    features: s.features,
    F: s.D + H,
    Fs: s.Fs,
    stateSize,
    extraInputs: s.extraInputs,
    step: (rows) => stepTrunk(s, rows),
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

/** Sizes the arena, loads the recurrent layer and the dense block, allocates the buffers. */
function loadTrunk(
  config: RnnConfig,
  weights: WeightMap,
  batch: number,
  input: TrunkInput,
  headSizes: readonly number[],
  options: { simd?: boolean },
): TrunkState {
  const H = config.units;
  const D = config.denseUnits;
  const lstm = config.rnn === 'lstm';
  const G = (lstm ? 4 : 3) * H;
  const R = input.reals;
  const E = input.extra ?? 0;
  const Hs = padTo8(H);
  const Ds = padTo8(D);
  const Fs = padTo8(D + H);

  const kernel = weightTensor(weights, 'rnn/kernel', [R + input.pitchWidth + E, G]).data;
  const recurrent = weightTensor(weights, 'rnn/recurrent_kernel', [H, G]).data;
  const rnnBias = weightTensor(weights, 'rnn/bias', lstm ? [G] : [2, G]).data;

  const denseShapes: [number, number][] = [];
  for (let i = 0; i < config.blocks; i++) denseShapes.push([i === 0 ? H : D, D]);
  const sizes = [G * Hs, G, batch * Hs, batch * G, batch * Fs, ...headSizes];
  for (const [inp, out] of denseShapes) sizes.push(...denseSizes(inp, out), batch * Ds);
  const arena = createMatmulArena(arenaFloats(sizes), options);

  // Recurrent product: z = b_rec + h · U (the input part is added per step from `kernel`'s rows).
  const U = arena.alloc(G * Hs);
  transposeInto(recurrent, H, G, U, Hs);
  const recurrentBias = arena.alloc(G);
  // LSTM: one bias, added here. GRU (reset_after): row 1 is the recurrent bias, row 0 the input bias.
  recurrentBias.view.set(lstm ? rnnBias : rnnBias.subarray(G, 2 * G));
  const inputBias = lstm ? null : rnnBias.subarray(0, G);
  const h = arena.alloc(batch * Hs);
  const z = arena.alloc(batch * G);
  const features = arena.alloc(batch * Fs);

  const dense: ArenaDense[] = [];
  const denseOut: ArenaBlock[] = [];
  denseShapes.forEach(([inp, out], i) => {
    dense.push(loadDense(arena, weights, `dense${i + 1}`, inp, out));
    denseOut.push(arena.alloc(batch * Ds));
  });
  return {
    batch,
    input,
    H,
    D,
    G,
    R,
    E,
    lstm,
    Hs,
    Ds,
    Fs,
    arena,
    kernel,
    U,
    recurrentBias,
    inputBias,
    h,
    z,
    features,
    c: new Float32Array(lstm ? batch * H : 0),
    xz: new Float32Array(G),
    reals: new Float64Array(R),
    pitchOnes: new Int32Array(2),
    extraInputs: new Float64Array(batch * E),
    dense,
    denseOut,
  };
}

/**
 * `xz` = the input projection of batch row `b`'s note (plus the GRU's input bias).
 *
 * @throws InvalidArgumentError for a pitch outside -60..59
 */
function project(s: TrunkState, row: V1Row, b: number): void {
  const { G, R, E, kernel, xz, inputBias, reals, pitchOnes } = s;
  const p = row[3] + 60;
  if (!Number.isInteger(p) || p < 0 || p >= PITCH_COUNT) {
    throw new InvalidArgumentError(`step: pitch ${row[3]} is not an integer in -60..59`);
  }
  if (inputBias) xz.set(inputBias);
  else xz.fill(0);
  const ones = s.input.pitchIndices(p, pitchOnes);
  for (let o = 0; o < ones; o++) {
    const k = (R + pitchOnes[o]!) * G;
    for (let j = 0; j < G; j++) xz[j] = xz[j]! + kernel[k + j]!;
  }
  s.input.writeReals(row, reals);
  for (let r = 0; r < R; r++) {
    const x = reals[r]!;
    if (x === 0) continue;
    const k = r * G;
    for (let j = 0; j < G; j++) xz[j] = xz[j]! + x * kernel[k + j]!;
  }
  const first = R + s.input.pitchWidth;
  for (let e = 0; e < E; e++) {
    const x = s.extraInputs[b * E + e]!;
    if (x === 0) continue;
    const k = (first + e) * G;
    for (let j = 0; j < G; j++) xz[j] = xz[j]! + x * kernel[k + j]!;
  }
}

/** Row b's LSTM gates: `z` (recurrent part) + `xz` (input part) update `c` and `h`. */
function lstmCell(s: TrunkState, b: number): void {
  const { H, G, Hs, xz, c } = s;
  const zv = s.z.view;
  const hv = s.h.view;
  const zb = b * G;
  const hb = b * Hs;
  const cb = b * H;
  for (let j = 0; j < H; j++) {
    const i = sigmoid(zv[zb + j]! + xz[j]!);
    const f = sigmoid(zv[zb + H + j]! + xz[H + j]!);
    const g = Math.tanh(zv[zb + 2 * H + j]! + xz[2 * H + j]!);
    const o = sigmoid(zv[zb + 3 * H + j]! + xz[3 * H + j]!);
    const cn = f * c[cb + j]! + i * g;
    c[cb + j] = cn;
    hv[hb + j] = o * Math.tanh(cn);
  }
}

/** Row b's GRU gates (reset after the product, as Keras's `reset_after`) update `h`. */
function gruCell(s: TrunkState, b: number): void {
  const { H, G, Hs, xz } = s;
  const zv = s.z.view;
  const hv = s.h.view;
  const zb = b * G;
  const hb = b * Hs;
  for (let j = 0; j < H; j++) {
    const u = sigmoid(xz[j]! + zv[zb + j]!);
    const r = sigmoid(xz[H + j]! + zv[zb + H + j]!);
    const n = Math.tanh(xz[2 * H + j]! + r * zv[zb + 2 * H + j]!);
    hv[hb + j] = n + u * (hv[hb + j]! - n);
  }
}

/**
 * One note per row: the recurrent layer, then the SELU block; `features` gets the block's output
 * and the recurrent output.
 *
 * @throws InvalidArgumentError for a wrong number of rows or a pitch outside -60..59
 */
function stepTrunk(s: TrunkState, rows: readonly V1Row[]): void {
  const { arena, batch, G, Hs, H, D, Ds, Fs, h, features, dense, denseOut } = s;
  if (rows.length !== batch) {
    throw new InvalidArgumentError(`step: ${rows.length} notes for a batch of ${batch}`);
  }
  arena.matmul(s.U, G, Hs, h, batch, s.recurrentBias, s.z, G);
  for (let b = 0; b < batch; b++) {
    project(s, rows[b]!, b);
    if (s.lstm) lstmCell(s, b);
    else gruCell(s, b);
  }
  let x = h;
  dense.forEach((layer, i) => {
    const last = i === dense.length - 1;
    const out = last ? features : denseOut[i]!;
    const stride = last ? Fs : Ds;
    arena.matmul(layer.w, layer.outputs, layer.stride, x, batch, layer.b, out, stride);
    seluRows(out.view, batch, stride, layer.outputs);
    x = out;
  });
  const fv = features.view;
  const hv = h.view;
  for (let b = 0; b < batch; b++) fv.set(hv.subarray(b * Hs, b * Hs + H), b * Fs + D);
}
