import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { sampleCheckpoint } from '../test-support/fixtures.js';
import { WriteFileError, writeFileAtomic, writeFileAtomicStream } from './atomic-write.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint-store.js';
import { describeFsError, fileSystemFailure } from './file-system-errors.js';

// A full disk, injected: file handles opened on a path that `inject.failOn` matches write half their
// bytes and then fail as Linux does (ENOSPC from write(2), no path on the error). Everything else is
// the real file system. (A tmpfs of 1 MB gives the same failure; it needs root.)
const inject = vi.hoisted(() => ({
  failOn: undefined as RegExp | undefined,
  code: 'ENOSPC',
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const { withInjectedWriteFailures } = await import('../test-support/failing-fs.js');
  return withInjectedWriteFailures(await importOriginal<typeof import('node:fs/promises')>(), inject);
});

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'howl-disk-full-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  inject.failOn = undefined;
  inject.code = 'ENOSPC';
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('a write that fails half-way (disk full)', () => {
  test('writeFileAtomic keeps the old file, removes its temporary file and says why in one line', async () => {
    const dir = await tempDir();
    const path = join(dir, 'piece.mid');
    await writeFileAtomic(path, 'the old piece');
    inject.failOn = /\.piece\.mid\.\d+\.\d+\.tmp$/;
    const error = await writeFileAtomic(path, 'x'.repeat(100_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteFileError);
    expect((error as Error).message).toBe(`cannot write ${path}: no space left on device`);
    expect(await readFile(path, 'utf8')).toBe('the old piece');
    expect(await readdir(dir)).toEqual(['piece.mid']);
  });

  test('so does writeFileAtomicStream, for a quota (EDQUOT) as for a full disk', async () => {
    const dir = await tempDir();
    const path = join(dir, 'piece.wav');
    inject.failOn = /\.tmp$/;
    inject.code = 'EDQUOT';
    const pieces = [new Uint8Array(1000), new Uint8Array(1000)];
    await expect(writeFileAtomicStream(path, pieces)).rejects.toThrow(
      `cannot write ${path}: disk quota exceeded`,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  test('saveCheckpoint keeps the last good checkpoint, removes the half-written folder and names the file', async () => {
    const root = await tempDir();
    const dir = join(root, 'run', 'checkpoint');
    await saveCheckpoint(dir, sampleCheckpoint(3));
    inject.failOn = /checkpoint\.tmp-[\d-]+[/\\]weights\.bin$/;
    const error = await saveCheckpoint(dir, sampleCheckpoint(4, 0.25)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteFileError);
    expect((error as Error).message).toBe(
      `cannot write ${join(dir, 'weights.bin')}: no space left on device`,
    );
    const kept = await loadCheckpoint(dir);
    expect(kept.state.step).toBe(3);
    expect(kept.tensors[0]?.data[5]).toBe(0.5);
    expect(await readdir(join(root, 'run'))).toEqual(['checkpoint']);
    inject.failOn = undefined;
    await saveCheckpoint(dir, sampleCheckpoint(5)); // with space again, saving goes on
    expect((await loadCheckpoint(dir)).state.step).toBe(5);
  });
});

describe('fileSystemFailure', () => {
  const errno = (code: string, syscall: string, path?: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: ${syscall}`), {
      code,
      syscall,
      ...(path === undefined ? {} : { path }),
    });

  test('maps ENOSPC, EDQUOT, EROFS, EACCES and EPERM to one line naming the path', () => {
    expect(fileSystemFailure(errno('ENOSPC', 'write', 'runs/a/metrics.jsonl'))).toBe(
      'cannot write runs/a/metrics.jsonl: no space left on device',
    );
    expect(fileSystemFailure(errno('EDQUOT', 'open', 'out/x.wav'))).toBe(
      'cannot write out/x.wav: disk quota exceeded',
    );
    expect(fileSystemFailure(errno('EROFS', 'mkdir', '/mnt/cd/runs'))).toBe(
      'cannot write /mnt/cd/runs: read-only file system',
    );
    expect(fileSystemFailure(errno('EACCES', 'mkdir', 'runs/a'))).toBe(
      'cannot write runs/a: permission denied',
    );
    // An open may be a read: no "cannot write".
    expect(fileSystemFailure(errno('EACCES', 'open', 'data/a.howl'))).toBe('data/a.howl: permission denied');
    expect(fileSystemFailure(errno('EPERM', 'unlink', 'x'))).toBe('cannot write x: permission denied');
  });

  test('looks through causes; a write with no path still says why; other errors are not mapped', () => {
    const wrapped = new Error('saving failed', { cause: errno('ENOSPC', 'rename', 'a.tmp') });
    expect(fileSystemFailure(wrapped)).toBe('cannot write a.tmp: no space left on device');
    expect(fileSystemFailure(errno('ENOSPC', 'write'))).toBe('no space left on device (write)');
    expect(fileSystemFailure(errno('ENOENT', 'open', 'x'))).toBeUndefined();
    expect(fileSystemFailure(new TypeError('a bug'))).toBeUndefined();
    expect(fileSystemFailure('not an error')).toBeUndefined();
  });

  test('describeFsError words the reasons alike', () => {
    expect(describeFsError(errno('ENOSPC', 'write'), 'x')).toBe('no space left on device');
    expect(describeFsError(errno('EROFS', 'open'), 'x')).toBe('read-only file system');
    expect(describeFsError(errno('EISDIR', 'rename'), 'x')).toBe('it is a directory');
  });
});
