import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  decodeCheckpoint,
  encodeSafetensorsModel,
  trainingSummaryOf,
  weightsOf,
} from '../../src/public/index.js';
import {
  decodeModel,
  fetchModel,
  networkOf,
  pickCheckpoint,
  ModelLoadError,
  type PickedFile,
} from './model-loader.js';

const modelDir = join(import.meta.dirname, '../../models/piano-lstm192');
const files = ['config.json', 'weights.json', 'weights.bin', 'state.json'];
const shipped = new Map(files.map((f) => [f, new Uint8Array(readFileSync(join(modelDir, f)))]));

describe('model loader', () => {
  it('decodes the shipped model, without the optimiser state, into a working network', () => {
    const model = decodeModel((f) => shipped.get(f), 'piano-lstm192');
    expect([...model.weights.keys()].some((k) => k.startsWith('adam/'))).toBe(false);
    expect(model.summary).toMatch(/^(ordered )?(LSTM|GRU)-\d+, \d+ training steps/);
    const network = networkOf(model);
    network.step([[0, 0.5, 0.6, 0]]);
    expect(network.kind === 'regression' ? network.pitchLogits : network.delayLogits).toHaveLength(
      network.kind === 'regression' ? 120 : 401,
    );
  });

  it('says what is wrong with a broken model', () => {
    const without = (name: string) => (f: string) => (f === name ? undefined : shipped.get(f));
    expect(() => decodeModel(without('state.json'), 'mine')).toThrow(/mine: no state.json/);
    expect(() => decodeModel(without('weights.bin'), 'mine')).toThrow(/weights.bin is missing/);
    const corrupt = (f: string) => (f === 'weights.bin' ? new Uint8Array(10) : shipped.get(f));
    expect(() => decodeModel(corrupt, 'mine')).toThrow(ModelLoadError);
    expect(() => decodeModel(corrupt, 'mine')).toThrow(/does not match state.json/);
  });

  it('finds the checkpoint among picked files, preferring a run folder best/', () => {
    const as = (prefix: string): PickedFile[] =>
      files.map((f) => ({ path: prefix + f, bytes: shipped.get(f)! }));
    const run = [...as('run/checkpoint/'), ...as('run/best/')];
    const { folder, read } = pickCheckpoint(run);
    expect(folder).toBe('run/best/');
    expect(read('weights.bin')).toBe(shipped.get('weights.bin'));
    expect(pickCheckpoint(as('')).folder).toBe('');
    expect(() => pickCheckpoint([{ path: 'song.mid', bytes: new Uint8Array(1) }])).toThrow(
      /no config.json among the files \(song.mid\)/,
    );
  });

  describe('safetensors', () => {
    const checkpoint = decodeCheckpoint((f) => shipped.get(f), 'piano-lstm192');
    const safetensors = encodeSafetensorsModel({
      config: checkpoint.config,
      weights: weightsOf(checkpoint),
      training: trainingSummaryOf(checkpoint.state),
    });

    it('decodes model.safetensors + config.json into the same model, picked as a folder', () => {
      const picked = [...safetensors].map(([f, bytes]) => ({ path: `export/${f}`, bytes }));
      const { folder, read } = pickCheckpoint(picked);
      expect(folder).toBe('export/');
      const model = decodeModel(read, 'export');
      const fromCheckpoint = decodeModel((f) => shipped.get(f), 'piano-lstm192');
      expect(model.summary).toBe(fromCheckpoint.summary);
      expect(model.config).toEqual(fromCheckpoint.config);
      expect([...model.weights.keys()]).toEqual([...fromCheckpoint.weights.keys()]);
      const a = networkOf(model);
      const b = networkOf(fromCheckpoint);
      a.step([[0, 0.5, 0.6, 0]]);
      b.step([[0, 0.5, 0.6, 0]]);
      expect(a.kind === 'regression' && [...a.pitchLogits]).toEqual(
        b.kind === 'regression' && [...b.pitchLogits],
      );
      const broken = (f: string) => (f === 'model.safetensors' ? new Uint8Array(9) : safetensors.get(f));
      expect(() => decodeModel(broken, 'mine')).toThrow(ModelLoadError);
      expect(() => decodeModel(broken, 'mine')).toThrow(
        /^mine\/model\.safetensors: the header is not valid UTF-8 JSON/,
      );
    });

    it('fetches a checkpoint without asking for model.safetensors, and a safetensors folder with one 404', async () => {
      const serve = (files: Map<string, Uint8Array>) => {
        const asked: string[] = [];
        const fetch = vi.fn(async (url: string) => {
          const file = url.slice('/model/'.length);
          asked.push(file);
          const bytes = files.get(file);
          return bytes ? new Response(bytes.slice()) : new Response(null, { status: 404 });
        });
        vi.stubGlobal('fetch', fetch);
        return asked;
      };
      try {
        let asked = serve(shipped);
        expect((await fetchModel('/model/', 'ck')).summary).toMatch(/LSTM-192/);
        expect(asked.sort()).toEqual(['config.json', 'state.json', 'weights.bin', 'weights.json']);
        asked = serve(safetensors);
        expect((await fetchModel('/model/', 'st')).summary).toMatch(/LSTM-192/);
        expect(asked.sort()).toEqual(['config.json', 'model.safetensors', 'state.json']);
      } finally {
        vi.unstubAllGlobals();
      }
    });
  });
});
