import { InvalidArgumentError } from '../errors.js';
import type { V1Row } from '../encoding/v1.js';
import type { TransformerConfig } from '../model/config.js';
import { ORDERED_REALS, pitchInputIndices, writeOrderedReals } from '../encoding/ordered-input.js';
import { NORM_EPSILON } from '../model/alibi.js';
import type { ArenaBlock, MatmulArena } from './matmul.js';
import type { ArenaDense } from './step-weights.js';
import { makeRoom, type CacheShape, type RowCache } from './transformer-cache.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * The transformer step's math (`transformer-step.ts` builds the state and wires these): embedding,
 * layer norm, cached attention, the feed-forward branch, and one step of every row through all of
 * them. Every buffer is allocated once, in `TransformerState`; a step allocates nothing.
 */

/** A layer norm's scale and shift. */
export interface Norm {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
}

/** One block's weights in the arena, and its layer norms. */
export interface StepBlock {
  readonly norm1: Norm;
  readonly qkv: ArenaDense;
  readonly out: ArenaDense;
  readonly norm2: Norm;
  readonly ff1: ArenaDense;
  readonly ff2: ArenaDense;
}

/** Everything a transformer step reads and writes. */
export interface TransformerState {
  readonly config: TransformerConfig;
  readonly batch: number;
  /** Model width, heads, width per head, layers, window, feed-forward width. */
  readonly d: number;
  readonly H: number;
  readonly dh: number;
  readonly L: number;
  readonly W: number;
  readonly FF: number;
  /** Row strides of the `d`- and `FF`-wide blocks (`padTo8`). */
  readonly ds: number;
  readonly ffs: number;
  /** ALiBi's slope per head, and the attention scale `1 / √dh`. */
  readonly slopes: Float64Array;
  readonly scale: number;
  readonly arena: MatmulArena;
  /** The residual stream, `[batch, ds]`. */
  readonly x: ArenaBlock;
  readonly normed: ArenaBlock;
  /** `[batch, 3d]`: query, key, value. */
  readonly qkv: ArenaBlock;
  readonly attended: ArenaBlock;
  readonly branch: ArenaBlock;
  readonly hidden: ArenaBlock;
  /** The final norm's output, read by the heads. */
  readonly features: ArenaBlock;
  readonly embedKernel: Float32Array;
  readonly embedBias: Float32Array;
  readonly blocks: readonly StepBlock[];
  readonly finalNorm: Norm;
  readonly shape: CacheShape;
  /** One per row (replaced by `loadState`, `reset` and `rewind`). */
  readonly caches: RowCache[];
  // Scratch, reused every step.
  readonly reals: Float64Array;
  readonly pitchOnes: Int32Array;
  readonly scores: Float64Array;
  readonly query: Float64Array;
  readonly sum: Float64Array;
}

/** `to[toAt..]` = layer norm of `from[at .. at + d)`. */
export function layerNorm(
  from: Float32Array,
  at: number,
  to: Float32Array,
  toAt: number,
  n: Norm,
  d: number,
): void {
  let mean = 0;
  for (let j = 0; j < d; j++) mean += from[at + j]!;
  mean /= d;
  let variance = 0;
  for (let j = 0; j < d; j++) variance += (from[at + j]! - mean) ** 2;
  const inv = 1 / Math.sqrt(variance / d + NORM_EPSILON);
  for (let j = 0; j < d; j++) to[toAt + j] = (from[at + j]! - mean) * inv * n.gamma[j]! + n.beta[j]!;
}

/**
 * Row b's embedded input into the residual stream.
 *
 * @throws InvalidArgumentError for a pitch outside -60..59
 */
export function embed(s: TransformerState, b: number, row: V1Row): void {
  const { d, ds, embedKernel, reals, pitchOnes } = s;
  const p = row[3] + 60;
  if (!Number.isInteger(p) || p < 0 || p >= PITCH_COUNT) {
    throw new InvalidArgumentError(`step: pitch ${row[3]} is not an integer in -60..59`);
  }
  const xv = s.x.view;
  const at = b * ds;
  xv.set(s.embedBias, at);
  const ones = pitchInputIndices(s.config.pitchEncoding, p, pitchOnes);
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
}

