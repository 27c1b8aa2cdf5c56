import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_PRESETS, type ModelConfig, type TransformerConfig } from '../model/config.js';
import { loadModel } from '../node/load-model.js';
import {
  compareSteps,
  openOnnxSessions,
  randomWeights,
  type StepDifferences,
} from '../test-support/onnx-step.js';
import { randomPhrase } from '../test-support/ordered-scoring.js';
import { repoRoot } from '../test-support/shared-data.js';
import { exportOnnxModel } from './onnx-export.js';
import { varint } from './onnx-proto.js';

/** A tiny transformer (odd sizes; a window shorter than the pieces). */
const tinyTransformer = (changes: Partial<TransformerConfig> = {}): TransformerConfig => ({
  ...MODEL_PRESETS['ordered-transformer'],
  ...{ layers: 2, modelUnits: 12, heads: 3, ffUnits: 10, window: 5, headUnits: 9 },
  ...changes,
});

/** Every preset at a tiny size (odd sizes), its type, cell and pitch encoding kept. */
function tiny(config: ModelConfig): ModelConfig {
  switch (config.type) {
    case 'original-lstm':
      return { ...config, units: 13, denseUnits: 11, blocks: 2 };
    case 'ordered-rnn':
      return { ...config, units: 13, denseUnits: 11, blocks: 2, headUnits: 9 };
    case 'transformer':
      return tinyTransformer({ pitchEncoding: config.pitchEncoding });
  }
}

const tinyModels: [string, ModelConfig][] = [
  ...Object.entries(MODEL_PRESETS).map(([name, config]): [string, ModelConfig] => [name, tiny(config)]),
  // Not presets, but configurations Howl trains: the other cell and encoding combinations, and
  // transformer windows of 1 (only the note itself) and longer than the piece.
  ['ordered-gru, octave-class', tiny({ ...MODEL_PRESETS['ordered-gru'], pitchEncoding: 'octave-class' })],
  ['ordered-transformer, octave-class', tinyTransformer({ pitchEncoding: 'octave-class' })],
  ['ordered-transformer, window 1', tinyTransformer({ window: 1 })],
  ['ordered-transformer, window 64', tinyTransformer({ window: 64 })],
];

const TOLERANCE = 1e-4;
const measured: string[] = [];

/** Exports, opens in onnxruntime-web and compares a run of `length` notes in a batch of two. */
async function check(config: ModelConfig, weights: Parameters<typeof exportOnnxModel>[1], length: number) {
  const { files, manifest } = exportOnnxModel(config, weights);
  const sessions = await openOnnxSessions(files, manifest);
  // Row 1 starts a second piece at note 9: rows of different lengths in one batch.
  const pieces = [randomPhrase(length, 1), [...randomPhrase(9, 2), ...randomPhrase(length - 9, 3)]];
  const diff = await compareSteps(config, weights, sessions, manifest, pieces, [1, 9]);
  const size = [...files.values()].reduce((a, f) => a + f.length, 0);
  return { diff, size, manifest };
}

const expectClose = (diff: StepDifferences, what: string) => {
  expect(diff.probability, `${what}: probabilities`).toBeLessThanOrEqual(TOLERANCE);
  expect(diff.state, `${what}: state`).toBeLessThanOrEqual(TOLERANCE);
  expect(diff.regression, `${what}: regression`).toBeLessThanOrEqual(TOLERANCE);
  // The distributions compared are not flat: their logits span nats.
  expect(diff.spread, `${what}: spread of the logits`).toBeGreaterThan(2);
  const f = (x: number) => x.toExponential(1);
  const regression = diff.regression > 0 ? `, regression ${f(diff.regression)}` : '';
  measured.push(
    `${what}: probability ${f(diff.probability)}, logit ${f(diff.logit)}, state ${f(diff.state)}${regression}`,
  );
};

