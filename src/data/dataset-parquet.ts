import type { SchemaElement } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import type { Dataset } from './dataset-format.js';
import type { DatasetSettings } from './dataset-metadata.js';

/**
 * A dataset as three Parquet tables (`docs/parquet.md`), for data tools (DuckDB, pandas, Polars,
 * Spark) and for training elsewhere: `notes.parquet` (one row per note), `files.parquet` (one row
 * per imported file) and `failures.parquet` (one row per skipped file). The dataset's own fields
 * (`created`, `sources`, `sourceTags`, `settings`) travel as JSON in each file's key-value metadata
 * under the key `howl`. Written with hyparquet-writer (pure JavaScript), read back by
 * `dataset-parquet-read.ts` with hyparquet; `.howl` → Parquet → `.howl` is exact.
 */

/** The three tables. */
export type ParquetTable = 'notes' | 'files' | 'failures';

/** The tables, in the order they are written. */
export const PARQUET_TABLES: readonly ParquetTable[] = ['notes', 'failures', 'files'];

/** The key of the Parquet key-value metadata entry that holds `ParquetDatasetInfo` as JSON. */
export const PARQUET_METADATA_KEY = 'howl';

/** `ParquetDatasetInfo.format`: tells Howl's tables from other Parquet files. */
export const PARQUET_FORMAT = 'howl-dataset';

/** The version of the table layout this code writes and reads (`ParquetDatasetInfo.version`). */
export const PARQUET_FORMAT_VERSION = 1;

/** What every table carries under the key `howl`: the dataset's fields that are not rows. */
export interface ParquetDatasetInfo {
  format: typeof PARQUET_FORMAT;
  version: number;
  /** Which table this file is. */
  table: ParquetTable;
  created: string;
  sources: string[];
  sourceTags: string[];
  settings: DatasetSettings;
}

/** How a column is stored: the Parquet physical type and annotation. */
export type ColumnKind = 'int32' | 'uint8' | 'int64' | 'float' | 'double' | 'string';

/** One column of a table. */
export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
}

/** `notes.parquet`: one row per note, in the dataset's order (file by file, then note order). */
export const NOTES_COLUMNS: readonly ColumnSpec[] = [
  { name: 'file_index', kind: 'int32' },
  { name: 'note_index', kind: 'int32' },
  { name: 'time', kind: 'double' },
  { name: 'duration', kind: 'float' },
  { name: 'pitch', kind: 'uint8' },
  { name: 'velocity', kind: 'uint8' },
];

/** `files.parquet`: one row per imported file, in the dataset's order. */
export const FILES_COLUMNS: readonly ColumnSpec[] = [
  { name: 'file_index', kind: 'int32' },
  { name: 'path', kind: 'string' },
  { name: 'source', kind: 'int32' },
  { name: 'source_tag', kind: 'string' },
  { name: 'hash', kind: 'string' },
  { name: 'split', kind: 'string' },
  { name: 'group_key', kind: 'string' },
  { name: 'note_count', kind: 'int32' },
  { name: 'note_offset', kind: 'int64' },
  { name: 'duration_seconds', kind: 'double' },
  { name: 'bytes', kind: 'int64' },
];

/** `failures.parquet`: one row per file found but not imported. */
export const FAILURES_COLUMNS: readonly ColumnSpec[] = [
  { name: 'path', kind: 'string' },
  { name: 'source', kind: 'int32' },
  { name: 'source_tag', kind: 'string' },
  { name: 'reason', kind: 'string' },
];

/** Each table's columns. */
export const TABLE_COLUMNS: Readonly<Record<ParquetTable, readonly ColumnSpec[]>> = {
  notes: NOTES_COLUMNS,
  files: FILES_COLUMNS,
  failures: FAILURES_COLUMNS,
};

/** Rows per row group: readers skip a group by its statistics (a query on one file reads one or two). */
export const PARQUET_ROW_GROUP_ROWS = 100_000;

function schemaElement({ name, kind }: ColumnSpec): SchemaElement {
  const element: SchemaElement = { name, repetition_type: 'REQUIRED' };
  switch (kind) {
    case 'int32':
      return { ...element, type: 'INT32' };
    case 'uint8':
      // The converted type only: hyparquet-writer 0.17 writes the INTEGER logical type's bit width
      // as an i32, which DuckDB refuses ("TProtocolException: Invalid data"); UINT_8 alone reads
      // as uint8 everywhere (DuckDB UTINYINT, Arrow uint8).
      return { ...element, type: 'INT32', converted_type: 'UINT_8' };
    case 'int64':
      return { ...element, type: 'INT64' };
    case 'float':
      return { ...element, type: 'FLOAT' };
    case 'double':
      return { ...element, type: 'DOUBLE' };
    case 'string':
      return { ...element, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
  }
}

/**
 * A table's Parquet schema (root first), every column required (no nulls).
 *
 * @param table - which table
 * @returns the schema elements
 */
export function parquetSchemaOf(table: ParquetTable): SchemaElement[] {
  const columns = TABLE_COLUMNS[table];
  return [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElement)];
}

