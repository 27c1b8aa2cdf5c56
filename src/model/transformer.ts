import * as tf from '@tensorflow/tfjs';
import { orderedInputFeatures } from '../encoding/ordered-input.js';
import { createRng } from '../random/rng.js';
import { attentionProbabilities, layerNorm as fusedOrPlainLayerNorm } from './kernels/transformer-ops.js';
import { alibiSlopes, NORM_EPSILON } from './alibi.js';
import type { TransformerConfig } from './config.js';
import { createDense, type Dense, type NamedVariable } from './kernels/layers.js';
import type { Model } from './model.js';
import type { OrderedBatch } from './batching/ordered-features.js';
import { orderedModel } from './ordered-rnn.js';
import type { Trunk } from './trunk.js';

let instances = 0;

/** Added to the scores of the keys a position may not see (later notes, or beyond the window). */
const MASKED = -1e9;
/**
 * The additive attention bias `[heads, T, T]`: ALiBi's distance penalty where key j is at most
 * `window − 1` notes before query i, and `MASKED` elsewhere (later notes, or too far back).
 */
function attentionBias(heads: number, T: number, window: number): Float32Array {
  const slopes = alibiSlopes(heads);
  const bias = new Float32Array(heads * T * T);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < T; i++) {
      const row = (h * T + i) * T;
      for (let j = 0; j < T; j++) {
        const distance = i - j;
        bias[row + j] = distance >= 0 && distance < window ? -slopes[h]! * distance : MASKED;
      }
    }
  }
  return bias;
}

/** A layer norm's scale and shift. */
interface Norm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
}

function layerNorm(x: tf.Tensor2D, norm: Norm): tf.Tensor2D {
  return fusedOrPlainLayerNorm(
    x,
    norm.gamma as tf.Tensor as tf.Tensor1D,
    norm.beta as tf.Tensor as tf.Tensor1D,
    NORM_EPSILON,
  );
}

/** One pre-norm block's layers. */
interface Block {
  readonly norm1: Norm;
  readonly qkv: Dense;
  readonly out: Dense;
  readonly norm2: Norm;
  readonly ff1: Dense;
  readonly ff2: Dense;
}

/**
 * The transformer trunk: `[B, T, inputs]` ordered inputs to `[B·T, modelUnits]` features.
 *
 * Per note: `x = input·W_embed + b`; per block, `x += W_out·attention(norm1(x))` and
 * `x += ff2(relu(ff1(norm2(x))))`; the features are `norm(x)`. Attention is causal, multi-head,
 * scaled by 1/√(d/H), with ALiBi's bias and a window (`attentionBias`).
 *
 * Weight names: `embed/…`, `layer{l}/norm1/gamma`, `…/norm1/beta`, `layer{l}/qkv/…` (the query, key
 * and value kernels side by side, `[d, 3d]`), `layer{l}/out/…`, `layer{l}/norm2/…`,
 * `layer{l}/ff1/…`, `layer{l}/ff2/…`, `norm/gamma`, `norm/beta`.
 */
function createTransformerTrunk(
  config: TransformerConfig,
  inputSize: number,
  prefix: string,
  nextSeed: () => number,
): Trunk {
  const d = config.modelUnits;
  const H = config.heads;
  const dh = d / H;
  const weights: NamedVariable[] = [];
  const dense = (name: string, inputs: number, outputs: number): Dense => {
    const { layer, variables } = createDense(name, inputs, outputs, 'glorot-uniform', nextSeed(), prefix);
    weights.push(...variables);
    return layer;
  };
  const norm = (name: string): Norm => {
    // In a tidy: the initial values would otherwise stay tracked after the variables are disposed.
    const gamma = tf.tidy(() => tf.variable(tf.ones([d]), true, `${prefix}${name}/gamma`));
    const beta = tf.tidy(() => tf.variable(tf.zeros([d]), true, `${prefix}${name}/beta`));
    weights.push({ name: `${name}/gamma`, variable: gamma }, { name: `${name}/beta`, variable: beta });
    return { gamma, beta };
  };
  const embed = dense('embed', inputSize, d);
  const blocks: Block[] = [];
  for (let l = 1; l <= config.layers; l++) {
    blocks.push({
      norm1: norm(`layer${l}/norm1`),
      qkv: dense(`layer${l}/qkv`, d, 3 * d),
      out: dense(`layer${l}/out`, d, d),
      norm2: norm(`layer${l}/norm2`),
      ff1: dense(`layer${l}/ff1`, d, config.ffUnits),
      ff2: dense(`layer${l}/ff2`, config.ffUnits, d),
    });
  }
  const finalNorm = norm('norm');
  const dropout = (x: tf.Tensor2D, seed: number | undefined): tf.Tensor2D =>
    config.dropout > 0 && seed !== undefined
      ? (tf.dropout(x, config.dropout, undefined, seed) as tf.Tensor2D)
      : x;

  return {
    features: d,
    weights,
    apply: (inputs, dropSeed) =>
      tf.tidy(() => {
        const [B, T, I] = inputs.shape;
        const N = B * T;
        let biasTensor: tf.Tensor3D | undefined;
        const bias = () => (biasTensor ??= tf.tensor3d(attentionBias(H, T, config.window), [H, T, T]));
        // [N, d] → [B·H, T, dh]
        const split = (t: tf.Tensor2D) =>
          tf.reshape(tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]), [B * H, T, dh]) as tf.Tensor3D;
        let x = embed.apply(tf.reshape(inputs, [N, I]) as tf.Tensor2D);
        blocks.forEach((block, l) => {
          const [q, k, v] = tf.split(block.qkv.apply(layerNorm(x, block.norm1)), 3, 1) as tf.Tensor2D[];
          const scores = tf.matMul(split(q!), split(k!), false, true) as tf.Tensor3D;
          const attention = attentionProbabilities(scores, H, config.window, 1 / Math.sqrt(dh), bias);
          const heads = tf.reshape(
            tf.transpose(tf.reshape(tf.matMul(attention, split(v!)), [B, H, T, dh]), [0, 2, 1, 3]),
            [N, d],
          ) as tf.Tensor2D;
          const seed = dropSeed === undefined ? undefined : dropSeed + 2 * l;
          x = tf.add(x, dropout(block.out.apply(heads), seed));
          const hidden = tf.relu(block.ff1.apply(layerNorm(x, block.norm2)));
          x = tf.add(x, dropout(block.ff2.apply(hidden), seed === undefined ? undefined : seed + 1));
        });
        return layerNorm(x, finalNorm);
      }),
    dispose: () => {},
  };
}

/**
 * Howl's transformer (`type: 'transformer'`, preset `ordered-transformer`): the transformer trunk
 * over the ordered network's inputs, then the ordered heads (`ordered-heads.ts`): delay → pitch →
 * duration and velocity as distributions over the shared grid's bins. Its step network
 * (`src/inference/transformer-step.ts`) keeps a key/value cache, so generation is one step per note.
 *
 * Weight names: the trunk's (`createTransformerTrunk`), then the heads'.
 *
 * @param config - the configuration
 * @param seed - integer seed of the initial weights
 * @returns the model
 */
export function createTransformer(config: TransformerConfig, seed: number): Model<OrderedBatch> {
  const prefix = `howl-transformer${++instances}/`;
  const seeds = createRng(seed);
  const nextSeed = (): number => seeds.int(0, 2 ** 31 - 1);
  const trunk = createTransformerTrunk(config, orderedInputFeatures(config.pitchEncoding), prefix, nextSeed);
  return orderedModel(config, trunk, prefix, nextSeed);
}
