import { parquetMetadata, parquetRead, parquetSchema, type DecodedArray, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { DatasetFormatError } from '../errors.js';
import { MAX_PITCH } from '../score/clamp-pitch.js';
import { DATASET_FORMAT_VERSION, type Dataset, type NoteColumns } from './dataset-format.js';
import {
  computeTotals,
  validateMetadata,
  type DatasetFailure,
  type DatasetFile,
  type DatasetMetadata,
  type Fail,
} from './dataset-metadata.js';
import {
  PARQUET_FORMAT,
  PARQUET_FORMAT_VERSION,
  PARQUET_METADATA_KEY,
  type ColumnKind,
  type ParquetDatasetInfo,
  type ParquetTable,
} from './dataset-parquet.js';

/**
 * Reads the Parquet tables of `dataset-parquet.ts` back into a `Dataset` (hyparquet, with
 * hyparquet-compressors for every codec), checking everything a hand-edited or foreign file could
 * get wrong, and naming the file in every error. Tables rewritten by another tool (DuckDB, pandas,
 * Polars) read as well: any row order, any encoding or codec, nullable columns without nulls.
 */

/** One Parquet file: its name (for messages) and its bytes. */
export interface ParquetFileBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** What `decodeDatasetParquet` reads: the notes and files tables, and the failures table if any. */
export interface DatasetParquetInput {
  readonly notes: ParquetFileBytes;
  readonly files: ParquetFileBytes;
  /** Without it the dataset records no skipped files. */
  readonly failures?: ParquetFileBytes;
}

/** A Parquet file whose footer was read. */
interface OpenTable {
  readonly name: string;
  readonly buffer: ArrayBuffer;
  readonly metadata: FileMetaData;
  readonly rows: number;
  /** The `howl` key-value entry, when the file has one. */
  readonly info: ParquetDatasetInfo | undefined;
  readonly fail: Fail;
}

/** A column as read: numbers (NaN where a value is null or not a number), or anything else. */
type Column = Float64Array | unknown[];

const failFor =
  (name: string): Fail =>
  (reason) => {
    throw new DatasetFormatError(reason, { file: name });
  };

function openTable({ name, bytes }: ParquetFileBytes): OpenTable {
  const fail = failFor(name);
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buffer = (whole ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(buffer);
  } catch (error) {
    return fail(`not a readable Parquet file (${(error as Error).message})`);
  }
  const entry = metadata.key_value_metadata?.find((kv) => kv.key === PARQUET_METADATA_KEY);
  let info: ParquetDatasetInfo | undefined;
  if (entry?.value !== undefined) {
    try {
      info = JSON.parse(entry.value) as ParquetDatasetInfo;
    } catch (error) {
      return fail(`its "${PARQUET_METADATA_KEY}" metadata is not JSON (${(error as Error).message})`);
    }
    if (typeof info !== 'object' || info === null || info.format !== PARQUET_FORMAT) {
      return fail(`its "${PARQUET_METADATA_KEY}" metadata is not Howl's (no format "${PARQUET_FORMAT}")`);
    }
    if (info.version !== PARQUET_FORMAT_VERSION) {
      fail(`Howl Parquet version ${String(info.version)}; this Howl reads version ${PARQUET_FORMAT_VERSION}`);
    }
  }
  return { name, buffer, metadata, rows: Number(metadata.num_rows), info, fail };
}

/**
 * Which of Howl's tables a Parquet file holds, from its `howl` metadata.
 *
 * @param file - the file's name and bytes
 * @returns `notes`, `files` or `failures`, or `undefined` when the file has no Howl metadata
 * @throws DatasetFormatError naming the file when it is not Parquet, or its Howl metadata is broken
 */
export function parquetTableOf(file: ParquetFileBytes): ParquetTable | undefined {
  return openTable(file).info?.table;
}

const PHYSICAL: Record<ColumnKind, readonly string[]> = {
  int32: ['INT32', 'INT64'],
  uint8: ['INT32', 'INT64'],
  int64: ['INT32', 'INT64'],
  float: ['FLOAT', 'DOUBLE'],
  double: ['DOUBLE'],
  string: ['BYTE_ARRAY'],
};

type NumberArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array;

const isNumberArray = (data: DecodedArray): data is NumberArray =>
  ArrayBuffer.isView(data) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array);

/** Copies `count` values of a chunk into `target` from row `at`: numbers as numbers (NaN for null). */
function copyChunk(target: Column, data: DecodedArray, at: number, count: number): void {
  if (count <= 0) return;
  if (target instanceof Float64Array && isNumberArray(data)) {
    target.set(data.subarray(0, count), at);
    return;
  }
  for (let i = 0; i < count; i++) {
    const value: unknown = data[i];
    if (target instanceof Float64Array) {
      target[at + i] = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : NaN;
    } else {
      target[at + i] = value;
    }
  }
}

