import { existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HowlError } from '../errors.js';

/** A file could not be written; the message names it and says why. */
export class WriteFileError extends HowlError {
  /** The path that was to be written. */
  readonly file: string;

  constructor(file: string, reason: string, options: { cause?: unknown } = {}) {
    super('write-file', `cannot write ${file}: ${reason}`, options);
    this.file = file;
  }
}

let counter = 0;

/**
 * Writes `data` to `path` atomically: into a temporary file beside it (same folder, so the same
 * file system), flushed to disk, then renamed over `path`. Readers see the old file or the new one,
 * never half of one; after a failure the temporary file is removed and `path` is untouched.
 *
 * @param path - the file to create or replace; its folder must exist
 * @param data - the bytes (or UTF-8 text) to write
 * @throws WriteFileError naming `path` and the reason (no such folder, permission denied, a file
 *   where a folder should be, disk full ...)
 * @example await writeFileAtomic('data/piano.howl', encodeDataset(dataset));
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeFileAtomicStream(path, [typeof data === 'string' ? new TextEncoder().encode(data) : data]);
}

/**
 * `writeFileAtomic` for output made piece by piece: writes each piece of `pieces` in turn into the
 * temporary file, then flushes and renames it over `path`. Memory holds one piece at a time. If
 * `pieces` throws, or a write fails, the temporary file is removed, `path` is untouched, and the
 * error is rethrown (a `WriteFileError` for file-system failures, the source's own error otherwise).
 *
 * @param path - the file to create or replace; its folder must exist
 * @param pieces - the bytes, in order
 * @throws WriteFileError naming `path` and the reason
 * @example await writeFileAtomicStream('piece.wav', encodedChunks());
 */
export async function writeFileAtomicStream(
  path: string,
  pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.tmp`);
  let created = false;
  let sourceFailed = false;
  try {
    const handle = await open(temp, 'wx');
    created = true;
    try {
      const iterator =
        Symbol.asyncIterator in pieces ? pieces[Symbol.asyncIterator]() : pieces[Symbol.iterator]();
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await iterator.next();
        } catch (error) {
          sourceFailed = true;
          throw error;
        }
        if (next.done) break;
        await handle.writeFile(next.value); // at the current position, all of it
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    created = false;
  } catch (error) {
    if (created) await rm(temp, { force: true }).catch(() => undefined);
    if (sourceFailed) throw error;
    throw new WriteFileError(path, describeFsError(error, path), { cause: error });
  }
}

/**
 * Checks, before a long computation, that `writeFileAtomic(path, …)` will be able to create its
 * temporary file: creates and removes an empty one beside `path`. `path` itself is not touched.
 *
 * @param path - the file that will be written
 * @throws WriteFileError naming `path` and the reason, as `writeFileAtomic` would
 * @example await checkWritable('data/piano.howl'); // before importing for minutes
 */
export async function checkWritable(path: string): Promise<void> {
  const probe = join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.probe`);
  try {
    const handle = await open(probe, 'wx');
    await handle.close();
  } catch (error) {
    throw new WriteFileError(path, describeFsError(error, path), { cause: error });
  }
  await rm(probe, { force: true });
}

function describeFsError(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return existsSync(dirname(path))
        ? `files cannot be created in ${dirname(path)}`
        : `the folder ${dirname(path)} does not exist`;
    case 'ENOTDIR':
      return `a part of the path is a file, not a folder`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
