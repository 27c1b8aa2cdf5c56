import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WriteFileError, writeFileAtomicStream } from './atomic-write.js';

describe('writeFileAtomicStream', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'howl-stream-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes the pieces of a sync or async source in order, replacing the old file', async () => {
    const path = join(dir, 'out.bin');
    await writeFile(path, 'old');
    await writeFileAtomicStream(path, [new Uint8Array([1, 2]), new Uint8Array([]), new Uint8Array([3])]);
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    async function* pieces(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 100; i++) yield new Uint8Array(1000).fill(i);
    }
    await writeFileAtomicStream(path, pieces());
    const bytes = await readFile(path);
    expect(bytes.length).toBe(100_000);
    expect(bytes[99_999]).toBe(99);
    expect(await readdir(dir)).toEqual(['out.bin']);
  });

  test("a failing source leaves the old file untouched, no temporary file, and rethrows the source's error", async () => {
    const path = join(dir, 'keep.bin');
    await writeFile(path, 'old');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([1]);
      throw new Error('render failed');
    }
    await expect(writeFileAtomicStream(path, failing())).rejects.toThrow('render failed');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual(['keep.bin', 'out.bin']);
  });

  test('a missing folder is a WriteFileError naming the path', async () => {
    const path = join(dir, 'no', 'x.wav');
    const error = await writeFileAtomicStream(path, [new Uint8Array([1])]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteFileError);
    expect((error as Error).message).toBe(
      `cannot write ${path}: the folder ${join(dir, 'no')} does not exist`,
    );
  });
});