/** Reads the named columns whole; a column stored as another type is refused. */
async function readColumns(
  table: OpenTable,
  wanted: Readonly<Record<string, ColumnKind>>,
): Promise<Record<string, Column>> {
  const { rows, fail } = table;
  const fields = new Map(parquetSchema(table.metadata).children.map((child) => [child.element.name, child]));
  const columns: Record<string, Column> = {};
  for (const [column, kind] of Object.entries(wanted)) {
    const field = fields.get(column);
    if (!field) return fail(`column ${column} is missing (it has ${[...fields.keys()].join(', ')})`);
    const type = field.element.type ?? 'a group';
    if (field.children.length > 0 || !PHYSICAL[kind].includes(type)) {
      fail(`column ${column} is ${type}, expected ${PHYSICAL[kind].join(' or ')}`);
    }
    columns[column] = kind === 'string' ? new Array<unknown>(rows) : new Float64Array(rows).fill(NaN);
  }
  try {
    await parquetRead({
      file: table.buffer,
      metadata: table.metadata,
      columns: Object.keys(wanted),
      compressors, // Snappy, and the Zstd, gzip, Brotli and LZ4 that other writers use (Polars: Zstd)
      onChunk: ({ columnName, columnData, rowStart }) => {
        const target = columns[columnName];
        if (target) copyChunk(target, columnData, rowStart, Math.min(rows - rowStart, columnData.length));
      },
    });
  } catch (error) {
    return fail(`cannot read its columns, the file is damaged (${(error as Error).message})`);
  }
  return columns;
}

const isCount = (x: number | undefined): x is number => x !== undefined && Number.isSafeInteger(x) && x >= 0;

/** The files table, in `file_index` order, each file's fields in the order the importer writes them. */
async function readFiles(table: OpenTable): Promise<DatasetFile[]> {
  const { rows, fail } = table;
  const c = await readColumns(table, {
    file_index: 'int32',
    path: 'string',
    source: 'int32',
    hash: 'string',
    split: 'string',
    group_key: 'string',
    note_count: 'int32',
    duration_seconds: 'double',
    bytes: 'int64',
  });
  const num = (column: string, row: number): number => (c[column] as Float64Array)[row] as number;
  const text = (column: string, row: number): string => (c[column] as unknown[])[row] as string;
  const rowOf = new Array<number>(rows);
  for (let row = 0; row < rows; row++) {
    const index = num('file_index', row);
    if (!isCount(index) || index >= rows) fail(`row ${row}: file_index ${index} is not in 0..${rows - 1}`);
    if (rowOf[index] !== undefined) fail(`row ${row}: file_index ${index} appears twice`);
    rowOf[index] = row;
  }
  let offset = 0;
  return rowOf.map((row) => {
    const noteCount = num('note_count', row);
    const file: Omit<DatasetFile, 'noteOffset'> = {
      path: text('path', row),
      source: num('source', row),
      hash: text('hash', row),
      split: text('split', row) as DatasetFile['split'],
      group: text('group_key', row),
      noteCount,
      durationSeconds: num('duration_seconds', row),
      bytes: num('bytes', row),
    };
    const withOffset = { ...file, noteOffset: offset };
    offset += isCount(noteCount) ? noteCount : 0; // a bad count is reported by validateMetadata
    return withOffset;
  });
}

/** The failures table, in its row order. */
async function readFailures(table: OpenTable, sourceCount: number): Promise<DatasetFailure[]> {
  const c = await readColumns(table, { path: 'string', source: 'int32', reason: 'string' });
  const paths = c.path as unknown[];
  const sources = c.source as Float64Array;
  const reasons = c.reason as unknown[];
  return Array.from({ length: table.rows }, (_, row) => {
    const [path, source, reason] = [paths[row], sources[row] as number, reasons[row]];
    if (typeof path !== 'string' || typeof reason !== 'string') table.fail(`row ${row}: path or reason is null`);
    if (!isCount(source) || source >= sourceCount) {
      table.fail(`row ${row}: source ${source} is not an index into the ${sourceCount} sources`);
    }
    return { path: path as string, source, reason: reason as string };
  });
}

