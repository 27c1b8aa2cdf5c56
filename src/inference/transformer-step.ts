import { InvalidArgumentError } from '../errors.js';
import type { TransformerConfig } from '../model/config.js';
import {
  ORDERED_REALS,
  orderedInputFeatures,
  pitchInputIndices,
  writeOrderedReals,
} from '../encoding/ordered-input.js';
import { alibiSlopes, NORM_EPSILON } from '../model/alibi.js';
import { arenaFloats, createMatmulArena, padTo8, type ArenaBlock } from './matmul.js';
import { createOrderedHeadsStep, orderedHeadsSizes } from './ordered-heads-step.js';
import type { WeightMap } from '../checkpoint/weight-map.js';
import type { OrderedStepNetwork } from './step-network.js';
import { denseSizes, loadDense, weightTensor } from './step-weights.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * Howl's transformer (`src/model/transformer.ts`) as a `StepNetwork`, with a key/value cache: each
 * `step` computes only the new note's query, key and value per layer and attends over the cached
 * keys of the last `window` notes (ALiBi's penalty depends only on the distance, so cached keys stay
 * valid as the window slides). One step per note, whatever the piece's length.
 *
 * Each row keeps its keys and values in a buffer of whole notes. Rows keep at least `history` notes
 * before the window too, so `rewind` can go back that far without a saved state; past that the
 * buffer drops the oldest notes, a window at a time. The default keeps everything for batch 1 (the composer's network, where
 * every edit rewinds) and only the window for larger batches (generation, evaluation).
 *
 * `saveState` copies a row's last `window − 1` notes (what the next step reads): large
 * (2 × layers × (window − 1) × modelUnits floats), for moving a row, not for every note.
 *
 * Checked against the tfjs model's loss in `transformer-step.test.ts`.
 */

/** Options of `createTransformerStep`. */
export interface TransformerStepOptions {
  /** `false` forces the JavaScript product kernel. */
  readonly simd?: boolean;
  /** Notes kept per row before the window, for `rewind` (default: all for batch 1, none otherwise). */
  readonly history?: number;
}

/** One block's weights in the arena, and its layer norms. */
interface StepBlock {
  readonly norm1: Norm;
  readonly qkv: ReturnType<typeof loadDense>;
  readonly out: ReturnType<typeof loadDense>;
  readonly norm2: Norm;
  readonly ff1: ReturnType<typeof loadDense>;
  readonly ff2: ReturnType<typeof loadDense>;
}

interface Norm {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
}

/** A row's cache: keys and values of each layer for notes `base .. base + length − 1`. */
interface RowCache {
  /** Notes fed to the row. */
  fed: number;
  /** The note number of the buffers' first entry. */
  base: number;
  /** Capacity of the buffers, in notes. */
  capacity: number;
  /** Per layer, `[capacity, d]`. */
  keys: Float32Array[];
  values: Float32Array[];
}

/**
 * Builds the step network from the model's weights.
 *
 * @param config - the model's configuration
 * @param weights - its weights by name (a checkpoint's tensors, or `weightMapOf(model)`)
 * @param batch - rows advanced together (default 1)
 * @param options - product kernel and rewind history
 * @returns the network, state empty
 * @throws InvalidArgumentError naming a missing or misshapen weight, or for a bad batch or history
 */
