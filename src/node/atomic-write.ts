import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { HowlError } from '../errors.js';
import { describeFsError } from './file-system-errors.js';

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
 * The temporary files of `writeFileAtomicStream` (`.NAME.PID.N.tmp`), `checkWritable`
 * (`.NAME.PID.N.probe`) and `renderAudioFile`'s sample spill (`.NAME.PID.N.render.tmp`).
 */
const TEMP_NAME = /^\..+\.(\d+)\.\d+\.(?:tmp|probe|render\.tmp)$/;

/** A temporary file older than this is a leftover even if its process id is alive again (reused). */
export const STALE_TEMP_MS = 24 * 3600 * 1000;

/** Folders already cleaned by this process. */
const cleanedFolders = new Set<string>();

function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}

/**
 * Removes the temporary files that interrupted atomic writes left in `folder` (a SIGKILL or a power
 * cut between creating the temporary file and renaming it): files named as `writeFileAtomic` names
 * them (`.NAME.PID.N.tmp`, `.NAME.PID.N.probe`, `.NAME.PID.N.render.tmp`) whose process is no longer running, or that are
 * older than a day. Other files, and the temporary files of live writers, are left alone. Never
 * throws: what cannot be listed or removed stays.
 *
 * @param folder - the folder to clean
 * @returns the names removed
 * @example await removeStaleTempFiles('out'); // ['.howl-7.wav.4711.1.tmp']
 */
export async function removeStaleTempFiles(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const removed: string[] = [];
  const now = Date.now();
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match) continue;
    const file = join(folder, name);
    let stale = !isProcessAlive(Number(match[1]));
    if (!stale) {
      const info = await stat(file).catch(() => undefined);
      stale = info !== undefined && now - info.mtimeMs > STALE_TEMP_MS;
    }
    if (!stale) continue;
    try {
      await rm(file); // a plain file; a folder of that name is not ours and stays
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove.
    }
  }
  return removed;
}

/**
 * `removeStaleTempFiles`, once per folder and process: what the first atomic write into a folder calls.
 *
 * @param folder - the folder about to be written into
 * @example await removeStaleTempFilesOnce('out');
 */
export async function removeStaleTempFilesOnce(folder: string): Promise<void> {
  const key = resolve(folder);
  if (cleanedFolders.has(key)) return;
  cleanedFolders.add(key);
  await removeStaleTempFiles(folder);
}

/**
 * Writes `data` to `path` atomically: into a temporary file beside it (same folder, so the same
 * file system), flushed to disk, then renamed over `path`. Readers see the old file or the new one,
 * never half of one; after a failure the temporary file is removed and `path` is untouched. The
 * first write into a folder also removes what killed writers left there (`removeStaleTempFiles`).
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
 * temporary file, then flushes and renames it over `path`. Memory holds two pieces at a time: one
 * being written while the next is made (a checksum or an encoder works meanwhile). If
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
  await removeStaleTempFilesOnce(dirname(path));
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.tmp`);
  let created = false;
  let sourceFailed = false;
  try {
    const handle = await open(temp, 'wx');
    created = true;
    try {
      const iterator =
        Symbol.asyncIterator in pieces ? pieces[Symbol.asyncIterator]() : pieces[Symbol.iterator]();
      // One write in flight while the next piece is made (a checksum, an encoder), never two.
      let writing: Promise<void> | undefined;
      for (;;) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await iterator.next();
        } catch (error) {
          sourceFailed = true;
          await writing?.catch(() => undefined);
          throw error;
        }
        await writing;
        if (next.done) break;
        writing = handle.writeFile(next.value); // at the current position, all of it
        writing.catch(() => undefined); // awaited above; an early failure is not "unhandled" meanwhile
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
