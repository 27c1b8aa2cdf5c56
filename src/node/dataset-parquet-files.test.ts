import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeDataset, type Dataset } from '../data/dataset-format.js';
import { DatasetFormatError, InvalidArgumentError } from '../errors.js';
import { edgeSubsetDir, pianoSubsetDir } from '../test-support/shared-data.js';
import { isParquetInput, readDatasetParquet, writeDatasetParquet } from './dataset-parquet-files.js';
import { importCorpus } from './import-corpus.js';

/** Three real piano pieces and a broken file, imported as `howl import` would. */
let dataset: Dataset;
let howlBytes: Uint8Array;
let work: string;
let exported: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'howl-parquet-'));
  const corpus = join(work, 'corpus');
  await mkdir(join(corpus, 'Bach'), { recursive: true });
  for (const name of ['bach_846.mid', 'bach_847.mid', 'bach_850.mid']) {
    await copyFile(join(pianoSubsetDir, 'Bach', name), join(corpus, 'Bach', name));
  }
  await copyFile(
    join(edgeSubsetDir, 'jazz-soft-test-midi-files/midi/test-not-a-midi-file.mid'),
    join(corpus, 'broken.mid'),
  );
  ({ dataset } = await importCorpus([corpus], {
    workers: 0,
    created: '2024-05-06T07:08:09.000Z',
    validationFraction: 0.34,
  }));
  howlBytes = encodeDataset(dataset);
  exported = join(work, 'export');
  await writeDatasetParquet(exported, dataset);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describe('writeDatasetParquet / readDatasetParquet', () => {
  test('writes the three tables, leaving no temporary file, and reads the folder back to the same .howl bytes', async () => {
    expect(dataset.files).toHaveLength(3);
    expect(dataset.failures).toHaveLength(1);
    expect(dataset.totals.validationFiles).toBe(1);
    expect((await readdir(exported)).sort()).toEqual(['failures.parquet', 'files.parquet', 'notes.parquet']);
    expect(isParquetInput(exported)).toBe(true);
    expect(isParquetInput(join(exported, 'notes.parquet'))).toBe(true);
    expect(isParquetInput(work)).toBe(false);
    expect(same(encodeDataset(await readDatasetParquet([exported])), howlBytes)).toBe(true);
  });

  test('reads the tables given as files, in any order and under any name (their metadata says which is which)', async () => {
    const renamed = join(work, 'renamed');
    await mkdir(renamed);
    for (const [from, to] of [
      ['notes', 'piano-n'],
      ['files', 'piano-f'],
      ['failures', 'piano-s'],
    ]) {
      await copyFile(join(exported, `${from}.parquet`), join(renamed, `${to}.parquet`));
    }
    const paths = ['piano-s', 'piano-n', 'piano-f'].map((name) => join(renamed, `${name}.parquet`));
    expect(same(encodeDataset(await readDatasetParquet(paths)), howlBytes)).toBe(true);
    const withoutFailures = await readDatasetParquet(paths.slice(1));
    expect(withoutFailures.failures).toEqual([]);
    expect(withoutFailures.files).toEqual(dataset.files);
  });

  test('says which table is missing or doubled, and refuses a folder mixed with files', async () => {
    const notes = join(exported, 'notes.parquet');
    const files = join(exported, 'files.parquet');
    await expect(readDatasetParquet([notes])).rejects.toThrow(
      new InvalidArgumentError(`no files table (files.parquet) in ${notes}`),
    );
    await expect(readDatasetParquet([files, notes, notes])).rejects.toThrow(
      `${notes} and ${notes} both hold the notes table`,
    );
    await expect(readDatasetParquet([exported, notes])).rejects.toThrow(/not both/);
    const half = join(work, 'half');
    await mkdir(half);
    await copyFile(notes, join(half, 'notes.parquet'));
    expect(isParquetInput(half)).toBe(true);
    await expect(readDatasetParquet([half])).rejects.toThrow(
      `cannot read ${join(half, 'files.parquet')}: no such file`,
    );
    const stray = join(work, 'stray.parquet');
    await writeFile(stray, 'PAR1 this is not Parquet PAR1');
    const error = await readDatasetParquet([files, notes, stray]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetFormatError);
    expect((error as Error).message).toMatch(/^.*stray\.parquet: not a readable Parquet file \(.+\)$/);
  });
});