/** The notes table, each row put at its file's offset plus its note index (any row order is read). */
async function readNotes(table: OpenTable, files: readonly DatasetFile[], total: number): Promise<NoteColumns> {
  const { rows, fail } = table;
  if (rows !== total) fail(`${rows} notes, but the files table counts ${total}`);
  const c = await readColumns(table, {
    file_index: 'int32',
    note_index: 'int32',
    time: 'double',
    duration: 'float',
    pitch: 'uint8',
    velocity: 'uint8',
  });
  const column = (name: string): Float64Array => c[name] as Float64Array;
  const [fileIndex, noteIndex, time, duration, pitch, velocity] = [
    column('file_index'),
    column('note_index'),
    column('time'),
    column('duration'),
    column('pitch'),
    column('velocity'),
  ];
  const notes: NoteColumns = {
    time: new Float64Array(total),
    duration: new Float32Array(total),
    pitch: new Uint8Array(total),
    velocity: new Uint8Array(total),
  };
  const seen = new Uint8Array(total);
  const isSeconds = (x: number): boolean => Number.isFinite(x) && x >= 0;
  for (let row = 0; row < rows; row++) {
    const f = fileIndex[row] as number;
    const k = noteIndex[row] as number;
    const file = Number.isInteger(f) ? files[f] : undefined;
    if (!file) return fail(`row ${row}: file_index ${f} is not a file of the files table`);
    if (!(Number.isInteger(k) && k >= 0 && k < file.noteCount)) {
      fail(`row ${row}: note_index ${k} is outside file ${f}'s notes 0..${file.noteCount - 1}`);
    }
    const at = file.noteOffset + k;
    if (seen[at]) fail(`row ${row}: note ${k} of file ${f} appears twice`);
    seen[at] = 1;
    const [t, d, p, v] = [time[row] as number, duration[row] as number, pitch[row] as number, velocity[row] as number];
    if (!isSeconds(t) || !isSeconds(d)) fail(`row ${row}: time ${t} or duration ${d} is not a number of seconds >= 0`);
    if (!(Number.isInteger(p) && p >= 0 && p <= MAX_PITCH)) fail(`row ${row}: pitch ${p} is not in 0..${MAX_PITCH}`);
    if (!(Number.isInteger(v) && v >= 1 && v <= 127)) fail(`row ${row}: velocity ${v} is not in 1..127`);
    notes.time[at] = t;
    notes.duration[at] = d;
    notes.pitch[at] = p;
    notes.velocity[at] = v;
  }
  return notes;
}

/** The Howl metadata of `table`, which must be there when `required`, and be the table it is read as. */
function checkInfo(table: OpenTable, role: ParquetTable, required: boolean): ParquetDatasetInfo | undefined {
  const { info, fail } = table;
  if (!info) {
    return required
      ? fail(`no Howl metadata (key "${PARQUET_METADATA_KEY}"): not written by howl export-data`)
      : undefined;
  }
  if (info.table !== role) fail(`holds Howl's ${String(info.table)} table, not its ${role} table`);
  return info;
}

/**
 * Reads a dataset written by `encodeDatasetParquet`. The split, groups and settings are the ones
 * recorded, never recomputed; `encodeDataset` of the result gives the original `.howl` bytes.
 *
 * @param input - the notes and files tables, and the failures table if any
 * @returns the dataset
 * @throws DatasetFormatError naming the file and the problem: not Parquet, damaged, another
 *   table or another export, a missing or mistyped column, a value out of range, a note missing or
 *   given twice, or files that disagree with the notes
 * @example const dataset = await decodeDatasetParquet({ notes, files, failures });
 */
export async function decodeDatasetParquet(input: DatasetParquetInput): Promise<Dataset> {
  const filesTable = openTable(input.files);
  const notesTable = openTable(input.notes);
  const failuresTable = input.failures && openTable(input.failures);
  const info = checkInfo(filesTable, 'files', true) as ParquetDatasetInfo;
  for (const [table, role] of [
    [notesTable, 'notes'],
    [failuresTable, 'failures'],
  ] as const) {
    const other = table && checkInfo(table, role, false);
    if (other && other.created !== info.created) {
      table.fail(`comes from another export than ${filesTable.name} (created ${other.created}, not ${info.created})`);
    }
  }
  const files = await readFiles(filesTable);
  const { created, sources, sourceTags, settings } = info;
  const sourceCount = Array.isArray(sources) ? sources.length : 0;
  const failures = failuresTable ? await readFailures(failuresTable, sourceCount) : [];
  const metadata: DatasetMetadata = {
    created,
    sources,
    sourceTags,
    settings,
    files,
    failures,
    totals: computeTotals(files, failures.length),
  };
  // Its messages name `files[i]` (the row with file_index i) and the `howl` metadata's fields.
  validateMetadata(metadata, (reason) => filesTable.fail(reason.replace(/^inconsistent metadata: /, '')));
  const notes = await readNotes(notesTable, files, metadata.totals.notes);
  return { formatVersion: DATASET_FORMAT_VERSION, ...metadata, notes };
}
