import * as ort from 'onnxruntime-web';
import { timeBin } from '../encoding/grid.js';
import type { V1Row } from '../encoding/v1.js';
import type { OnnxManifest } from '../export/onnx-export.js';
import { createStepNetwork } from '../inference/create-step-network.js';
import type { StepNetwork } from '../inference/step-network.js';
import type { WeightMap, WeightTensor } from '../model/checkpoint/weight-map.js';
import { weightLayout } from '../model/checkpoint/weight-layout.js';
import type { ModelConfig } from '../model/config.js';
import { createRng } from '../random/rng.js';

/**
 * What the ONNX export tests share: random weights of any model, the exported graphs in
 * onnxruntime-web (WebAssembly, in Node), and one piece run through Howl's step network and the
 * ONNX graphs side by side, with the largest differences found.
 */

// One thread: the tests run beside others, and Node needs no worker threads for it.
ort.env.wasm.numThreads = 1;

/**
 * Random weights of any model, uniform in [−scale, scale], by name.
 *
 * @param config - the model
 * @param seed - the generator's seed
 * @param scale - the weights' range
 */
export function randomWeights(config: ModelConfig, seed: number, scale: number): WeightMap {
  const rng = createRng(seed);
  return new Map(
    weightLayout(config).map(({ name, shape }): [string, WeightTensor] => [
      name,
      {
        shape,
        data: Float32Array.from(
          { length: shape.reduce((a, b) => a * b, 1) },
          () => (rng.next() * 2 - 1) * scale,
        ),
      },
    ]),
  );
}

/** The sessions of an export's graphs, by role. */
export type OnnxSessions = Partial<Record<'step' | 'pitch' | 'rest', ort.InferenceSession>>;

/** Opens every graph of an export (`files` as `exportOnnxModel` returns them, or read from a folder). */
export async function openOnnxSessions(
  files: ReadonlyMap<string, Uint8Array>,
  manifest: OnnxManifest,
): Promise<OnnxSessions> {
  const sessions: OnnxSessions = {};
  for (const graph of manifest.graphs) {
    sessions[graph.role] = await ort.InferenceSession.create(files.get(graph.file)!);
  }
  return sessions;
}

/** The largest differences between Howl's step network and the ONNX graphs over a run. */
export interface StepDifferences {
  /** Of any probability (softmax of logits) of any distribution. */
  probability: number;
  /** Of any logit. */
  logit: number;
  /** Of any state float (recurrent state, cached keys and values). */
  state: number;
  /** Of the original network's regression outputs (0 for an ordered network). */
  regression: number;
  /** The widest spread of logits seen (max − min), to show the distributions are not flat. */
  spread: number;
}

const softmax = (x: ArrayLike<number>): Float64Array => {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]!);
  const out = Float64Array.from({ length: x.length }, (_, i) => Math.exp(x[i]! - max));
  const sum = out.reduce((a, b) => a + b, 0);
  return out.map((v) => v / sum);
};

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) throw new Error(`lengths ${a.length} and ${b.length} differ`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

const floats = (t: ort.Tensor): Float32Array => t.data as Float32Array;
const int64 = (values: number[]) =>
  new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [values.length]);

/** Run state: the differences so far and the feeds of the state inputs. */
class Comparison {
  readonly diff: StepDifferences = { probability: 0, logit: 0, state: 0, regression: 0, spread: 0 };

  distribution(howl: ArrayLike<number>, onnx: ArrayLike<number>): void {
    this.diff.logit = Math.max(this.diff.logit, maxDiff(howl, onnx));
    this.diff.probability = Math.max(this.diff.probability, maxDiff(softmax(howl), softmax(onnx)));
    this.diff.spread = Math.max(
      this.diff.spread,
      Math.max(...Array.from(howl)) - Math.min(...Array.from(howl)),
    );
  }
}

/** Zero state tensors for `batch` rows, from the step graph's inputs. */
function zeroState(manifest: OnnxManifest, batch: number): Record<string, ort.Tensor> {
  const step = manifest.graphs.find((g) => g.role === 'step')!;
  const state: Record<string, ort.Tensor> = {};
  for (const { input } of manifest.state) {
    const info = step.inputs.find((i) => i.name === input)!;
    const dims = info.shape.map((d) => (d === 'batch' ? batch : (d as number)));
    const size = dims.reduce((a, b) => a * b, 1);
    state[input] =
      info.type === 'int64'
        ? new ort.Tensor('int64', new BigInt64Array(size), dims)
        : new ort.Tensor('float32', new Float32Array(size), dims);
  }
  return state;
}

/** Sets row `b` of every state tensor to zero (a fresh piece in that row). */
function zeroRow(state: Record<string, ort.Tensor>, b: number, batch: number): void {
  for (const t of Object.values(state)) {
    const per = t.data.length / batch;
    if (t.type === 'int64') (t.data as BigInt64Array).fill(0n, b * per, (b + 1) * per);
    else (t.data as Float32Array).fill(0, b * per, (b + 1) * per);
  }
}

