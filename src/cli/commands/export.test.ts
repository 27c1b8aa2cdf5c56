import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { V1Row } from '../../encoding/v1.js';
import { readMidi } from '../../midi/read-midi.js';
import { createStepNetwork } from '../../inference/create-step-network.js';
import { buildV1Batch } from '../../model/batching/features.js';
import { loadCheckpoint, saveCheckpoint } from '../../node/checkpoint-store.js';
import { loadModel } from '../../node/load-model.js';
import { runCli as howl } from '../../test-support/run-cli.js';
import { repoRoot } from '../../test-support/shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'howl-export-'));
const original = join(repoRoot, 'models/piano-lstm192');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** LSTM-192: rnn 242,688 + dense 49,408 + 2 × 65,792 + pitch 53,880 + regression 1,347. */
const SHIPPED_PARAMETERS = 478_907;

interface ModelJson {
  format: string;
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** A short phrase: a C major arpeggio, a chord and a run. */
const phrase: V1Row[] = [
  [0, 0.4, 0.7, 0],
  [0.25, 0.4, 0.6, 4],
  [0.25, 0.4, 0.65, 7],
  [0.3, 0.8, 0.8, 12],
  [0, 0.8, 0.8, 16],
  [0.5, 0.2, 0.5, 11],
  [0.12, 0.2, 0.5, 9],
  [0.12, 0.2, 0.55, 7],
  [0.12, 1.0, 0.6, 5],
];

describe('howl export', () => {
  it("writes the original's network (the default) as a Layers model that predicts what the step network does", async () => {
    const out = join(dir, 'nested', 'piano');
    const warn = vi.spyOn(console, 'warn');
    const run = await howl('export', '--out', out); // models/piano-lstm192 by default
    // Nothing on stderr, not even TensorFlow.js's console banners.
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const jsonPath = join(out, 'model.json');
    const weightsPath = join(out, 'weights.bin');
    expect(run.out).toBe(
      `${jsonPath}, ${weightsPath}: TensorFlow.js Layers model, LSTM-192, 478,907 parameters\n`,
    );

    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    const bytes = readFileSync(weightsPath);
    expect(bytes.byteLength).toBe(4 * SHIPPED_PARAMETERS);
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0]!.weights,
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      }),
    );
    expect(loaded.countParams()).toBe(SHIPPED_PARAMETERS);

