import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { contentHash } from '../data/content-hash.js';
import { decodeDataset, encodeDataset, fileNotes } from '../data/dataset-format.js';
import { InvalidArgumentError } from '../errors.js';
import { readMidi } from '../midi/read-midi.js';
import { edgeSubsetDir, pianoSubsetDir } from '../test-support/shared-data.js';
import { importCorpus, type ImportProgress } from './import-corpus.js';

const created = '2024-01-01T00:00:00.000Z';

describe('importCorpus', () => {
  let dir: string;
  const corpus = (name: string): string => join(pianoSubsetDir, name);
  const edge = (name: string): string => join(edgeSubsetDir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'howl-import-'));
    await mkdir(join(dir, 'sub'));
    await copyFile(corpus('Bach/bach_846.mid'), join(dir, 'b.mid'));
    await copyFile(corpus('Chopin/chpn-p7.mid'), join(dir, 'sub', 'a.MID'));
    await copyFile(corpus('Bach/bach_846.mid'), join(dir, 'sub', 'copy of b.midi'));
    await copyFile(edge('jazz-soft-test-midi-files/midi/test-not-a-midi-file.mid'), join(dir, 'broken.mid'));
    await copyFile(edge('mido-hexdumps/single_message.mid'), join(dir, 'one-note.mid'));
    await writeFile(join(dir, 'readme.txt'), 'not a midi file, not even looked at');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('imports the files inline, in sorted order, skipping broken and 1-note files with reasons', async () => {
    const progress: ImportProgress[] = [];
    const { dataset, workers, warnings } = await importCorpus([dir], {
      workers: 0,
      created,
      onProgress: (p) => progress.push(p),
    });
    expect(workers).toBe(0);
    expect(warnings).toEqual([]);
    expect(dataset.files.map((f) => f.path)).toEqual(['b.mid', 'sub/a.MID', 'sub/copy of b.midi']);
    expect(dataset.failures).toEqual([
      { path: 'broken.mid', source: 0, reason: expect.stringMatching(/not a MIDI file/) },
      { path: 'one-note.mid', source: 0, reason: 'fewer than 2 notes (1)' },
    ]);
    const bytes = readFileSync(join(dir, 'b.mid'));
    const score = readMidi(bytes);
    const [b, a, copy] = dataset.files;
    expect(b).toMatchObject({
      hash: contentHash(bytes),
      split: 'train', // 10 % of 3 files rounds to none held out
      group: `file:${contentHash(bytes)}`,
      noteCount: score.notes.length,
      noteOffset: 0,
      durationSeconds: score.durationSeconds,
      bytes: bytes.length,
    });
    expect(fileNotes(dataset, 0).map((n) => n.time)).toEqual(score.notes.map((n) => n.time));
    expect(fileNotes(dataset, 0).map((n) => [n.pitch, n.velocity])).toEqual(
      score.notes.map((n) => [n.pitch, n.velocity]),
    );
    expect(a?.noteOffset).toBe(score.notes.length);
    expect(copy).toMatchObject({ hash: b?.hash, split: b?.split, noteCount: b?.noteCount });
    expect(progress.at(-1)).toEqual({ filesDone: 5, filesTotal: 5, notes: dataset.totals.notes });
    expect(dataset.settings).toEqual({
      sustain: true,
      includeDrums: false,
      validationFraction: 0.1,
      maxFileBytes: 64 << 20,
      groupBy: ['file'],
    });
    expect(decodeDataset(encodeDataset(dataset))).toEqual(dataset);
  });

  test('passes reader options through: raw (no pedal) changes durations, not the notes', async () => {
    const pedal = (await importCorpus([join(dir, 'sub')], { workers: 0, created })).dataset;
    const raw = (await importCorpus([join(dir, 'sub')], { workers: 0, created, sustain: false })).dataset;
    expect(raw.settings.sustain).toBe(false);
    expect(raw.totals.notes).toBe(pedal.totals.notes);
    expect(raw.notes.duration).not.toEqual(pedal.notes.duration);
  });

  test('skips files over the size limit without reading them', async () => {
    const { dataset } = await importCorpus([dir], { workers: 0, created, maxFileBytes: 1000 });
    expect(dataset.files).toEqual([]);
    expect(dataset.failures.find((f) => f.path === 'b.mid')?.reason).toMatch(
      /^file is 0\.\d MB, over the 0\.0 MB limit$/,
    );
  });

  test('when workers cannot start (here: TypeScript sources), reads inline and says so, same result', async () => {
    const inline = await importCorpus([dir], { workers: 0, created });
    const pooled = await importCorpus([dir], { workers: 2, created, batchSize: 1 });
    expect(pooled.workers).toBe(0);
    expect(pooled.warnings).toEqual([
      expect.stringMatching(/^worker threads unavailable \(.+\); 5 files were read on the main thread$/),
    ]);
    expect(encodeDataset(pooled.dataset)).toEqual(encodeDataset(inline.dataset));
  });

  test('several sources: files keep their source index; a file listed twice is imported once', async () => {
    const { dataset } = await importCorpus([join(dir, 'sub'), dir, join(dir, 'b.mid')], {
      workers: 0,
      created,
    });
    expect(dataset.sources).toEqual([join(dir, 'sub'), dir, join(dir, 'b.mid')]);
    expect(dataset.files.map((f) => [f.source, f.path])).toEqual([
      [0, 'a.MID'],
      [0, 'copy of b.midi'],
      [1, 'b.mid'],
    ]);
  });

  test('a missing folder, an empty folder and bad options are clear errors', async () => {
    await expect(importCorpus([join(dir, 'nope')])).rejects.toThrow(
      `cannot read ${join(dir, 'nope')}: no such file or directory`,
    );
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(importCorpus([empty])).rejects.toThrow(
      `no MIDI files (.mid, .midi, .kar, .rmi) found in ${empty}`,
    );
    await expect(importCorpus([dir], { workers: -1 })).rejects.toThrow(InvalidArgumentError);
    await expect(importCorpus([dir], { validationFraction: 2 })).rejects.toThrow(/validation fraction 2/);
  });
});
