import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { WriteFileError } from './atomic-write.js';
import { describeFsError } from './file-system-errors.js';
import {
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  CHECKPOINT_FILES,
  type Checkpoint,
} from '../model/checkpoint/checkpoint.js';

/**
 * Checkpoint folders on disk, written so that a crash (even SIGKILL) at any moment leaves a
 * complete checkpoint: the new one is written into `<dir>.tmp-<pid>-<n>/` (every file flushed,
 * `state.json` last), then the old folder is renamed to `<dir>.old-<pid>-<n>`, the new one renamed
 * to `<dir>`, and the old one removed. `loadCheckpoint` falls back to a complete `.old-`/`.tmp-`
 * sibling only when `<dir>` itself is missing (a crash between the two renames).
 */

let counter = 0;

async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot open or fsync folders; the renames are still atomic.
  }
}

/**
 * Writes a checkpoint folder atomically, replacing any checkpoint at `dir`.
 *
 * @param dir - the checkpoint folder, e.g. `runs/piano/checkpoint`; its parent is created
 * @param checkpoint - the checkpoint
 * @throws WriteFileError naming the file and the reason (no space left on device, permission
 *   denied ...); the previous checkpoint at `dir` is then untouched and no temporary folder is left
 * @example await saveCheckpoint('runs/piano/best', checkpoint);
 */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const target = resolve(dir);
  const parent = dirname(target);
  const fail = (error: unknown, file: string): never => {
    throw new WriteFileError(file, describeFsError(error, file), { cause: error });
  };
  await mkdir(parent, { recursive: true }).catch((error: unknown) => fail(error, dir));
  const tag = `${process.pid}-${++counter}`;
  const temp = `${target}.tmp-${tag}`;
  const old = `${target}.old-${tag}`;
  await mkdir(temp).catch((error: unknown) => fail(error, dir));
  try {
    for (const [name, bytes] of encodeCheckpoint(checkpoint)) {
      await writeSynced(join(temp, name), bytes).catch((error: unknown) => fail(error, join(dir, name)));
    }
    await syncDir(temp);
  } catch (error) {
    // A full disk, say: the half-written folder goes, the previous checkpoint at `dir` stays.
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  const hadOld = existsSync(target);
  try {
    if (hadOld) await rename(target, old);
    await rename(temp, target);
  } catch (error) {
    fail(error, dir); // `loadCheckpoint` still finds the complete `.old-` or `.tmp-` folder
  }
  await syncDir(parent);
  if (hadOld) await rm(old, { recursive: true, force: true });
  await removeStale(target);
}

/** Removes leftovers of interrupted saves beside `target` (other processes' are kept if recent). */
async function removeStale(target: string): Promise<void> {
  const prefix = basename(target);
  const entries = await readdir(dirname(target)).catch(() => [] as string[]);
  for (const entry of entries) {
    if (entry.startsWith(`${prefix}.tmp-`) || entry.startsWith(`${prefix}.old-`)) {
      const pid = Number(entry.slice(prefix.length + 5).split('-')[0]);
      if (pid === process.pid || !isAlive(pid)) {
        await rm(join(dirname(target), entry), { recursive: true, force: true }).catch(() => undefined);
      }
    }
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readFolder(dir: string): Promise<Checkpoint> {
  const files = new Map<string, Uint8Array>();
  for (const name of CHECKPOINT_FILES) {
    try {
      files.set(name, new Uint8Array(await readFile(join(dir, name))));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return decodeCheckpoint((name) => files.get(name), dir);
}

/**
 * Reads and verifies a checkpoint folder. When `dir` does not exist but an interrupted save left a
 * complete `<dir>.old-*` or `<dir>.tmp-*` beside it, the one with the most steps is read instead.
 *
 * @param dir - the checkpoint folder
 * @returns the checkpoint
 * @throws CheckpointError if there is no checkpoint, or it is unfinished, partial, corrupt or of
 *   another format version
 * @example const checkpoint = await loadCheckpoint('runs/piano/checkpoint');
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const target = resolve(dir);
  if (existsSync(target)) return readFolder(target);
  const prefix = basename(target);
  const entries = await readdir(dirname(target)).catch(() => [] as string[]);
  let found: Checkpoint | undefined;
  for (const entry of entries) {
    if (!entry.startsWith(`${prefix}.tmp-`) && !entry.startsWith(`${prefix}.old-`)) continue;
    try {
      const checkpoint = await readFolder(join(dirname(target), entry));
      if (!found || checkpoint.state.step > found.state.step) found = checkpoint;
    } catch {
      // An unfinished save: not a checkpoint.
    }
  }
  if (found) return found;
  throw new CheckpointError(`${dir}: no checkpoint there`);
}