/**
 * Row b's attention in layer l: stores its new key and value, attends over the window.
 *
 * A hot loop (per step: heads × window × head width, twice, for every row and layer), kept whole
 * so that its buffers and sizes stay in locals.
 */
export function attend(s: TransformerState, b: number, l: number): void {
  const { d, ds, H, dh, W, scale, slopes, scores, query, sum } = s;
  const cache = s.caches[b]!;
  const keys = cache.keys[l]!;
  const values = cache.values[l]!;
  const position = cache.fed; // the new note's number
  const qv = s.qkv.view;
  const q = b * 3 * d;
  const slot = (position - cache.base) * d;
  for (let j = 0; j < d; j++) {
    keys[slot + j] = qv[q + d + j]!;
    values[slot + j] = qv[q + 2 * d + j]!;
  }
  const first = Math.max(cache.base, position - W + 1);
  const count = position - first + 1;
  const out = s.attended.view;
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
}

/** `to += from` on every row's first `d` floats. */
export function addInto(s: TransformerState, to: ArenaBlock, from: ArenaBlock): void {
  const { batch, d, ds } = s;
  const tv = to.view;
  const fv = from.view;
  for (let b = 0; b < batch; b++) {
    for (let j = b * ds, end = b * ds + d; j < end; j++) tv[j] = tv[j]! + fv[j]!;
  }
}

/** Block `l`'s attention branch, added to the residual stream. */
export function attentionBranch(s: TransformerState, block: StepBlock, l: number): void {
  const { arena, batch, d, ds } = s;
  const xv = s.x.view;
  const nv = s.normed.view;
  for (let b = 0; b < batch; b++) layerNorm(xv, b * ds, nv, b * ds, block.norm1, d);
  arena.matmul(block.qkv.w, 3 * d, ds, s.normed, batch, block.qkv.b, s.qkv, 3 * d);
  for (let b = 0; b < batch; b++) attend(s, b, l);
  arena.matmul(block.out.w, d, ds, s.attended, batch, block.out.b, s.branch, ds);
  addInto(s, s.x, s.branch);
}

/** A block's feed-forward branch (ReLU between two dense layers), added to the residual stream. */
export function feedForward(s: TransformerState, block: StepBlock): void {
  const { arena, batch, d, ds, FF, ffs, hidden } = s;
  const xv = s.x.view;
  const nv = s.normed.view;
  for (let b = 0; b < batch; b++) layerNorm(xv, b * ds, nv, b * ds, block.norm2, d);
  arena.matmul(block.ff1.w, FF, ds, s.normed, batch, block.ff1.b, hidden, ffs);
  const hv = hidden.view;
  for (let b = 0; b < batch; b++) {
    for (let j = b * ffs, end = b * ffs + FF; j < end; j++) if (hv[j]! < 0) hv[j] = 0;
  }
  arena.matmul(block.ff2.w, d, ffs, hidden, batch, block.ff2.b, s.branch, ds);
  addInto(s, s.x, s.branch);
}

/**
 * Feeds one note per row: embeds them, runs every block (storing each layer's new key and value)
 * and writes the final norm into `features`. The heads are updated by the caller.
 *
 * @throws InvalidArgumentError for a wrong number of rows or a pitch outside -60..59
 */
export function stepTransformer(s: TransformerState, rows: readonly V1Row[]): void {
  const { batch, d, ds, caches } = s;
  if (rows.length !== batch) {
    throw new InvalidArgumentError(`step: ${rows.length} notes for a batch of ${batch}`);
  }
  rows.forEach((row, b) => embed(s, b, row));
  for (const cache of caches) makeRoom(s.shape, cache);
  s.blocks.forEach((block, l) => {
    attentionBranch(s, block, l);
    feedForward(s, block);
  });
  const xv = s.x.view;
  for (let b = 0; b < batch; b++) layerNorm(xv, b * ds, s.features.view, b * ds, s.finalNorm, d);
  for (const cache of caches) cache.fed++;
}
