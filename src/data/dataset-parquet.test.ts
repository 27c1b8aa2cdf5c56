import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { describe, expect, test } from 'vitest';
import { DatasetFormatError } from '../errors.js';
import { createDataset, encodeDataset, type Dataset, type DatasetInput } from './dataset-format.js';
import {
  encodeDatasetParquet,
  FILES_COLUMNS,
  NOTES_COLUMNS,
  PARQUET_METADATA_KEY,
  parquetDatasetInfo,
  parquetSchemaOf,
  type ParquetTable,
} from './dataset-parquet.js';
import { decodeDatasetParquet, parquetTableOf, type DatasetParquetInput } from './dataset-parquet-read.js';

/**
 * Two sources with tags and group rules, a skipped file, values at the edges of every column
 * (pitch 0 and 119, velocity 1 and 127, times that no float32 holds, durations that are), files in
 * the importer's field order so that `encodeDataset` bytes can be compared.
 */
function sampleDataset(counts: readonly number[] = [5, 3, 250_001, 2]): Dataset {
  const total = counts.reduce((a, b) => a + b, 0);
  const files: DatasetInput['files'] = counts.map((noteCount, i) => ({
    path: i === 1 ? 'Ünïcode/“quoted”, comma.mid' : `piece ${i}/take.mid`,
    source: i < 2 ? 0 : 1,
    hash: (0xabc00 + i).toString(16).padStart(16, '0'),
    split: i === 1 ? 'validation' : 'train',
    group: i < 2 ? `folder:piece ${i}` : `file:${(0xabc00 + i).toString(16).padStart(16, '0')}`,
    noteCount,
    durationSeconds: noteCount / 3 + Math.PI,
    bytes: 1000 + i,
  }));
  return createDataset({
    created: '2025-03-04T05:06:07.089Z',
    sources: ['/corpora/a', '/corpora/b'],
    sourceTags: ['asap', 'piano-midi-de'],
    settings: {
      sustain: true,
      includeDrums: false,
      maxFileBytes: 64 << 20,
      validationFraction: 0.1,
      groupBy: ['folder', 'file'],
    },
    files,
    failures: [
      { path: 'broken.mid', source: 1, reason: 'not a MIDI file (no MThd header)' },
      { path: 'one.mid', source: 0, reason: 'fewer than 2 notes (1)' },
    ],
    notes: {
      time: Float64Array.from({ length: total }, (_, i) => i / 3 + 1e-12 * (i % 5)),
      duration: Float32Array.from({ length: total }, (_, i) => (i % 11) / 7),
      pitch: Uint8Array.from({ length: total }, (_, i) => (i * 37) % 120),
      velocity: Uint8Array.from({ length: total }, (_, i) => 1 + ((i * 5) % 127)),
    },
  });
}

const inputOf = (tables: Record<ParquetTable, Uint8Array>): DatasetParquetInput => ({
  notes: { name: 'notes.parquet', bytes: tables.notes },
  files: { name: 'files.parquet', bytes: tables.files },
  failures: { name: 'failures.parquet', bytes: tables.failures },
});

/** A table written by hand: the given columns (all of them, in order), with or without Howl's metadata. */
function writeTable(
  dataset: Dataset,
  table: ParquetTable,
  columns: Record<string, ColumnSource['data']>,
  options: { info?: boolean; created?: string; schema?: boolean } = {},
): Uint8Array {
  const info = { ...parquetDatasetInfo(dataset, table), ...(options.created ? { created: options.created } : {}) };
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: Object.entries(columns).map(([name, data]) => ({ name, data, nullable: false })),
      ...(options.schema === false ? {} : { schema: parquetSchemaOf(table) }),
      kvMetadata: options.info === false ? [] : [{ key: PARQUET_METADATA_KEY, value: JSON.stringify(info) }],
    }),
  );
}

