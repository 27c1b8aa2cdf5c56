import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeDataset } from '../../data/dataset-format.js';
import { runCli as howl } from '../../test-support/run-cli.js';
import { edgeSubsetDir, pianoSubsetDir } from '../../test-support/shared-data.js';

const work = mkdtempSync(join(tmpdir(), 'howl-export-data-'));
const corpus = join(work, 'corpus');
const original = join(work, 'piano.howl');
const out = join(work, 'parquet');

beforeAll(async () => {
  mkdirSync(join(corpus, 'Bach'), { recursive: true });
  mkdirSync(join(corpus, 'Chopin'));
  for (const name of ['Bach/bach_846.mid', 'Bach/bach_847.mid', 'Chopin/chpn-p7.mid']) {
    copyFileSync(join(pianoSubsetDir, name), join(corpus, name));
  }
  copyFileSync(
    join(edgeSubsetDir, 'jazz-soft-test-midi-files/midi/test-not-a-midi-file.mid'),
    join(corpus, 'broken.mid'),
  );
  const run = await howl(
    'import',
    corpus,
    '-o',
    original,
    '--workers',
    '0',
    '--group-by',
    'folder',
    '--validation',
    '0.5',
  );
  expect(run.code).toBe(0);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('howl export-data, then howl import of the Parquet tables', () => {
  test('export-data writes the three tables and says what they hold', async () => {
    const run = await howl('export-data', original, '-o', out);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const dataset = decodeDataset(readFileSync(original));
    expect(run.out).toMatch(
      new RegExp(
        `^wrote {6}.*notes\\.parquet \\(${dataset.totals.notes.toLocaleString('en-US')} rows, [\\d.]+ [KM]B\\)\n` +
          'wrote {6}.*failures\\.parquet \\(1 rows, [\\d.]+ [KM]B\\)\n' +
          'wrote {6}.*files\\.parquet \\(3 rows, [\\d.]+ [KM]B\\)\n' +
          'time {7}[\\d.]+ s\n$',
      ),
    );
    expect(readdirSync(out).sort()).toEqual(['failures.parquet', 'files.parquet', 'notes.parquet']);
  });

  test('importing the folder, or its files, gives back the same .howl bytes with the recorded split', async () => {
    const back = join(work, 'back.howl');
    const run = await howl('import', out, '-o', back);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^read {7}.*parquet \(Parquet\)$/m);
    expect(run.out).toMatch(/^imported {3}3 files, [\d,]+ notes, [\d.]+ hours of music$/m);
    expect(run.out).toMatch(/^skipped {4}1 file \(recorded\)$/m);
    expect(run.out).toMatch(/^split {6}as recorded: train \d files? .*; 2 groups by folder$/m);
    expect(readFileSync(back).equals(readFileSync(original))).toBe(true);

    const fromFiles = join(work, 'from-files.howl');
    const tables = ['files', 'failures', 'notes'].map((name) => join(out, `${name}.parquet`));
    expect((await howl('import', ...tables, '-o', fromFiles)).code).toBe(0);
    expect(readFileSync(fromFiles).equals(readFileSync(original))).toBe(true);
  });

  test('a malformed Parquet file is refused with one line naming it', async () => {
    const bad = join(work, 'bad');
    mkdirSync(bad);
    copyFileSync(join(out, 'files.parquet'), join(bad, 'files.parquet'));
    writeFileSync(join(bad, 'notes.parquet'), 'file_index,note_index,time\n0,0,0.5\n');
    const run = await howl('import', bad, '-o', join(work, 'bad.howl'));
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    expect(run.err).toMatch(/^howl: .*bad\/notes\.parquet: not a readable Parquet file \(.+\)\n$/);
    expect(readdirSync(work)).not.toContain('bad.howl');
  });

  test('MIDI reading options and MIDI folders do not mix with a Parquet dataset', async () => {
    const options = await howl('import', out, '--validation', '0.2', '--raw', '-o', join(work, 'x.howl'));
    expect(options.code).toBe(1);
    expect(options.err).toBe(
      'howl: --validation, --raw: not for a Parquet dataset, which keeps the split, groups and settings it records\n',
    );
    const mixed = await howl('import', out, corpus, '-o', join(work, 'x.howl'));
    expect(mixed.code).toBe(1);
    expect(mixed.err).toMatch(/^howl: .*corpus: a Parquet dataset is imported on its own/);
  });

  test('export-data of a missing or broken dataset says so', async () => {
    const missing = await howl('export-data', join(work, 'missing.howl'), '-o', join(work, 'none'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^howl: cannot read .*missing\.howl: no such file\n$/);
    const notDataset = await howl('export-data', join(out, 'notes.parquet'), '-o', join(work, 'none'));
    expect(notDataset.code).toBe(1);
    expect(notDataset.err).toMatch(/notes\.parquet: not a Howl dataset \(wrong magic bytes\)\n$/);
  });
});
