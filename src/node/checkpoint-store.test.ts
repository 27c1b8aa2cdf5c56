import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { encodeCheckpoint } from '../model/checkpoint/checkpoint.js';
import { sampleCheckpoint } from '../test-support/fixtures.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint-store.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'howl-ckpt-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('checkpoint folders', () => {
  test('save then load; saving again replaces it and leaves no temporary folders', async () => {
    const root = await tempDir();
    const dir = join(root, 'run', 'checkpoint');
    await saveCheckpoint(dir, sampleCheckpoint(1));
    expect((await loadCheckpoint(dir)).state.step).toBe(1);
    await saveCheckpoint(dir, sampleCheckpoint(2, 0.25));
    const loaded = await loadCheckpoint(dir);
    expect(loaded.state.step).toBe(2);
    expect(loaded.tensors[0]?.data[5]).toBe(0.25);
    expect(await readdir(join(root, 'run'))).toEqual(['checkpoint']);
  });

  test('a half-written folder is refused with a clear error', async () => {
    const root = await tempDir();
    const dir = join(root, 'checkpoint');
    await saveCheckpoint(dir, sampleCheckpoint(1));
    // A crash while overwriting files in place would leave new weights beside the old state.json.
    const newer = encodeCheckpoint(sampleCheckpoint(2, 0.25));
    await writeFile(join(dir, 'weights.bin'), newer.get('weights.bin') as Uint8Array);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/weights.bin does not match state.json/);
    await rm(join(dir, 'state.json'));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/never completely written/);
    await expect(loadCheckpoint(join(root, 'nothing'))).rejects.toThrow(/no checkpoint there/);
  });

  test('a crash between the two renames falls back to the complete previous folder', async () => {
    const root = await tempDir();
    const dir = join(root, 'checkpoint');
    await saveCheckpoint(dir, sampleCheckpoint(3));
    // The state after `rename(dir, old)` and before `rename(tmp, dir)`: the new temp folder unfinished.
    await rename(dir, `${dir}.old-999999-1`);
    await saveCheckpoint(join(root, 'scratch'), sampleCheckpoint(4));
    await cp(join(root, 'scratch'), `${dir}.tmp-999999-2`, { recursive: true });
    await rm(join(`${dir}.tmp-999999-2`, 'state.json'));
    expect(existsSync(dir)).toBe(false);
    expect((await loadCheckpoint(dir)).state.step).toBe(3);
    // The next save cleans the leftovers of the dead process.
    await saveCheckpoint(dir, sampleCheckpoint(5));
    expect((await readdir(root)).sort()).toEqual(['checkpoint', 'scratch']);
  });
});
