import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WriteFileError, writeFileAtomic } from './atomic-write.js';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'howl-write-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes bytes and text, replacing an old file, leaving no temporary file', async () => {
    const path = join(dir, 'out.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    await writeFileAtomic(path, 'héllo');
    expect(await readFile(path, 'utf8')).toBe('héllo');
    expect(await readdir(dir)).toEqual(['out.bin']);
  });

  test('a missing folder is an error naming the path', async () => {
    const path = join(dir, 'no', 'such', 'x.howl');
    const error = await writeFileAtomic(path, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteFileError);
    expect((error as Error).message).toBe(
      `cannot write ${path}: the folder ${join(dir, 'no', 'such')} does not exist`,
    );
  });

  test('a path under a file is an error naming the path', async () => {
    await writeFile(join(dir, 'plain'), 'x');
    const path = join(dir, 'plain', 'x.howl');
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(
      `cannot write ${path}: a part of the path is a file`,
    );
  });

  test('a failed rename (target is a folder) removes the temporary file and keeps the target', async () => {
    const path = join(dir, 'a-folder');
    await mkdir(path);
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(`cannot write ${path}:`);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  test.skipIf(process.platform !== 'linux')('an unwritable place is an error naming the path', async () => {
    await expect(writeFileAtomic('/proc/x.howl', 'x')).rejects.toThrow(/^cannot write \/proc\/x\.howl: /);
  });
});
