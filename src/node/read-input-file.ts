import { readFile } from 'node:fs/promises';
import { HowlError } from '../errors.js';

/** A file could not be read; the message names it and says why. */
export class ReadFileError extends HowlError {
  /** The path that was to be read. */
  readonly file: string;

  constructor(file: string, reason: string, options: { cause?: unknown } = {}) {
    super('read-file', `cannot read ${file}: ${reason}`, options);
    this.file = file;
  }
}

/**
 * Reads a whole input file (a MIDI file, a dataset), turning the usual failures into one clear
 * `ReadFileError`: "cannot read song.mid: no such file".
 *
 * @param path - the file
 * @returns its bytes
 * @throws {ReadFileError} When it is missing, a folder, or unreadable.
 * @example const bytes = await readInputFile('data/piano.howl');
 */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new ReadFileError(path, reason, { cause: error });
  }
}