/** Howl's state of row b (`saveState`) against the ONNX state's row b. */
function compareState(
  net: StepNetwork,
  state: Record<string, ort.Tensor>,
  b: number,
  batch: number,
  c: Comparison,
): void {
  const saved = net.saveState(b);
  const row = (name: string): Float32Array => {
    const data = floats(state[name]!);
    const per = data.length / batch;
    return data.subarray(b * per, (b + 1) * per);
  };
  if (net.config.type !== 'transformer') {
    const onnx = net.config.rnn === 'lstm' ? [...row('h'), ...row('c')] : [...row('h')];
    c.diff.state = Math.max(c.diff.state, maxDiff(saved, onnx));
    return;
  }
  const { layers, modelUnits: d, window } = net.config;
  const kept = window - 1; // Howl keeps window − 1 notes; the ONNX cache max(window − 1, 1) slots
  const slots = Math.max(kept, 1);
  if (Number((state['length']!.data as BigInt64Array)[b]) !== saved[0]) throw new Error('lengths differ');
  const keys = row('keys');
  const values = row('values');
  for (let l = 0; l < layers; l++) {
    const at = 1 + 2 * l * kept * d;
    const onnxAt = l * slots * d + (slots - kept) * d;
    c.diff.state = Math.max(
      c.diff.state,
      maxDiff(saved.subarray(at, at + kept * d), keys.subarray(onnxAt, onnxAt + kept * d)),
      maxDiff(saved.subarray(at + kept * d, at + 2 * kept * d), values.subarray(onnxAt, onnxAt + kept * d)),
    );
  }
}

/** The ordered heads of every row, given the next notes' delay bins and pitches (teacher forcing). */
async function compareOrderedHeads(
  net: StepNetwork,
  sessions: OnnxSessions,
  out: ort.InferenceSession.OnnxValueMapType,
  next: V1Row[],
  c: Comparison,
): Promise<void> {
  if (net.kind !== 'ordered') throw new Error('not an ordered network');
  const batch = next.length;
  const delayBins = next.map((row) => timeBin(row[0]));
  const pitches = next.map((row) => row[3] + 60);
  const pitchFeeds: Record<string, ort.Tensor> = {
    context: out['context']!,
    pitch_base: out['pitch_base']!,
    delay_bin: int64(delayBins),
  };
  if (out['class_base']) pitchFeeds['class_base'] = out['class_base'];
  const pitchOut = await sessions.pitch!.run(pitchFeeds);
  const rest = await sessions.rest!.run({
    context: out['context']!,
    delay_bin: int64(delayBins),
    pitch: int64(pitches),
  });
  const delay = floats(out['delay_logits']!);
  const pitch = floats(pitchOut['pitch_logits']!);
  const duration = floats(rest['duration_logits']!);
  const velocity = floats(rest['velocity_logits']!);
  for (let b = 0; b < batch; b++) {
    c.distribution(net.delayLogits.subarray(b * 401, (b + 1) * 401), delay.subarray(b * 401, (b + 1) * 401));
    c.distribution(net.pitchLogitsGiven(b, delayBins[b]!), pitch.subarray(b * 120, (b + 1) * 120));
    const howl = net.restLogitsGiven(b, delayBins[b]!, pitches[b]!);
    c.distribution(howl.duration, duration.subarray(b * 401, (b + 1) * 401));
    c.distribution(howl.velocity, velocity.subarray(b * 32, (b + 1) * 32));
  }
}

/**
 * Feeds the pieces (one per batch row, all of one length) to Howl's step network and to the ONNX
 * graphs, note by note, and compares every output: the state after each note, the original's pitch
 * distribution and regression, or the ordered heads given the next note's delay bin and pitch.
 *
 * @param resetRow - `[row, step]`: that row starts a new piece (zero state) at that step, so rows
 *   of one batch hold pieces of different lengths
 * @returns the largest differences
 */
export async function compareSteps(
  config: ModelConfig,
  weights: WeightMap,
  sessions: OnnxSessions,
  manifest: OnnxManifest,
  pieces: V1Row[][],
  resetRow?: readonly [number, number],
): Promise<StepDifferences> {
  const batch = pieces.length;
  const net = createStepNetwork(config, weights, batch);
  const fresh = createStepNetwork(config, weights, 1).saveState(0);
  let state = zeroState(manifest, batch);
  const c = new Comparison();
  for (let t = 0; t + 1 < pieces[0]!.length; t++) {
    if (resetRow && resetRow[1] === t) {
      net.loadState(resetRow[0], fresh);
      zeroRow(state, resetRow[0], batch);
    }
    const rows = pieces.map((p) => p[t]!);
    net.step(rows);
    const note = new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => [r[0], r[1], r[2]])), [
      batch,
      3,
    ]);
    const out = await sessions.step!.run({ note, pitch: int64(rows.map((r) => r[3] + 60)), ...state });
    state = Object.fromEntries(manifest.state.map(({ input, output }) => [input, out[output]!]));
    for (let b = 0; b < batch; b++) compareState(net, state, b, batch, c);
    if (net.kind === 'regression') {
      const logits = floats(out['pitch_logits']!);
      for (let b = 0; b < batch; b++) {
        c.distribution(
          net.pitchLogits.subarray(b * 120, (b + 1) * 120),
          logits.subarray(b * 120, (b + 1) * 120),
        );
      }
      c.diff.regression = Math.max(c.diff.regression, maxDiff(net.regression, floats(out['regression']!)));
    } else {
      await compareOrderedHeads(
        net,
        sessions,
        out,
        pieces.map((p) => p[t + 1]!),
        c,
      );
    }
  }
  return c.diff;
}
