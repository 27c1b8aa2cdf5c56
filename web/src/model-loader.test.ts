import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel, networkOf, pickCheckpoint, ModelLoadError, type PickedFile } from './model-loader.js';

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
});
