import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveSampling } from '../generate/sampling.js';
import { CheckpointError } from '../model/checkpoint/checkpoint.js';
import { repoRoot } from '../test-support/shared-data.js';
import { loadModel } from './load-model.js';
import { MODEL_SAMPLING_FILE, readModelSampling } from './model-sampling.js';

const dir = mkdtempSync(join(tmpdir(), 'howl-model-sampling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A folder holding `sampling.json` with this text. */
function folderWith(name: string, text: string): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, MODEL_SAMPLING_FILE), text);
  return folder;
}

describe('a model folder’s sampling.json', () => {
  test('is read and checked; a folder without one has none', async () => {
    const folder = folderWith(
      'good',
      '{ "note": "why", "topP": 1, "durationTemperature": 0.9, "chords": "together" }',
    );
    expect(await readModelSampling(folder)).toEqual({
      topP: 1,
      durationTemperature: 0.9,
      chords: 'together',
    });
    expect(await readModelSampling(join(dir, 'nothing-here'))).toEqual({});
  });

  test('the shipped default model carries the sampling measured for it; the others none', async () => {
    const shipped = await loadModel(join(repoRoot, 'models/piano-asap-ordered-lstm'));
    expect(shipped.sampling).toEqual({
      topP: 1,
      repetition: 2,
      release: 1,
      neighbours: 0,
      minPitch: 21,
      maxPitch: 108,
    });
    expect(shipped.repetition?.release?.recent).toBe(8);
    expect(shipped.repetition?.chords?.orders).toEqual([24, 16, 12, 8, 6, 4, 3, 2, 1]);
    expect(shipped.repetition?.neighbours?.recent).toBe(64);
    expect(shipped.repetition?.orders).toEqual([32, 20, 12, 8, 6, 4, 3, 2]);
    const resolved = resolveSampling(shipped.sampling);
    expect([resolved.topP, resolved.delayTemperature, resolved.repetition]).toEqual([1, 1, 2]);
    const plain = await loadModel(join(repoRoot, 'models/piano-transformer'));
    expect(plain.sampling).toEqual({});
    expect(plain.repetition).toBeUndefined();
  });

  test.each([
    ['not-json', '{ topP: 1 }', /sampling\.json: not JSON/],
    ['array', '[1]', /sampling\.json: not a JSON object of sampling options/],
    ['unknown', '{ "topp": 1 }', /sampling\.json: "topp" is not a sampling option/],
    ['string-number', '{ "topP": "0.9" }', /sampling\.json: "topP" is not a number/],
    ['note', '{ "note": 3 }', /sampling\.json: "note" is not a string/],
    ['range', '{ "topP": 2 }', /sampling\.json: top-p 2 is not in \(0, 1\]/],
    ['temperature', '{ "delayTemperature": 0 }', /sampling\.json: delay temperature 0 is not a number > 0/],
    [
      'chords',
      '{ "chords": "arpeggiated" }',
      /sampling\.json: chords "arpeggiated" is not rolled or together/,
    ],
  ])('%s: a CheckpointError naming the file', async (name, text, message) => {
    const folder = folderWith(name, text);
    const error = await readModelSampling(folder).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(join(folder, MODEL_SAMPLING_FILE));
  });
});