    // The step network (Howl's generation engine) reads the checkpoint directly.
    const model = await loadModel(original);
    if (model.config.model.type !== 'original-lstm') throw new Error('models/piano-lstm192 changed type');
    const network = createStepNetwork(model.config.model, model.weights, 1);
    const batch = buildV1Batch([phrase]); // inputs: rows 0 .. n−2
    const [pitch, regression] = loaded.predict(batch.inputs) as tf.Tensor[];
    const pitchData = pitch!.dataSync();
    const regressionData = regression!.dataSync();
    let pitchDiff = 0;
    let regressionDiff = 0;
    for (let t = 0; t < phrase.length - 1; t++) {
      network.step([phrase[t]!]);
      for (let k = 0; k < 120; k++) {
        pitchDiff = Math.max(pitchDiff, Math.abs(network.pitchLogits[k]! - pitchData[t * 120 + k]!));
      }
      for (let k = 0; k < 3; k++) {
        regressionDiff = Math.max(
          regressionDiff,
          Math.abs(network.regression[k]! - regressionData[t * 3 + k]!),
        );
      }
    }
    expect(pitchDiff).toBeLessThan(1e-4);
    expect(regressionDiff).toBeLessThan(1e-4);
    // The trained model has an opinion: after the arpeggio its logits span several nats.
    const last = pitchData.slice((phrase.length - 2) * 120, (phrase.length - 1) * 120);
    expect(Math.max(...last) - Math.min(...last)).toBeGreaterThan(5);
    tf.dispose([pitch!, regression!]);
    batch.dispose();
    loaded.dispose();
  });

  it('--format safetensors writes any model, which generate --model reads back as the same model', async () => {
    const transformer = join(repoRoot, 'models/piano-transformer');
    const out = join(dir, 'transformer-safetensors');
    const run = await howl('export', transformer, '--format', 'safetensors', '-o', out);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      new RegExp(
        `^${out}/model.safetensors, ${out}/config.json: safetensors, transformer 2 × 128, [\\d,]+ parameters\n$`,
      ),
    );
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors']);
    // The same seed gives the same piece from the checkpoint and from its safetensors.
    const generate = async (model: string, file: string) => {
      const result = await howl(
        'generate',
        '--model',
        model,
        '--no-audio',
        '--seed',
        '7',
        '--notes',
        '40',
        '-o',
        file,
      );
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      return readFileSync(file);
    };
    const fromSafetensors = await generate(out, join(dir, 'safetensors.mid'));
    expect(fromSafetensors).toEqual(await generate(transformer, join(dir, 'checkpoint.mid')));
    expect(readMidi(fromSafetensors).notes).toHaveLength(40);

    // A broken file: one line naming it and the reason.
    writeFileSync(join(out, 'model.safetensors'), new Uint8Array(12));
    const broken = await howl('generate', '--model', out, '--no-audio', '-o', join(dir, 'never.mid'));
    expect(broken.code).toBe(1);
    expect(broken.err.trim()).toMatch(
      new RegExp(`^howl: ${out}/model\\.safetensors: the header is not valid UTF-8 JSON \\(.+\\)$`),
    );
  });

  it('--format safetensors carries the model folder’s sampling.json and repetition.json with the weights', async () => {
    const shipped = join(repoRoot, 'models/piano-asap-ordered-lstm');
    const out = join(dir, 'default-safetensors');
    const run = await howl('export', shipped, '--format', 'safetensors', '-o', out);
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'repetition.json',
      'sampling.json',
    ]);
    const original = await loadModel(shipped);
    expect(Object.keys(original.sampling).length).toBeGreaterThan(0);
    const exported = await loadModel(out);
    expect(exported.sampling).toEqual(original.sampling);
    expect(exported.repetition).toEqual(original.repetition);
  });

  it('bad input: one clear line, exit 1, nothing written', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, 'not a folder');
    const gru = join(dir, 'gru-model');
    // The original's checkpoint relabelled as a GRU: refused before its weights are looked at.
    const checkpoint = await loadCheckpoint(original);
    const model = checkpoint.config.model;
    if (model.type !== 'original-lstm') throw new Error('the shipped original is not an original-lstm');
    await saveCheckpoint(gru, {
      ...checkpoint,
      config: { ...checkpoint.config, model: { ...model, rnn: 'gru' } },
    });
    const out = join(dir, 'never');
    const cases: [string[], RegExp][] = [
      [['--model', join(dir, 'no-model'), '--out', out], /^howl: .*no-model: no such model folder$/],
      [['--model', empty, '--out', out], /^howl: .*empty.*(config\.json|checkpoint)/],
      [['--model', gru, '--out', out], /^howl: .*gru-model: cannot export a GRU model .*reset_after/],
      // The shipped default, an ordered network, is not one Layers graph.
      [
        ['--model', join(repoRoot, 'models/piano-ordered-lstm'), '--out', out],
        /^howl: .*piano-ordered-lstm: cannot export/,
      ],
      [['--model', original, '--out', aFile], /^howl: --out .*a-file is a file, not a folder$/],
      [['--model', original], /^error: required option '-o, --out <dir>' not specified$/],
      [
        ['--model', original, '--out', out, '--format', 'tflite'],
        /^howl: --format tflite: unknown; use layers, safetensors or onnx$/,
      ],
      [
        [original, '--model', gru, '--out', out],
        /^howl: two models given: .*piano-lstm192 and --model .*gru-model; give one$/,
      ],
      // A checkpoint's config.json is not overwritten by an export.
      [[original, '--format', 'safetensors', '-o', gru], /^howl: --out .*gru-model holds a Howl checkpoint/],
    ];
    for (const [args, message] of cases) {
      const run = await howl('export', ...args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.err.trim().split('\n')[0], args.join(' ')).toMatch(message);
      expect(run.out).toBe('');
      expect(existsSync(out), args.join(' ')).toBe(false);
    }
  });
});
