import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Dataset } from '../data/dataset-format.js';
import type { ParquetTable } from '../data/dataset-parquet.js';
import type { ParquetFileBytes } from '../data/dataset-parquet-read.js';
import { DatasetFormatError, InvalidArgumentError } from '../errors.js';
import { WriteFileError, writeFileAtomic } from './atomic-write.js';
import { describeFsError } from './file-system-errors.js';
import { readInputFile } from './read-input-file.js';

/**
 * A dataset as a folder of Parquet tables on disk (`docs/parquet.md`): `notes.parquet`,
 * `files.parquet` and `failures.parquet`, written by `howl export-data` and read by `howl import`.
 * The Parquet codecs (hyparquet, hyparquet-writer) load on first use, so that `howl import` of MIDI
 * folders, which only asks `isParquetInput`, starts without them.
 */

/** The file name of each table in an export folder. */
export const PARQUET_FILE_NAMES: Readonly<Record<ParquetTable, string>> = {
  notes: 'notes.parquet',
  files: 'files.parquet',
  failures: 'failures.parquet',
};

/** One table written. */
export interface WrittenTable {
  readonly table: ParquetTable;
  readonly path: string;
  readonly bytes: number;
}

/**
 * Writes a dataset's three tables into `dir`, each atomically (a temporary file renamed over the
 * old one), `files.parquet` last. A crash in between leaves tables of two exports side by side,
 * which `readDatasetParquet` refuses (each carries the dataset's `created` stamp) unless they agree.
 *
 * @param dir - the folder, created if missing
 * @param dataset - the dataset
 * @returns the tables written, in order
 * @throws WriteFileError naming the folder or file and the reason
 * @example await writeDatasetParquet('export/piano', dataset);
 */
export async function writeDatasetParquet(dir: string, dataset: Dataset): Promise<WrittenTable[]> {
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw new WriteFileError(dir, describeFsError(error, dir), { cause: error });
  });
  const { encodeParquetTable, PARQUET_TABLES } = await import('../data/dataset-parquet.js');
  const written: WrittenTable[] = [];
  for (const table of PARQUET_TABLES) {
    const path = join(dir, PARQUET_FILE_NAMES[table]);
    const bytes = encodeParquetTable(dataset, table); // one table in memory at a time
    await writeFileAtomic(path, bytes);
    written.push({ table, path, bytes: bytes.length });
  }
  return written;
}

const isFolder = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Whether `howl import` should read `path` as Parquet: a `.parquet` file, or a folder that holds
 * `files.parquet` or `notes.parquet` (reading it then says which table is missing).
 *
 * @param path - an argument of `howl import`
 */
export function isParquetInput(path: string): boolean {
  if (isFolder(path)) {
    return (
      existsSync(join(path, PARQUET_FILE_NAMES.files)) || existsSync(join(path, PARQUET_FILE_NAMES.notes))
    );
  }
  return /\.parquet$/i.test(path);
}

/** Which table a file holds: from its Howl metadata, else from its name (`notes.parquet` ...). */
function tableOf(
  file: ParquetFileBytes,
  parquetTableOf: (file: ParquetFileBytes) => ParquetTable | undefined,
  tables: readonly ParquetTable[],
): ParquetTable {
  const table = parquetTableOf(file);
  if (table) return table;
  const byName = tables.find((t) => basename(file.name).toLowerCase() === PARQUET_FILE_NAMES[t]);
  if (byName) return byName;
  throw new DatasetFormatError(
    `no Howl metadata, so which table it holds is unknown: name it ${Object.values(PARQUET_FILE_NAMES).join(', ')}`,
    { file: file.name },
  );
}

/**
 * Reads a dataset from Parquet: one folder written by `writeDatasetParquet`, or its files
 * (`notes.parquet` and `files.parquet`, and `failures.parquet` for the skipped files), in any order.
 *
 * @param paths - one folder, or the tables' files
 * @returns the dataset, exactly as exported
 * @throws InvalidArgumentError when a table is missing or given twice
 * @throws ReadFileError, or DatasetFormatError naming the file that is not a valid table
 * @example const dataset = await readDatasetParquet(['export/piano']);
 */
export async function readDatasetParquet(paths: readonly string[]): Promise<Dataset> {
  const { decodeDatasetParquet, parquetTableOf } = await import('../data/dataset-parquet-read.js');
  const { PARQUET_TABLES } = await import('../data/dataset-parquet.js');
  const [first] = paths;
  let files = [...paths];
  if (paths.length === 1 && first !== undefined && isFolder(first)) {
    files = PARQUET_TABLES.map((t) => join(first, PARQUET_FILE_NAMES[t])).filter(
      (path) => !path.endsWith(PARQUET_FILE_NAMES.failures) || existsSync(path),
    );
  } else if (paths.some(isFolder)) {
    throw new InvalidArgumentError('give one folder of Parquet tables, or the tables’ files, not both');
  }
  const tables: Partial<Record<ParquetTable, ParquetFileBytes>> = {};
  for (const path of files) {
    const file = { name: path, bytes: await readInputFile(path) };
    const table = tableOf(file, parquetTableOf, PARQUET_TABLES);
    const other = tables[table];
    if (other) throw new InvalidArgumentError(`${other.name} and ${path} both hold the ${table} table`);
    tables[table] = file;
  }
  const { notes, files: fileTable, failures } = tables;
  const where = paths.join(', ');
  if (!fileTable) throw new InvalidArgumentError(`no files table (${PARQUET_FILE_NAMES.files}) in ${where}`);
  if (!notes) throw new InvalidArgumentError(`no notes table (${PARQUET_FILE_NAMES.notes}) in ${where}`);
  return decodeDatasetParquet({ notes, files: fileTable, ...(failures ? { failures } : {}) });
}
