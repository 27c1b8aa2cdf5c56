import { alibiSlopes, NORM_EPSILON } from '../model/alibi.js';
import type { TransformerConfig } from '../model/config.js';
import type { GraphBuilder, StatePair, Value } from './onnx-graph.js';

/**
 * The transformer's step (`src/inference/transformer-step.ts`) as ONNX operators, with its
 * key/value cache as inputs and outputs of a fixed size: per layer the keys and values of the last
 * `S = max(window − 1, 1)` notes (what the next step attends to besides the new note), oldest first,
 * and per row the number of notes fed so far. A row that has been fed fewer than `window − 1` notes
 * holds zeros in its first slots, which are masked out. Each step appends the new note's key and
 * value, attends over the `S + 1` slots with ALiBi's distance penalty (slot j is `S − j` notes
 * back), and returns the last `S` slots: the window slides by itself, at a constant cost per note.
 */

/** What every layer's attention shares: the cache inputs, the mask and ALiBi's biases. */
interface Attention {
  readonly d: number;
  readonly heads: number;
  readonly dh: number;
  /** Cached notes per layer (`max(window − 1, 1)`). */
  readonly slots: number;
  readonly keys: Value;
  readonly values: Value;
  /** `[batch, 1, 1, slots + 1]`: which slots hold a note. */
  readonly valid: Value;
  /** `[1, heads, 1, slots + 1]`: ALiBi's penalty of each head on each slot. */
  readonly alibi: Value;
}

/** Layer norm `name` (`name/gamma`, `name/beta`) over the last axis. */
const layerNorm = (g: GraphBuilder, x: Value, name: string): Value =>
  g.op(
    'LayerNormalization',
    [x, g.weight(`${name}/gamma`), g.weight(`${name}/beta`)],
    [
      { name: 'axis', int: -1 },
      { name: 'epsilon', float: NORM_EPSILON },
    ],
  );

/** The mask and ALiBi biases of the `slots + 1` attended slots, from the `length` input. */
function attentionSetup(
  g: GraphBuilder,
  config: TransformerConfig,
  inputs: { keys: Value; values: Value; length: Value },
): Attention {
  const { modelUnits: d, heads: H, window: W } = config;
  const S = Math.max(W - 1, 1);
  // Slot j (the cache's S, then the new note) holds a note when j ≥ S − min(length, W − 1).
  const held = g.op('Sub', [g.ints([S], []), g.op('Min', [inputs.length, g.ints([W - 1], [])])]);
  const heldFrom = g.op('Reshape', [held, g.ints([-1, 1, 1, 1])]);
  const slots = g.ints(Array.from({ length: S + 1 }, (_, j) => j));
  // ALiBi: head h adds −m_h · (S − j) to its score on slot j, S − j notes back.
  const slopes = alibiSlopes(H);
  const bias = Array.from(
    { length: H * (S + 1) },
    (_, i) => -slopes[Math.floor(i / (S + 1))]! * (S - (i % (S + 1))),
  );
  return {
    d,
    heads: H,
    dh: d / H,
    slots: S,
    keys: inputs.keys,
    values: inputs.values,
    valid: g.op('GreaterOrEqual', [slots, heldFrom]),
    alibi: g.floats(bias, [1, H, 1, S + 1]),
  };
}

/**
 * Layer `l`'s attention of the new note (its query, key and value `[batch, d]`) over the cached
 * notes and itself.
 *
 * @returns the attended values `[batch, d]` (before the output projection) and the layer's cache
 *   after the step, `[batch, slots, d]` each
 */