/**
 * The key-value metadata a table carries.
 *
 * @param dataset - the dataset
 * @param table - which table
 * @returns the `howl` entry's value
 */
export function parquetDatasetInfo(dataset: Dataset, table: ParquetTable): ParquetDatasetInfo {
  const { created, sources, sourceTags, settings } = dataset;
  return {
    format: PARQUET_FORMAT,
    version: PARQUET_FORMAT_VERSION,
    table,
    created,
    sources,
    sourceTags,
    settings,
  };
}

/** The value of every column of a table, in `TABLE_COLUMNS` order. */
function tableData(dataset: Dataset, table: ParquetTable): ColumnSource['data'][] {
  const { files, failures, sourceTags, notes } = dataset;
  const tagOf = (source: number): string => sourceTags[source] ?? '';
  if (table === 'failures') {
    return [
      failures.map((f) => f.path),
      Int32Array.from(failures, (f) => f.source),
      failures.map((f) => tagOf(f.source)),
      failures.map((f) => f.reason),
    ];
  }
  if (table === 'files') {
    return [
      Int32Array.from(files, (_, i) => i),
      files.map((f) => f.path),
      Int32Array.from(files, (f) => f.source),
      files.map((f) => tagOf(f.source)),
      files.map((f) => f.hash),
      files.map((f) => f.split),
      files.map((f) => f.group),
      Int32Array.from(files, (f) => f.noteCount),
      BigInt64Array.from(files, (f) => BigInt(f.noteOffset)),
      Float64Array.from(files, (f) => f.durationSeconds),
      BigInt64Array.from(files, (f) => BigInt(f.bytes)),
    ];
  }
  const count = notes.time.length;
  const fileIndex = new Int32Array(count);
  const noteIndex = new Int32Array(count);
  files.forEach((file, i) => {
    for (let k = 0; k < file.noteCount; k++) {
      fileIndex[file.noteOffset + k] = i;
      noteIndex[file.noteOffset + k] = k;
    }
  });
  return [fileIndex, noteIndex, notes.time, notes.duration, notes.pitch, notes.velocity];
}

/**
 * Writes one table of a dataset as a Parquet file (Snappy-compressed; `note_index` delta-encoded,
 * the rest as hyparquet-writer chooses: dictionary where it halves the size, else plain).
 *
 * @param dataset - the dataset; not modified
 * @param table - which table
 * @returns the file's bytes
 * @example await writeFileAtomic('out/notes.parquet', encodeParquetTable(dataset, 'notes'));
 */
export function encodeParquetTable(dataset: Dataset, table: ParquetTable): Uint8Array {
  const data = tableData(dataset, table);
  const columnData: ColumnSource[] = TABLE_COLUMNS[table].map((column, i) => ({
    name: column.name,
    data: data[i] as ColumnSource['data'],
    nullable: false,
    // 0, 1, 2 ... within each file: a few bytes a page instead of 4 bytes a note.
    ...(column.name === 'note_index' ? { encoding: 'DELTA_BINARY_PACKED' as const } : {}),
  }));
  const buffer = parquetWriteBuffer({
    columnData,
    schema: parquetSchemaOf(table),
    codec: 'SNAPPY',
    rowGroupSize: PARQUET_ROW_GROUP_ROWS,
    kvMetadata: [{ key: PARQUET_METADATA_KEY, value: JSON.stringify(parquetDatasetInfo(dataset, table)) }],
    createdBy: 'howl (hyparquet-writer)',
  });
  return new Uint8Array(buffer);
}

/**
 * Writes all three tables of a dataset.
 *
 * @param dataset - the dataset; not modified
 * @returns each table's Parquet bytes
 * @example const { notes, files, failures } = encodeDatasetParquet(dataset);
 */
export function encodeDatasetParquet(dataset: Dataset): Record<ParquetTable, Uint8Array> {
  return {
    notes: encodeParquetTable(dataset, 'notes'),
    failures: encodeParquetTable(dataset, 'failures'),
    files: encodeParquetTable(dataset, 'files'),
  };
}