/** The notes table's columns, as `encodeParquetTable` fills them. */
function noteColumns(dataset: Dataset): Record<string, ColumnSource['data']> {
  const fileIndex: number[] = [];
  const noteIndex: number[] = [];
  dataset.files.forEach((file, f) => {
    for (let k = 0; k < file.noteCount; k++) {
      fileIndex.push(f);
      noteIndex.push(k);
    }
  });
  const { time, duration, pitch, velocity } = dataset.notes;
  return {
    file_index: Int32Array.from(fileIndex),
    note_index: Int32Array.from(noteIndex),
    time,
    duration,
    pitch,
    velocity,
  };
}

/** The files table's columns, in `FILES_COLUMNS` order, as `encodeParquetTable` fills them. */
function fileColumns(dataset: Dataset): Record<string, ColumnSource['data']> {
  const { files, sourceTags } = dataset;
  const columns: Record<string, ColumnSource['data']> = {
    file_index: Int32Array.from(files, (_, i) => i),
    path: files.map((f) => f.path),
    source: Int32Array.from(files, (f) => f.source),
    source_tag: files.map((f) => sourceTags[f.source] ?? ''),
    hash: files.map((f) => f.hash),
    split: files.map((f) => f.split),
    group_key: files.map((f) => f.group),
    note_count: Int32Array.from(files, (f) => f.noteCount),
    note_offset: BigInt64Array.from(files, (f) => BigInt(f.noteOffset)),
    duration_seconds: Float64Array.from(files, (f) => f.durationSeconds),
    bytes: BigInt64Array.from(files, (f) => BigInt(f.bytes)),
  };
  expect(Object.keys(columns)).toEqual(FILES_COLUMNS.map((c) => c.name));
  return columns;
}

/** The bytes of a typed array, for quick exact comparison (vitest's deep equality is slow on 250k values). */
const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Expects two datasets to be equal, every note column to the bit. */
function expectSameDataset(actual: Dataset, expected: Dataset): void {
  const { notes, ...metadata } = actual;
  const { notes: expectedNotes, ...expectedMetadata } = expected;
  expect(metadata).toEqual(expectedMetadata);
  for (const name of ['time', 'duration', 'pitch', 'velocity'] as const) {
    expect(notes[name].constructor).toBe(expectedNotes[name].constructor);
    expect(bytesOf(notes[name]).equals(bytesOf(expectedNotes[name])), name).toBe(true);
  }
}

