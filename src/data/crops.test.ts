import { describe, expect, test } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { createRng, type Rng } from '../random/rng.js';
import { createCropSampler, cropV1 } from './crops.js';
import { createDataset, type Dataset, type DatasetFile } from './dataset-format.js';

/**
 * Files of the given note counts. Every note of file f has pitch 10 + f, so a crop tells which file
 * it came from; onsets are 0.5 s apart; note i lasts 0.25 + i/1024 s, so a crop tells where it starts.
 */
function makeDataset(counts: readonly number[], splits: readonly DatasetFile['split'][]): Dataset {
  const time: number[] = [];
  const duration: number[] = [];
  const pitch: number[] = [];
  counts.forEach((count, f) => {
    for (let i = 0; i < count; i++) {
      time.push(i * 0.5);
      duration.push(0.25 + i / 1024);
      pitch.push(10 + f);
    }
  });
  const total = time.length;
  return createDataset({
    created: 'now',
    sources: ['/music'],
    settings: { sustain: true, includeDrums: false, validationFraction: 0.1, maxFileBytes: 1 },
    files: counts.map((noteCount, f) => ({
      path: `${f}.mid`,
      source: 0,
      hash: f.toString(16).padStart(16, '0'),
      split: splits[f] ?? 'train',
      noteCount,
      durationSeconds: noteCount * 0.5,
      bytes: 1,
    })),
    failures: [],
    notes: {
      time: Float64Array.from(time),
      duration: Float32Array.from(duration),
      pitch: Uint8Array.from(pitch),
      velocity: new Uint8Array(total).fill(127),
    },
  });
}

const fileOf = (rows: readonly V1Row[]): number => (rows[0]?.[3] ?? 0) + 60 - 10;
const startOf = (rows: readonly V1Row[]): number => Math.round(((rows[0]?.[1] ?? 0) - 0.25) * 1024);