export function createTransformerStep(
  config: TransformerConfig,
  weights: WeightMap,
  batch = 1,
  options: TransformerStepOptions = {},
): OrderedStepNetwork {
  if (!Number.isSafeInteger(batch) || batch < 1) {
    throw new InvalidArgumentError(`batch ${batch} is not a whole number >= 1`);
  }
  const history = options.history ?? (batch === 1 ? Infinity : 0);
  if (!(history >= 0)) throw new InvalidArgumentError(`history ${history} is not a number >= 0`);
  const d = config.modelUnits;
  const H = config.heads;
  const dh = d / H;
  const L = config.layers;
  const W = config.window;
  const FF = config.ffUnits;
  const ds = padTo8(d);
  const ffs = padTo8(FF);
  const inputWidth = orderedInputFeatures(config.pitchEncoding);
  const slopes = alibiSlopes(H);
  const scale = 1 / Math.sqrt(dh);

  const sizes = [batch * ds, batch * ds, batch * 3 * d, batch * ds, batch * ds, batch * ffs, batch * ds];
  for (let l = 0; l < L; l++) {
    sizes.push(...denseSizes(d, 3 * d), ...denseSizes(d, d), ...denseSizes(d, FF), ...denseSizes(FF, d));
  }
  sizes.push(...orderedHeadsSizes(config, d, batch));
  const arena = createMatmulArena(
    arenaFloats(sizes),
    options.simd === undefined ? {} : { simd: options.simd },
  );

  const x = arena.alloc(batch * ds); // the residual stream
  const normed = arena.alloc(batch * ds);
  const qkv = arena.alloc(batch * 3 * d);
  const attended = arena.alloc(batch * ds);
  const branch = arena.alloc(batch * ds);
  const hidden = arena.alloc(batch * ffs);
  const features = arena.alloc(batch * ds);

  const norm = (name: string): Norm => ({
    gamma: weightTensor(weights, `${name}/gamma`, [d]).data,
    beta: weightTensor(weights, `${name}/beta`, [d]).data,
  });
  const embedKernel = weightTensor(weights, 'embed/kernel', [inputWidth, d]).data;
  const embedBias = weightTensor(weights, 'embed/bias', [d]).data;
  const blocks: StepBlock[] = [];
  for (let l = 1; l <= L; l++) {
    blocks.push({
      norm1: norm(`layer${l}/norm1`),
      qkv: loadDense(arena, weights, `layer${l}/qkv`, d, 3 * d),
      out: loadDense(arena, weights, `layer${l}/out`, d, d),
      norm2: norm(`layer${l}/norm2`),
      ff1: loadDense(arena, weights, `layer${l}/ff1`, d, FF),
      ff2: loadDense(arena, weights, `layer${l}/ff2`, FF, d),
    });
  }
  const finalNorm = norm('norm');
  const heads = createOrderedHeadsStep(config, weights, arena, features, d, ds, batch);

  // The buffers grow to the window plus the history before it, and to at least two windows, so
  // that dropping the oldest notes (a copy of a window) happens once per window, not every note.
  const limit = Math.max(2 * W, W + history);
  const initialCapacity = Math.min(limit, 64);
  const newCache = (capacity = initialCapacity): RowCache => ({
    fed: 0,
    base: 0,
    capacity,
    keys: Array.from({ length: L }, () => new Float32Array(capacity * d)),
    values: Array.from({ length: L }, () => new Float32Array(capacity * d)),
  });
  const caches: RowCache[] = Array.from({ length: batch }, () => newCache());
  const reals = new Float64Array(ORDERED_REALS);
  const pitchOnes = new Int32Array(2);
  const scores = new Float64Array(W);

  /** Makes room for one more note in a row's buffers: grow up to `limit`, else drop the oldest. */
  const makeRoom = (cache: RowCache): void => {
    const used = cache.fed - cache.base;
    if (used < cache.capacity) return;
    if (cache.capacity < limit) {
      const capacity = Math.min(cache.capacity * 2, limit);
      for (let l = 0; l < L; l++) {
        const keys = new Float32Array(capacity * d);
        keys.set(cache.keys[l]!);
        cache.keys[l] = keys;
        const values = new Float32Array(capacity * d);
        values.set(cache.values[l]!);
        cache.values[l] = values;
      }
      cache.capacity = capacity;
      return;
    }
    // Keep the last window − 1 notes (all the next step reads), at the buffers' start.
    const keep = Math.min(used, W - 1);
    const from = (used - keep) * d;
    for (let l = 0; l < L; l++) {
      cache.keys[l]!.copyWithin(0, from, used * d);
      cache.values[l]!.copyWithin(0, from, used * d);
    }
    cache.base = cache.fed - keep;
  };

  const layerNorm = (from: Float32Array, at: number, to: Float32Array, toAt: number, n: Norm): void => {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += from[at + j]!;
    mean /= d;
    let variance = 0;
    for (let j = 0; j < d; j++) variance += (from[at + j]! - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / d + NORM_EPSILON);
    for (let j = 0; j < d; j++) to[toAt + j] = (from[at + j]! - mean) * inv * n.gamma[j]! + n.beta[j]!;
  };

  /** The row's embedded input into the residual stream. */
  const embed = (b: number, row: readonly [number, number, number, number]): void => {
    const p = row[3] + 60;
    if (!Number.isInteger(p) || p < 0 || p >= PITCH_COUNT) {
      throw new InvalidArgumentError(`step: pitch ${row[3]} is not an integer in -60..59`);
    }
    const xv = x.view;
    const at = b * ds;
    xv.set(embedBias, at);
    const ones = pitchInputIndices(config.pitchEncoding, p, pitchOnes);
    for (let o = 0; o < ones; o++) {
      const k = (ORDERED_REALS + pitchOnes[o]!) * d;
      for (let j = 0; j < d; j++) xv[at + j] = xv[at + j]! + embedKernel[k + j]!;
    }
    writeOrderedReals(row, reals, 0);
    for (let r = 0; r < ORDERED_REALS; r++) {
      const value = reals[r]!;
      if (value === 0) continue;
      const k = r * d;
      for (let j = 0; j < d; j++) xv[at + j] = xv[at + j]! + value * embedKernel[k + j]!;
    }
  };

  const query = new Float64Array(dh);
  const sum = new Float64Array(dh);
  /** Row b's attention in layer l: stores its new key and value, attends over the window. */
  const attend = (b: number, l: number): void => {
    const cache = caches[b]!;
    const keys = cache.keys[l]!;
    const values = cache.values[l]!;
    const position = cache.fed; // the new note's number
    const qv = qkv.view;
    const q = b * 3 * d;
    const slot = (position - cache.base) * d;
    for (let j = 0; j < d; j++) {
      keys[slot + j] = qv[q + d + j]!;
      values[slot + j] = qv[q + 2 * d + j]!;
    }
    const first = Math.max(cache.base, position - W + 1);
    const count = position - first + 1;
    const out = attended.view;
    for (let h = 0; h < H; h++) {
      for (let j = 0; j < dh; j++) query[j] = qv[q + h * dh + j]! * scale;
      const slope = slopes[h]!;
      let max = -Infinity;
      for (let i = 0, k = (first - cache.base) * d + h * dh; i < count; i++, k += d) {
        let dot = 0;
        for (let j = 0; j < dh; j++) dot += query[j]! * keys[k + j]!;
        const score = dot - slope * (count - 1 - i);
        scores[i] = score;
        if (score > max) max = score;
      }
      let total = 0;
      sum.fill(0);
      for (let i = 0, v = (first - cache.base) * d + h * dh; i < count; i++, v += d) {
        const weight = Math.exp(scores[i]! - max);
        total += weight;
        for (let j = 0; j < dh; j++) sum[j] = sum[j]! + weight * values[v + j]!;
      }
      const o = b * ds + h * dh;
      for (let j = 0; j < dh; j++) out[o + j] = sum[j]! / total;
    }
  };

  const addInto = (to: ArenaBlock, from: ArenaBlock): void => {
    const tv = to.view;
    const fv = from.view;
    for (let b = 0; b < batch; b++) {
      for (let j = b * ds, end = b * ds + d; j < end; j++) tv[j] = tv[j]! + fv[j]!;
    }
  };

  const checkRow = (row: number): RowCache => {
    if (!Number.isSafeInteger(row) || row < 0 || row >= batch) {
      throw new InvalidArgumentError(`state row ${row} is not in 0..${batch - 1}`);
    }
    return caches[row]!;
  };

  const keptForNext = W - 1;
  const stateSize = 1 + 2 * L * keptForNext * d;

  return {
    kind: 'ordered',
    config,
    batch,
    stateSize,
    delayLogits: heads.delayLogits,
    step(rows) {
      if (rows.length !== batch) {
        throw new InvalidArgumentError(`step: ${rows.length} notes for a batch of ${batch}`);
      }
      rows.forEach((row, b) => embed(b, row));
      for (const cache of caches) makeRoom(cache);
      const xv = x.view;
      const nv = normed.view;
      blocks.forEach((block, l) => {
        for (let b = 0; b < batch; b++) layerNorm(xv, b * ds, nv, b * ds, block.norm1);
        arena.matmul(block.qkv.w, 3 * d, ds, normed, batch, block.qkv.b, qkv, 3 * d);
        for (let b = 0; b < batch; b++) attend(b, l);
        arena.matmul(block.out.w, d, ds, attended, batch, block.out.b, branch, ds);
        addInto(x, branch);
        for (let b = 0; b < batch; b++) layerNorm(xv, b * ds, nv, b * ds, block.norm2);
        arena.matmul(block.ff1.w, FF, ds, normed, batch, block.ff1.b, hidden, ffs);
        const hv = hidden.view;
        for (let b = 0; b < batch; b++) {
          for (let j = b * ffs, end = b * ffs + FF; j < end; j++) if (hv[j]! < 0) hv[j] = 0;
        }
        arena.matmul(block.ff2.w, d, ffs, hidden, batch, block.ff2.b, branch, ds);
        addInto(x, branch);
      });
      for (let b = 0; b < batch; b++) layerNorm(xv, b * ds, features.view, b * ds, finalNorm);
      for (const cache of caches) cache.fed++;
      heads.update();
    },
    pitchLogitsGiven: heads.pitchLogitsGiven,
    restLogitsGiven: heads.restLogitsGiven,
    saveState(row) {
      const cache = checkRow(row);
      const state = new Float32Array(stateSize);
      state[0] = cache.fed;
      const kept = Math.min(cache.fed - cache.base, keptForNext);
      const from = (cache.fed - cache.base - kept) * d;
      // Oldest first; a row with fewer notes leaves zeros at the front of each block.
      for (let l = 0; l < L; l++) {
        const at = 1 + 2 * l * keptForNext * d + (keptForNext - kept) * d;
        state.set(cache.keys[l]!.subarray(from, from + kept * d), at);
        state.set(cache.values[l]!.subarray(from, from + kept * d), at + keptForNext * d);
      }
      return state;
    },
    loadState(row, state) {
      checkRow(row);
      if (state.length !== stateSize) {
        throw new InvalidArgumentError(`state of ${state.length} floats, expected ${stateSize}`);
      }
      const fed = state[0]!;
      const kept = Math.min(fed, keptForNext);
      // Room for the kept notes and the next one (makeRoom grows it from there).
      const cache = newCache(Math.max(initialCapacity, Math.min(limit, kept + 1)));
      cache.fed = fed;
      cache.base = fed - kept;
      for (let l = 0; l < L; l++) {
        const at = 1 + 2 * l * keptForNext * d + (keptForNext - kept) * d;
        cache.keys[l]!.set(state.subarray(at, at + kept * d));
        cache.values[l]!.set(state.subarray(at + keptForNext * d, at + keptForNext * d + kept * d));
      }
      caches[row] = cache;
    },
    reset() {
      for (let b = 0; b < batch; b++) caches[b] = newCache();
    },
    rewind(row, length) {
      const cache = checkRow(row);
      if (!(Number.isSafeInteger(length) && length >= 0 && length <= cache.fed)) {
        throw new InvalidArgumentError(`rewind: ${length} is not in 0..${cache.fed} (the notes fed)`);
      }
      if (length === 0) {
        caches[row] = newCache();
        return;
      }
      if (Math.max(0, length - keptForNext) < cache.base) {
        throw new InvalidArgumentError(
          `rewind: cannot go back to note ${length}: this network keeps notes from ${cache.base} on (history ${history})`,
        );
      }
      cache.fed = length;
    },
  };
}