describe('exportOnnxModel', () => {
  for (const [name, config] of tinyModels) {
    it(`${name} (tiny): onnxruntime gives Howl's step within 1e-4, state and distributions`, async () => {
      const weights = randomWeights(config, 7, 0.6);
      const { diff, manifest } = await check(config, weights, 24);
      expectClose(diff, name);
      expect(manifest.graphs.map((g) => g.file)).toEqual(
        config.type === 'original-lstm' ? ['model.onnx'] : ['model.onnx', 'pitch.onnx', 'rest.onnx'],
      );
    });
  }

  for (const [model, steps] of [
    ['piano-asap-ordered-lstm', 40],
    ['piano-lstm192', 40],
    ['piano-transformer', 270], // past its 256-note window
  ] as const) {
    it(`the shipped ${model} at full size: the same distributions within 1e-4`, async () => {
      const loaded = await loadModel(join(repoRoot, 'models', model));
      const { diff, size } = await check(loaded.config.model, loaded.weights, steps);
      expectClose(diff, `${model} (${(size / 1e6).toFixed(2)} MB)`);
    });
  }

  it('describes every graph: inputs, outputs, the state fed back', () => {
    const config = tiny(MODEL_PRESETS['ordered-lstm-octave']);
    const { files, manifest } = exportOnnxModel(config, randomWeights(config, 1, 0.1), {
      producerVersion: '9.9.9',
    });
    expect([...files.keys()]).toEqual(['model.onnx', 'pitch.onnx', 'rest.onnx', 'onnx.json']);
    const json = JSON.parse(new TextDecoder().decode(files.get('onnx.json'))) as typeof manifest;
    expect(json).toEqual(JSON.parse(JSON.stringify(manifest)));
    const names = (role: string, which: 'inputs' | 'outputs') =>
      manifest.graphs.find((g) => g.role === role)![which].map((v) => v.name);
    expect(names('step', 'inputs')).toEqual(['note', 'pitch', 'h', 'c']);
    expect(names('step', 'outputs')).toEqual([
      'h_next',
      'c_next',
      'delay_logits',
      'context',
      'pitch_base',
      'class_base',
    ]);
    expect(names('pitch', 'inputs')).toEqual(['context', 'pitch_base', 'class_base', 'delay_bin']);
    expect(names('rest', 'inputs')).toEqual(['context', 'delay_bin', 'pitch']);
    expect(names('rest', 'outputs')).toEqual(['duration_logits', 'velocity_logits']);
    expect(manifest.state).toEqual([
      { input: 'h', output: 'h_next' },
      { input: 'c', output: 'c_next' },
    ]);
  });

  it('refuses a model type it does not know and a missing or misshapen weight, naming it', () => {
    const config = tiny(MODEL_PRESETS['ordered-gru']);
    const weights = randomWeights(config, 1, 0.1);
    const unknown = { ...config, type: 'mamba' } as unknown as ModelConfig;
    expect(() => exportOnnxModel(unknown, weights)).toThrow(
      /^cannot export a 'mamba' model as ONNX; known types: original-lstm, ordered-rnn, transformer$/,
    );
    const missing = new Map(weights);
    missing.delete('rest_pitch/bias');
    expect(() => exportOnnxModel(config, missing)).toThrow(/'rest_pitch\/bias' is missing/);
    const misshapen = new Map(weights);
    misshapen.set('rnn/bias', { shape: [39], data: new Float32Array(39) });
    expect(() => exportOnnxModel(config, misshapen)).toThrow(
      /'rnn\/bias' has shape \[39\], expected \[2, 39\]/,
    );
  });

  it('writes varints as protobuf does, negative numbers as 64-bit two’s complement', () => {
    expect([...varint(1)]).toEqual([1]);
    expect([...varint(300)]).toEqual([0xac, 0x02]);
    expect([...varint(-1)]).toEqual([...Array(9).fill(0xff), 0x01]);
  });

  it('(measured)', () => {
    console.log(`max |Δ|, Howl's step vs onnxruntime-web:\n${measured.join('\n')}`);
  });
});