describe('createCropSampler', () => {
  const dataset = makeDataset([2000, 100, 800, 5000, 900], ['train', 'train', 'validation', 'train', 'validation']);

  test('crops are `length` consecutive notes, shorter only for shorter songs', () => {
    const sampler = createCropSampler(dataset, { split: 'train', rng: createRng(1) });
    for (let i = 0; i < 200; i++) {
      const rows = sampler.next();
      const file = fileOf(rows);
      expect(rows).toHaveLength(file === 1 ? 100 : 768);
      expect(rows[0]?.[0]).toBe(0); // encoded per crop
      expect(rows.slice(1).every((r) => r[0] === 0.5 && r[3] === rows[0]?.[3])).toBe(true);
    }
  });

  test('draws only from the chosen split, every file of it, about uniformly', () => {
    const seen = new Map<number, number>();
    const sampler = createCropSampler(dataset, { split: 'validation', length: 50, rng: createRng(2) });
    for (const rows of sampler.nextBatch(1000)) seen.set(fileOf(rows), (seen.get(fileOf(rows)) ?? 0) + 1);
    expect([...seen.keys()].sort()).toEqual([2, 4]);
    expect(seen.get(2)).toBeGreaterThan(400);
    expect(sampler.fileCount).toBe(2);
    expect(sampler.roundSize).toBe(8);
  });

  test('start positions cover the whole song, including its last notes', () => {
    const small = makeDataset([10], ['train']);
    const sampler = createCropSampler(small, { split: 'train', length: 4, rng: createRng(3) });
    const starts = new Set<number>();
    for (const rows of sampler.nextBatch(300)) {
      expect(rows).toHaveLength(4);
      starts.add(startOf(rows));
    }
    expect([...starts].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  test('is reproducible with a seed and differs between seeds', () => {
    const a = createCropSampler(dataset, { split: 'train', rng: createRng(42) }).nextBatch(8);
    const b = createCropSampler(dataset, { split: 'train', rng: createRng(42) }).nextBatch(8);
    const c = createCropSampler(dataset, { split: 'train', rng: createRng(43) }).nextBatch(8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  test('applies the augmenter to every crop with the sampler’s rng', () => {
    const stretch = (rows: readonly V1Row[], rng: Rng): V1Row[] => {
      const factor = rng.uniform(0.5, 2);
      return rows.map(([delay, duration, volume, pitch]) => [delay * factor, duration * factor, volume, pitch]);
    };
    const plain = createCropSampler(dataset, { split: 'train', rng: createRng(7) }).next();
    const augmented = createCropSampler(dataset, { split: 'train', rng: createRng(7), augment: stretch }).next();
    const again = createCropSampler(dataset, { split: 'train', rng: createRng(7), augment: stretch }).next();
    expect(augmented).toHaveLength(plain.length);
    expect(augmented).not.toEqual(plain);
    expect(augmented).toEqual(again);
    const factor = (augmented[1]?.[0] ?? 0) / (plain[1]?.[0] ?? 1);
    expect(factor).toBeGreaterThanOrEqual(0.5);
    expect(factor).toBeLessThan(2);
  });

  test('cropV1 encodes the crop on its own', () => {
    const rows = cropV1(dataset, 0, 10, 3);
    expect(rows).toEqual([
      [0, 0.25 + 10 / 1024, 1, -50],
      [0.5, 0.25 + 11 / 1024, 1, -50],
      [0.5, 0.25 + 12 / 1024, 1, -50],
    ]);
    expect(cropV1(dataset, 1, 98, 768)).toHaveLength(2);
  });

  test('rejects an empty split and bad lengths', () => {
    const trainOnly = makeDataset([10, 10], ['train', 'train']);
    expect(() => createCropSampler(trainOnly, { split: 'validation', rng: createRng(1) })).toThrow(
      /no validation files/,
    );
    expect(() => createCropSampler(trainOnly, { split: 'train', length: 0, rng: createRng(1) })).toThrow(
      /crop length 0/,
    );
  });
});

describe('source weights', () => {
  /** Files 0..2 from source "big", file 3 from source "small": pitch 10 + file tells them apart. */
  function twoSources(): Dataset {
    const base = makeDataset([20, 20, 20, 20], ['train', 'train', 'train', 'train']);
    return createDataset({
      created: base.created,
      settings: base.settings,
      failures: base.failures,
      notes: base.notes,
      sources: ['/corpora/big', '/corpora/small'],
      files: base.files.map((file, f) => ({ ...file, source: f === 3 ? 1 : 0 })),
    });
  }
  const fromSmall = (sampler: ReturnType<typeof createCropSampler>, n: number): number =>
    sampler.nextBatch(n).filter((crop) => crop[0]![3] === 10 + 3 - 60).length / n;

  test('without weights files are uniform; with weights each source gets its share of crops', () => {
    const dataset = twoSources();
    expect(dataset.sourceTags).toEqual(['big', 'small']);
    const uniform = createCropSampler(dataset, { split: 'train', length: 4, rng: createRng(1) });
    expect(fromSmall(uniform, 4000)).toBeCloseTo(0.25, 1);
    const even = createCropSampler(dataset, {
      split: 'train',
      length: 4,
      rng: createRng(1),
      sourceWeights: { big: 1, small: 1 },
    });
    expect(fromSmall(even, 4000)).toBeCloseTo(0.5, 1);
    const none = createCropSampler(dataset, { split: 'train', length: 4, rng: createRng(1), sourceWeights: { small: 0 } });
    expect(fromSmall(none, 500)).toBe(0);
  });

  test('an unknown tag or a negative weight is refused with the reason', () => {
    const dataset = twoSources();
    const make = (sourceWeights: Record<string, number>) => () =>
      createCropSampler(dataset, { split: 'train', rng: createRng(1), sourceWeights });
    expect(make({ asap: 1 })).toThrow(/source weight for "asap": the dataset's sources are "big", "small"/);
    expect(make({ big: -1 })).toThrow(/source weight -1 for "big"/);
    expect(make({ big: 0, small: 0 })).toThrow(/every source with files has weight 0/);
  });
});
