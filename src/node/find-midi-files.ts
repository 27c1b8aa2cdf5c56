import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/** File extensions taken as MIDI files, lower case (matched case-insensitively). */
export const MIDI_EXTENSIONS: readonly string[] = ['.mid', '.midi', '.kar', '.rmi'];

/**
 * Whether a file name has a MIDI extension (`.mid`, `.midi`, `.kar`, `.rmi`, any case).
 *
 * @param name - a file name or path
 * @returns true for e.g. `'Song.MID'`
 * @example isMidiFileName('a/b/ⓉⒺⓈⓉ.mid'); // true
 */
export function isMidiFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return MIDI_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length);
}

/** Compares strings by UTF-16 code units: the same order on every machine and locale. */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Finds every MIDI file below a folder, recursively, as the original `HowlFindMidis`
 * (docs/original-system.md §1) but also `.midi`, `.kar` and `.rmi`. Symbolic links are followed,
 * but each real folder is read once,
 * so link loops end (a folder reached twice is listed under the path met first, in name order); unreadable sub-folders and dangling links are skipped. A path to a single MIDI
 * file is accepted too and gives itself.
 *
 * @param dir - the folder (or file) to search
 * @returns absolute paths, sorted by UTF-16 code units (deterministic, locale-independent)
 * @throws InvalidArgumentError naming `dir` if it does not exist, is not a folder or MIDI file, or
 *   cannot be read
 * @example const paths = await findMidiFiles('/data/piano-midi-de/midis'); // 337 paths
 */
export async function findMidiFiles(dir: string): Promise<string[]> {
  const root = resolve(dir);
  let rootStat;
  try {
    rootStat = await stat(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : ((error as Error).message ?? String(error));
    throw new InvalidArgumentError(`cannot read ${dir}: ${why}`);
  }
  if (rootStat.isFile()) {
    if (isMidiFileName(root)) return [root];
    throw new InvalidArgumentError(`${dir} is neither a directory nor a MIDI file`);
  }
  if (!rootStat.isDirectory()) throw new InvalidArgumentError(`${dir} is not a directory`);

  const found: string[] = [];
  const visited = new Set<string>();
  const walk = async (folder: string, isRoot: boolean): Promise<void> => {
    let real: string;
    let entries: Dirent[];
    try {
      real = await realpath(folder);
      if (visited.has(real)) return;
      visited.add(real);
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isRoot) throw new InvalidArgumentError(`cannot read ${dir}: ${(error as Error).message}`);
      return; // an unreadable sub-folder: skip it, as `find` would after a warning
    }
    entries.sort((a, b) => byCodeUnit(a.name, b.name));
    for (const entry of entries) {
      const path = join(folder, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await stat(path);
          isDir = target.isDirectory();
          isFile = target.isFile();
        } catch {
          continue; // dangling link
        }
      }
      // Depth-first in name order, so that which path of a linked folder is kept is deterministic.
      if (isDir) await walk(path, false);
      else if (isFile && isMidiFileName(entry.name)) found.push(path);
    }
  };
  await walk(root, true);
  return found.sort(byCodeUnit);
}