function attend(
  g: GraphBuilder,
  a: Attention,
  l: number,
  [q, k, v]: readonly Value[],
): { attended: Value; keys: Value; values: Value } {
  const { d, heads: H, dh, slots: S } = a;
  // The cached notes of layer l, then the new one: [batch, S + 1, d].
  const withNew = (cache: Value, latest: Value): Value =>
    g.op(
      'Concat',
      [
        g.op('Gather', [cache, g.ints([l], [])], [{ name: 'axis', int: 1 }]),
        g.op('Unsqueeze', [latest, g.ints([1])]),
      ],
      [{ name: 'axis', int: 1 }],
    );
  const keys = withNew(a.keys, k!);
  const values = withNew(a.values, v!);
  const byHead = (t: Value, perm: number[]) =>
    g.op('Transpose', [g.op('Reshape', [t, g.ints([-1, S + 1, H, dh])])], [{ name: 'perm', ints: perm }]);
  const query = g.op('Reshape', [
    g.op('Mul', [q!, g.floats([1 / Math.sqrt(dh)], [])]),
    g.ints([-1, H, 1, dh]),
  ]);
  const scores = g.op('Add', [g.op('MatMul', [query, byHead(keys, [0, 2, 3, 1])]), a.alibi]); // [batch, H, 1, S + 1]
  const masked = g.op('Where', [a.valid, scores, g.floats([-1e9], [])]);
  const weights = g.op('Softmax', [masked], [{ name: 'axis', int: -1 }]);
  const attended = g.op('MatMul', [weights, byHead(values, [0, 2, 1, 3])]); // [batch, H, 1, dh]
  const latest = (t: Value) => g.op('Slice', [t, g.ints([1]), g.ints([S + 1]), g.ints([1])]);
  return {
    attended: g.op('Reshape', [attended, g.ints([-1, d])]),
    keys: latest(keys),
    values: latest(values),
  };
}

/**
 * Declares the cache inputs (`keys`, `values`, `length`) and outputs (`…_next`) and returns the
 * features (the final layer norm) of the note embedded as `embedded`.
 *
 * @param g - the graph
 * @param config - the transformer's configuration
 * @param embedded - the note's embedding `[batch, d]` (`projectNote` on `embed/kernel`, plus bias)
 * @returns the features `[batch, d]` and the state pairs
 */
export function transformerTrunk(
  g: GraphBuilder,
  config: TransformerConfig,
  embedded: Value,
): { features: Value; state: StatePair[] } {
  const { layers: L, modelUnits: d } = config;
  const S = Math.max(config.window - 1, 1);
  const cacheDims = ['batch', L, S, d];
  const cacheDoc = (what: string) =>
    `per layer, the ${what} of the last ${S} notes fed (oldest first; zeros where fewer were fed), [batch, layers, ${S}, ${d}]`;
  const keys = g.input('keys', 'float32', cacheDims, cacheDoc('attention keys'));
  const values = g.input('values', 'float32', cacheDims, cacheDoc('attention values'));
  const length = g.input('length', 'int64', ['batch'], 'notes fed so far (0 before the first)');
  const a = attentionSetup(g, config, { keys, values, length });
  const nextKeys: Value[] = [];
  const nextValues: Value[] = [];
  let x = embedded;
  for (let l = 0; l < L; l++) {
    const name = `layer${l + 1}`;
    const qkv = g.split(g.dense(layerNorm(g, x, `${name}/norm1`), `${name}/qkv`), 3);
    const step = attend(g, a, l, qkv);
    nextKeys.push(step.keys);
    nextValues.push(step.values);
    x = g.op('Add', [x, g.dense(step.attended, `${name}/out`)]);
    const hidden = g.op('Relu', [g.dense(layerNorm(g, x, `${name}/norm2`), `${name}/ff1`)]);
    x = g.op('Add', [x, g.dense(hidden, `${name}/ff2`)]);
  }
  const stack = (parts: Value[]) =>
    g.op(
      'Concat',
      parts.map((p) => g.op('Unsqueeze', [p, g.ints([1])])),
      [{ name: 'axis', int: 1 }],
    );
  const nextDoc = (what: string) =>
    `the ${what} with this note's, the oldest dropped: feed it as ${what} at the next step`;
  g.output(stack(nextKeys), 'keys_next', 'float32', cacheDims, nextDoc('keys'));
  g.output(stack(nextValues), 'values_next', 'float32', cacheDims, nextDoc('values'));
  g.output(
    g.op('Add', [length, g.ints([1], [])]),
    'length_next',
    'int64',
    ['batch'],
    'length + 1: feed it as length at the next step',
  );
  return {
    features: layerNorm(g, x, 'norm'),
    state: [
      { input: 'keys', output: 'keys_next' },
      { input: 'values', output: 'values_next' },
      { input: 'length', output: 'length_next' },
    ],
  };
}
