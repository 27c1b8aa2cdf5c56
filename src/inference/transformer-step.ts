import { InvalidArgumentError } from '../errors.js';
import type { TransformerConfig } from '../model/config.js';
import { ORDERED_REALS, orderedInputFeatures } from '../encoding/ordered-input.js';
import { alibiSlopes } from '../model/alibi.js';
import { arenaFloats, createMatmulArena, padTo8 } from './matmul.js';
import { createOrderedHeadsStep, orderedHeadsSizes, type OrderedHeadsStep } from './ordered-heads-step.js';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import type { OrderedStepNetwork } from './step-network.js';
import { denseSizes, loadDense, weightTensor } from './step-weights.js';
import {
  cacheShape,
  loadRowCache,
  newRowCache,
  rewindRowCache,
  saveRowCache,
  type RowCache,
} from './transformer-cache.js';
import { stepTransformer, type Norm, type StepBlock, type TransformerState } from './transformer-layers.js';

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
 * The cache is `transformer-cache.ts`, the math `transformer-layers.ts`; here the state is built and
 * wired to the `StepNetwork` methods.
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
  const { state: s, heads } = loadTransformer(config, weights, batch, history, options.simd);
  const { shape, caches } = s;

  const checkRow = (row: number): RowCache => {
    if (!Number.isSafeInteger(row) || row < 0 || row >= batch) {
      throw new InvalidArgumentError(`state row ${row} is not in 0..${batch - 1}`);
    }
    return caches[row]!;
  };

  return {
    kind: 'ordered',
    config,
    batch,
    stateSize: shape.stateSize,
    delayLogits: heads.delayLogits,
    step(rows) {
      stepTransformer(s, rows);
      heads.update();
    },
    pitchLogitsGiven: heads.pitchLogitsGiven,
    restLogitsGiven: heads.restLogitsGiven,
    saveState: (row) => saveRowCache(shape, checkRow(row)),
    loadState(row, state) {
      checkRow(row);
      caches[row] = loadRowCache(shape, state);
    },
    reset() {
      for (let b = 0; b < batch; b++) caches[b] = newRowCache(shape);
    },
    rewind(row, length) {
      caches[row] = rewindRowCache(shape, checkRow(row), length);
    },
  };
}

/** Allocates the arena, loads the weights into it and builds the heads over the final norm. */
function loadTransformer(
  config: TransformerConfig,
  weights: WeightMap,
  batch: number,
  history: number,
  simd: boolean | undefined,
): { state: TransformerState; heads: OrderedHeadsStep } {
  const d = config.modelUnits;
  const H = config.heads;
  const L = config.layers;
  const W = config.window;
  const FF = config.ffUnits;
  const ds = padTo8(d);
  const ffs = padTo8(FF);
  const inputWidth = orderedInputFeatures(config.pitchEncoding);

  const sizes = [batch * ds, batch * ds, batch * 3 * d, batch * ds, batch * ds, batch * ffs, batch * ds];
  for (let l = 0; l < L; l++) {
    sizes.push(...denseSizes(d, 3 * d), ...denseSizes(d, d), ...denseSizes(d, FF), ...denseSizes(FF, d));
  }
  sizes.push(...orderedHeadsSizes(config, d, batch));
  const arena = createMatmulArena(arenaFloats(sizes), simd === undefined ? {} : { simd });

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
  const shape = cacheShape(L, d, W, history);
  const dh = d / H;
  const state: TransformerState = {
    config,
    batch,
    d,
    H,
    dh,
    L,
    W,
    FF,
    ds,
    ffs,
    slopes: alibiSlopes(H),
    scale: 1 / Math.sqrt(dh),
    arena,
    x,
    normed,
    qkv,
    attended,
    branch,
    hidden,
    features,
    embedKernel,
    embedBias,
    blocks,
    finalNorm,
    shape,
    caches: Array.from({ length: batch }, () => newRowCache(shape)),
    reals: new Float64Array(ORDERED_REALS),
    pitchOnes: new Int32Array(2),
    scores: new Float64Array(W),
    query: new Float64Array(dh),
    sum: new Float64Array(dh),
  };
  return { state, heads };
}
