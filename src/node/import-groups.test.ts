import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeDataset, encodeDataset, type Dataset } from '../data/dataset-format.js';
import { writeMidi } from '../midi/write-midi.js';
import { asapDir, pianoMidiDir } from '../test-support/shared-data.js';
import { importCorpus } from './import-corpus.js';

/** Every group key's sides; a group on both sides straddles the split. */
function straddling(dataset: Dataset): string[] {
  const sides = new Map<string, Set<string>>();
  for (const file of dataset.files)
    sides.set(file.group, (sides.get(file.group) ?? new Set()).add(file.split));
  return [...sides].filter(([, side]) => side.size > 1).map(([group]) => group);
}

describe('importCorpus: the split by group', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'howl-groups-'));
    // 12 pieces with 1..4 performances each, every performance different bytes.
    for (let piece = 0; piece < 12; piece++) {
      await mkdir(join(dir, 'perf', `piece-${piece}`), { recursive: true });
      for (let player = 0; player <= piece % 4; player++) {
        const notes = [0, 1, 2].map((k) => ({
          pitch: 48 + piece + k,
          velocity: 40 + player * 10 + k,
          time: k * 0.5,
          duration: 0.4,
        }));
        await writeFile(join(dir, 'perf', `piece-${piece}`, `player-${player}.mid`), writeMidi(notes));
      }
    }
    await mkdir(join(dir, 'solo'), { recursive: true });
    for (let f = 0; f < 20; f++) {
      const notes = [0, 1].map((k) => ({ pitch: 30 + f + k, velocity: 64, time: k, duration: 0.9 }));
      await writeFile(join(dir, 'solo', `${f}.mid`), writeMidi(notes));
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('folder groups never straddle; each source is split on its own and tagged', async () => {
    const { dataset } = await importCorpus([join(dir, 'perf'), join(dir, 'solo')], {
      workers: 0,
      groupBy: ['folder', 'file'],
      sourceTags: ['perf', 'solo'],
      validationFraction: 0.25,
      created: 'x',
    });
    expect(dataset.sourceTags).toEqual(['perf', 'solo']);
    expect(dataset.settings.groupBy).toEqual(['folder', 'file']);
    expect(straddling(dataset)).toEqual([]);
    const held = (source: number) =>
      dataset.files.filter((f) => f.source === source && f.split === 'validation').length;
    expect(held(1)).toBe(5); // 25 % of 20 files, exactly
    expect(held(0)).toBeGreaterThan(0);
    // The solo folder alone gets the same split: adding a source moves nothing.
    const alone = (
      await importCorpus([join(dir, 'solo')], { workers: 0, validationFraction: 0.25, created: 'x' })
    ).dataset;
    const side = (d: Dataset) => new Map(d.files.map((f) => [f.hash, f.split]));
    const together = side(dataset);
    for (const [hash, split] of side(alone)) expect(together.get(hash)).toBe(split);
    // Groups and tags survive the file format.
    const copy = decodeDataset(encodeDataset(dataset));
    expect(copy.files.map((f) => f.group)).toEqual(dataset.files.map((f) => f.group));
    expect(copy.sourceTags).toEqual(['perf', 'solo']);
  });

  test('mismatched rule or tag lists are refused with the counts', async () => {
    await expect(importCorpus([join(dir, 'perf')], { groupBy: ['folder', 'file'] })).rejects.toThrow(
      /2 group rules for 1 folders/,
    );
    await expect(
      importCorpus([join(dir, 'perf'), join(dir, 'solo')], { sourceTags: ['a', 'a'] }),
    ).rejects.toThrow(/tag "a" is given to two folders/);
  });

  test.skipIf(!asapDir || !pianoMidiDir)(
    'ASAP by piece and piano-midi-de by file: no piece straddles, ~10 % held out of each',
    async () => {
      const { dataset } = await importCorpus([asapDir!, pianoMidiDir!], {
        groupBy: ['folder', 'file'],
        sourceTags: ['asap', 'piano-midi-de'],
        created: 'x',
      });
      expect(straddling(dataset)).toEqual([]);
      const pieces = new Map<string, Set<string>>();
      for (const file of dataset.files.filter((f) => f.source === 0)) {
        const folder = file.path.slice(0, file.path.lastIndexOf('/'));
        pieces.set(folder, (pieces.get(folder) ?? new Set()).add(file.split));
      }
      expect(pieces.size).toBe(235);
      for (const side of pieces.values()) expect(side.size).toBe(1);
      for (const source of [0, 1]) {
        const files = dataset.files.filter((f) => f.source === source);
        const share = files.filter((f) => f.split === 'validation').length / files.length;
        expect(share).toBeGreaterThan(0.08);
        expect(share).toBeLessThan(0.12);
      }
    },
    60_000,
  );
});

if (!asapDir)
  console.warn('import-groups.test.ts: ../shared/data/asap is absent; the ASAP split test is skipped');