/** Runs `decodeDatasetParquet` and returns its error message (which must be one line). */
async function refusal(input: DatasetParquetInput): Promise<string> {
  const error = await decodeDatasetParquet(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetFormatError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('dataset as Parquet', () => {
  const dataset = sampleDataset();
  const tables = encodeDatasetParquet(dataset);

  test('round trip is exact: same content, every float to the bit, the same .howl bytes', async () => {
    const back = await decodeDatasetParquet(inputOf(tables));
    expectSameDataset(back, dataset);
    expect(bytesOf(encodeDataset(back)).equals(bytesOf(encodeDataset(dataset)))).toBe(true);
  });

  test('writing is deterministic, and each table says which it is', () => {
    const again = encodeDatasetParquet(dataset);
    for (const table of ['notes', 'files', 'failures'] as const) {
      expect(bytesOf(again[table]).equals(bytesOf(tables[table])), table).toBe(true);
    }
    expect(parquetTableOf({ name: 'a', bytes: tables.notes })).toBe('notes');
    expect(parquetTableOf({ name: 'b', bytes: tables.files })).toBe('files');
    expect(parquetTableOf({ name: 'c', bytes: tables.failures })).toBe('failures');
  });

  test('without the failures table the dataset records no skipped files; with none skipped it round-trips', async () => {
    const back = await decodeDatasetParquet({ notes: inputOf(tables).notes, files: inputOf(tables).files });
    expect(back.failures).toEqual([]);
    expect(back.totals.failures).toBe(0);
    const clean = { ...sampleDataset([2, 2]), failures: [] };
    const cleanBack = await decodeDatasetParquet(inputOf(encodeDatasetParquet(clean)));
    expect(encodeDataset(cleanBack)).toEqual(encodeDataset(clean));
  });

  test('reads notes in any row order, and without Howl metadata, as another tool may rewrite them', async () => {
    const small = sampleDataset([3, 2, 4]);
    const columns = noteColumns(small);
    const order = Array.from({ length: small.totals.notes }, (_, i) => i).reverse();
    const reversed = Object.fromEntries(
      Object.entries(columns).map(([name, data]) => [
        name,
        Array.from(order, (i) => (data as ArrayLike<number>)[i] as number),
      ]),
    );
    const notes = writeTable(small, 'notes', reversed, { info: false });
    const back = await decodeDatasetParquet({ ...inputOf(encodeDatasetParquet(small)), notes: { name: 'n', bytes: notes } });
    expect(encodeDataset(back)).toEqual(encodeDataset(small));
  });

  describe('refuses malformed tables with a one-line reason naming the file', () => {
    const small = sampleDataset([3, 2]);
    const good = encodeDatasetParquet(small);
    const withNotes = (columns: Record<string, ColumnSource['data']>): DatasetParquetInput => ({
      ...inputOf(good),
      notes: { name: 'notes.parquet', bytes: writeTable(small, 'notes', columns) },
    });
    const notes = noteColumns(small);

    test('not Parquet, truncated, or damaged inside', async () => {
      const garbage = new TextEncoder().encode('time,pitch\n0,60\n');
      expect(await refusal({ ...inputOf(good), notes: { name: 'notes.parquet', bytes: garbage } })).toMatch(
        /^notes\.parquet: not a readable Parquet file \(.+\)$/,
      );
      const truncated = good.files.subarray(0, good.files.length - 20);
      expect(await refusal({ ...inputOf(good), files: { name: 'files.parquet', bytes: truncated } })).toMatch(
        /^files\.parquet: not a readable Parquet file/,
      );
      const big = encodeDatasetParquet(sampleDataset()).notes.slice();
      for (let i = 1000; i < big.length - 5000; i += 997) big[i] = (big[i] as number) ^ 0x5a; // pages, not the footer
      const damaged = await refusal({ ...inputOf(tables), notes: { name: 'notes.parquet', bytes: big } });
      expect(damaged).toMatch(/^notes\.parquet: (cannot read its columns, the file is damaged \(.+\)|row \d+: .+)$/);
    });

    test('a files table without Howl metadata, tables swapped, or tables of two exports', async () => {
      const bare = writeTable(small, 'files', fileColumns(small), { info: false });
      expect(await refusal({ ...inputOf(good), files: { name: 'files.parquet', bytes: bare } })).toBe(
        'files.parquet: no Howl metadata (key "howl"): not written by howl export-data',
      );
      expect(await refusal({ ...inputOf(good), files: { name: 'files.parquet', bytes: good.notes } })).toBe(
        "files.parquet: holds Howl's notes table, not its files table",
      );
      const other = writeTable(small, 'notes', notes, { created: '2020-01-01T00:00:00.000Z' });
      expect(await refusal({ ...inputOf(good), notes: { name: 'notes.parquet', bytes: other } })).toBe(
        'notes.parquet: comes from another export than files.parquet (created 2020-01-01T00:00:00.000Z, not 2025-03-04T05:06:07.089Z)',
      );
    });

    test('a missing or mistyped column', async () => {
      const noVelocity = Object.fromEntries(Object.entries(notes).filter(([name]) => name !== 'velocity'));
      const missing = parquetWriteBuffer({
        columnData: Object.entries(noVelocity).map(([name, data]) => ({ name, data, nullable: false })),
        schema: parquetSchemaOf('notes').filter((e) => e.name !== 'velocity').map((e) => (e.name === 'root' ? { ...e, num_children: 5 } : e)),
      });
      expect(await refusal({ ...inputOf(good), notes: { name: 'notes.parquet', bytes: new Uint8Array(missing) } })).toMatch(
        /^notes\.parquet: column velocity is missing \(it has file_index, note_index, time, duration, pitch\)$/,
      );
      const stringTime = parquetWriteBuffer({
        columnData: NOTES_COLUMNS.map(({ name }) => ({
          name,
          data: name === 'time' ? Array.from(notes.time as Float64Array, String) : (notes[name] as ColumnSource['data']),
          ...(name === 'time' ? { type: 'STRING' as const } : {}),
        })),
      });
      expect(await refusal({ ...inputOf(good), notes: { name: 'notes.parquet', bytes: new Uint8Array(stringTime) } })).toBe(
        'notes.parquet: column time is BYTE_ARRAY, expected DOUBLE',
      );
    });

    test('values out of range, notes missing or twice, counts that disagree', async () => {
      const pitch = Uint8Array.from(notes.pitch as Uint8Array);
      pitch[2] = 120;
      expect(await refusal(withNotes({ ...notes, pitch }))).toBe('notes.parquet: row 2: pitch 120 is not in 0..119');
      const velocity = Uint8Array.from(notes.velocity as Uint8Array);
      velocity[4] = 0;
      expect(await refusal(withNotes({ ...notes, velocity }))).toBe('notes.parquet: row 4: velocity 0 is not in 1..127');
      const time = Float64Array.from(notes.time as Float64Array);
      time[1] = -1;
      expect(await refusal(withNotes({ ...notes, time }))).toMatch(/^notes\.parquet: row 1: time -1 or duration/);
      const noteIndex = Int32Array.from(notes.note_index as Int32Array);
      noteIndex[1] = 0;
      expect(await refusal(withNotes({ ...notes, note_index: noteIndex }))).toBe(
        'notes.parquet: row 1: note 0 of file 0 appears twice',
      );
      noteIndex[1] = 3;
      expect(await refusal(withNotes({ ...notes, note_index: noteIndex }))).toBe(
        "notes.parquet: row 1: note_index 3 is outside file 0's notes 0..2",
      );
      const fileIndex = Int32Array.from(notes.file_index as Int32Array);
      fileIndex[0] = 7;
      expect(await refusal(withNotes({ ...notes, file_index: fileIndex }))).toBe(
        'notes.parquet: row 0: file_index 7 is not a file of the files table',
      );
      const fewer = Object.fromEntries(
        Object.entries(notes).map(([name, data]) => [name, (data as Int32Array).subarray(0, 4)]),
      );
      expect(await refusal(withNotes(fewer))).toBe('notes.parquet: 4 notes, but the files table counts 5');
    });

    test('file rows that break the dataset rules', async () => {
      const base = fileColumns(small);
      const withFiles = (columns: Record<string, ColumnSource['data']>): DatasetParquetInput => ({
        ...inputOf(good),
        files: { name: 'files.parquet', bytes: writeTable(small, 'files', columns) },
      });
      expectSameDataset(await decodeDatasetParquet(withFiles(base)), small);
      expect(await refusal(withFiles({ ...base, split: ['train', 'test'] }))).toBe(
        'files.parquet: files[1].split is not "train" or "validation"',
      );
      expect(await refusal(withFiles({ ...base, file_index: Int32Array.from([1, 1]) }))).toBe(
        'files.parquet: row 1: file_index 1 appears twice',
      );
      expect(await refusal(withFiles({ ...base, source: Int32Array.from([0, 2]) }))).toBe(
        'files.parquet: files[1].source is not an index into sources',
      );
      const badFailures = writeTable(small, 'failures', {
        path: ['x.mid'],
        source: Int32Array.from([5]),
        source_tag: [''],
        reason: ['?'],
      });
      expect(await refusal({ ...inputOf(good), failures: { name: 'failures.parquet', bytes: badFailures } })).toBe(
        'failures.parquet: row 0: source 5 is not an index into the 2 sources',
      );
    });
  });
});
