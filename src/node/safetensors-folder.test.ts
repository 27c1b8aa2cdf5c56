import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SafetensorsError } from '../model/checkpoint/safetensors.js';
import { weightLayout } from '../model/checkpoint/weight-layout.js';
import { MODEL_PRESETS } from '../model/config.js';
import { repoRoot } from '../test-support/shared-data.js';
import { loadModel } from './load-model.js';
import { isSafetensorsFolder, loadSafetensorsModel, saveSafetensorsModel } from './safetensors-folder.js';

const shipped = ['piano-lstm192', 'piano-ordered-lstm', 'piano-asap-ordered-lstm', 'piano-transformer'];

describe('safetensors model folders', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'howl-safetensors-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test.each(shipped)(
    '%s: its full-size weights are the documented layout, and go out and back',
    async (name) => {
      const original = await loadModel(join(repoRoot, 'models', name));
      const layout = weightLayout(original.config.model);
      expect([...original.weights].map(([n, w]) => ({ name: n, shape: w.shape }))).toEqual(layout);

      const out = join(dir, name, 'nested');
      const paths = await saveSafetensorsModel(out, original);
      expect(paths).toEqual([join(out, 'model.safetensors'), join(out, 'config.json')]);
      expect((await readdir(out)).sort()).toEqual(['config.json', 'model.safetensors']); // no temporary files
      expect(isSafetensorsFolder(out)).toBe(true);
      expect(isSafetensorsFolder(original.dir)).toBe(false);

      // Anywhere a model is read (`loadModel`, behind every --model), the folder is the same model.
      const loaded = await loadModel(out);
      expect(loaded.format).toBe('safetensors');
      expect(loaded.dir).toBe(out);
      expect(loaded.state).toBeUndefined();
      expect(loaded.training).toEqual(original.training);
      expect(loaded.config).toEqual(original.config);
      for (const [n, w] of original.weights) {
        expect(Buffer.from(loaded.weights.get(n)!.data.buffer).equals(Buffer.from(w.data.buffer)), n).toBe(
          true,
        );
      }
      // config.json is the checkpoint's own.
      expect(await readFile(join(out, 'config.json'), 'utf8')).toBe(
        await readFile(join(original.dir, 'config.json'), 'utf8'),
      );
    },
  );

  test('docs/safetensors.md names every weight of every preset', async () => {
    const doc = await readFile(join(repoRoot, 'docs', 'safetensors.md'), 'utf8');
    const names = new Set(
      Object.values(MODEL_PRESETS).flatMap((config) =>
        weightLayout(config).map(({ name }) =>
          name.replace(/^layer\d+\//, 'layer{l}/').replace(/^dense([2-9]|\d\d+)\//, 'dense{i}/'),
        ),
      ),
    );
    expect(names.size).toBeGreaterThan(40);
    expect([...names].filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });

  test('a bad file is refused with its path and the reason; a checkpoint folder is not written into', async () => {
    const original = await loadModel(join(repoRoot, 'models', 'piano-lstm192'));
    const out = join(dir, 'broken');
    await saveSafetensorsModel(out, original);
    const file = join(out, 'model.safetensors');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 10));
    const error = await loadModel(out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetensorsError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: tensor "regression/bias": .* the file is truncated$`,
      ),
    );
    await rm(join(out, 'config.json'));
    await expect(loadSafetensorsModel(out)).rejects.toThrow(`${out}: config.json is missing`);

    await expect(saveSafetensorsModel(original.dir, original)).rejects.toThrow(/holds a Howl checkpoint/);
  });
});