describe('an independent reader (DuckDB) reads the tables', () => {
  let db: DuckDBInstance;
  let sql: DuckDBConnection;
  const rows = async (query: string): Promise<Record<string, unknown>[]> =>
    (await sql.runAndReadAll(query)).getRowObjects() as Record<string, unknown>[];
  const table = (name: string): string => `'${join(exported, `${name}.parquet`)}'`;

  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:', { threads: '1' });
    sql = await db.connect();
  });
  afterAll(() => {
    sql.closeSync();
    db.closeSync();
  });

  test('notes.parquet: row count, column types, and values to the bit', async () => {
    const types = await rows(`DESCRIBE SELECT * FROM ${table('notes')}`);
    expect(types.map((t) => `${String(t.column_name)} ${String(t.column_type)}`)).toEqual([
      'file_index INTEGER',
      'note_index INTEGER',
      'time DOUBLE',
      'duration FLOAT',
      'pitch UTINYINT',
      'velocity UTINYINT',
    ]);
    const [count] = await rows(`SELECT count(*) AS n, sum(pitch) AS pitches FROM ${table('notes')}`);
    expect(count?.n).toBe(BigInt(dataset.totals.notes));
    const { time, duration, pitch, velocity } = dataset.notes;
    expect(count?.pitches).toBe(BigInt(pitch.reduce((a, b) => a + b, 0)));
    const second = dataset.files[1]!;
    const picked = [0, 1, second.noteOffset + 5, dataset.totals.notes - 1];
    const found = await rows(
      `SELECT n.file_index, n.note_index, n.time, n.duration, n.pitch, n.velocity, f.path, f.note_offset
       FROM ${table('notes')} n JOIN ${table('files')} f USING (file_index)
       WHERE f.note_offset + n.note_index IN (${picked.join(', ')}) ORDER BY n.file_index, n.note_index`,
    );
    expect(found.map((r) => Number(r.note_offset) + Number(r.note_index))).toEqual(picked);
    found.forEach((row, i) => {
      const at = picked[i]!;
      expect(row.path).toBe(dataset.files[row.file_index as number]!.path);
      expect(Object.is(row.time, time[at])).toBe(true);
      expect(Object.is(row.duration, duration[at])).toBe(true);
      expect([row.pitch, row.velocity]).toEqual([pitch[at], velocity[at]]);
    });
  });

  test('files.parquet and failures.parquet: the split, groups, skipped files and the Howl metadata', async () => {
    const files = await rows(
      `SELECT path, split, group_key, note_count, hash FROM ${table('files')} ORDER BY file_index`,
    );
    expect(files).toEqual(
      dataset.files.map((f) => ({
        path: f.path,
        split: f.split,
        group_key: f.group,
        note_count: f.noteCount,
        hash: f.hash,
      })),
    );
    const failures = await rows(`SELECT path, source_tag, reason FROM ${table('failures')}`);
    expect(failures).toEqual([
      { path: 'broken.mid', source_tag: 'corpus', reason: dataset.failures[0]!.reason },
    ]);
    const [kv] = await rows(
      `SELECT decode(value) AS howl FROM parquet_kv_metadata(${table('files')}) WHERE decode(key) = 'howl'`,
    );
    const info = JSON.parse(String(kv?.howl)) as Record<string, unknown>;
    expect(info).toMatchObject({
      format: 'howl-dataset',
      version: 1,
      table: 'files',
      created: dataset.created,
    });
    expect(info.settings).toEqual(dataset.settings);
  });

  test("docs/parquet.md's queries", async () => {
    const validation = await rows(
      `SELECT f.path, f.split, n.note_index, n.time, n.duration, n.pitch, n.velocity
       FROM ${table('notes')} n JOIN ${table('files')} f USING (file_index)
       WHERE f.split = 'validation'
       ORDER BY n.file_index, n.note_index`,
    );
    const held = dataset.files.find((f) => f.split === 'validation')!;
    expect(validation).toHaveLength(dataset.totals.validationNotes);
    expect(validation[0]).toEqual({
      path: held.path,
      split: 'validation',
      note_index: 0,
      time: dataset.notes.time[held.noteOffset],
      duration: dataset.notes.duration[held.noteOffset],
      pitch: dataset.notes.pitch[held.noteOffset],
      velocity: dataset.notes.velocity[held.noteOffset],
    });
    const perSplit = await rows(
      `SELECT source_tag, split, count(*) AS files, sum(note_count) AS notes,
              round(sum(duration_seconds) / 3600, 2) AS hours
       FROM ${table('files')} GROUP BY ALL ORDER BY ALL`,
    );
    const { totals } = dataset;
    expect(perSplit.map((r) => [r.source_tag, r.split, r.files, r.notes])).toEqual([
      ['corpus', 'train', BigInt(totals.trainFiles), BigInt(totals.trainNotes)],
      ['corpus', 'validation', BigInt(totals.validationFiles), BigInt(totals.validationNotes)],
    ]);
  });

  test('notes rewritten by DuckDB (shuffled, Zstd, no Howl metadata) import to the same dataset', async () => {
    const rewritten = join(work, 'rewritten');
    await mkdir(rewritten);
    await sql.run(
      `COPY (SELECT * FROM ${table('notes')} ORDER BY pitch DESC, time) TO '${join(rewritten, 'notes.parquet')}' (FORMAT parquet, COMPRESSION zstd)`,
    );
    for (const name of ['files', 'failures']) {
      await copyFile(join(exported, `${name}.parquet`), join(rewritten, `${name}.parquet`));
    }
    expect(same(encodeDataset(await readDatasetParquet([rewritten])), howlBytes)).toBe(true);
  });
});
