import { test as propTest, fc } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { DatasetFormatError } from '../errors.js';
import {
  createDataset,
  encodeDataset,
  type Dataset,
  type DatasetInput,
  type DatasetMetadata,
} from './dataset-format.js';
import { encodeDatasetStream, type ColumnName } from './dataset-stream.js';

const settings = { sustain: true, includeDrums: false, validationFraction: 0.1, maxFileBytes: 64 << 20 };

/** A dataset with the given note counts per file and failures, paths with non-ASCII characters. */
function makeDataset(counts: readonly number[], failures: number, sources = ['/music', '/more music']): Dataset {
  const total = counts.reduce((a, b) => a + b, 0);
  const files: DatasetInput['files'] = counts.map((noteCount, i) => ({
    path: `dir/fïle "${i}" ♪.mid`,
    source: i % sources.length,
    hash: (0x1000 + i).toString(16).padStart(16, '0'),
    split: i % 3 === 2 ? 'validation' : 'train',
    noteCount,
    durationSeconds: noteCount / 10 + 0.5,
    bytes: 100 + i,
  }));
  return createDataset({
    created: '2024-01-01T00:00:00.000Z',
    sources,
    settings,
    files,
    failures: Array.from({ length: failures }, (_, i) => ({ path: `bad ${i}.mid`, source: 0, reason: `reason\n${i}` })),
    notes: {
      time: Float64Array.from({ length: total }, (_, i) => i / 7),
      duration: Float32Array.from({ length: total }, (_, i) => 0.25 + (i % 7) / 8),
      pitch: Uint8Array.from({ length: total }, (_, i) => i % 120),
      velocity: Uint8Array.from({ length: total }, (_, i) => 1 + (i % 127)),
    },
  });
}

/** The dataset without its columns and version: what the streaming writer is given. */
function metadataOf(dataset: Dataset): DatasetMetadata {
  const { created, sources, sourceTags, settings, files, failures, totals } = dataset;
  return { created, sources, sourceTags, settings, files, failures, totals };
}

/** The columns' bytes cut into pieces of `cut` rows. */
function columnsIn(dataset: Dataset, cut: number): (column: ColumnName) => Uint8Array[] {
  return (column) => {
    const values = dataset.notes[column];
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < values.length; at += cut) {
      const part = values.subarray(at, at + cut);
      pieces.push(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    }
    return pieces;
  };
}

async function joined(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const piece of pieces) parts.push(piece);
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

describe('encodeDatasetStream', () => {
  propTest.prop([
    fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 1, max: 50 }),
  ])('gives the bytes of encodeDataset, however the columns are cut', async (counts, failures, cut) => {
    const dataset = makeDataset(counts, failures);
    const metadata = metadataOf(dataset);
    expect(await joined(encodeDatasetStream(metadata, columnsIn(dataset, cut)))).toEqual(encodeDataset(dataset));
  });

  test('metadata of thousands of files comes out in pieces, the same bytes', async () => {
    const dataset = makeDataset(Array.from({ length: 5000 }, (_, i) => i % 3), 2500);
    const metadata = metadataOf(dataset);
    expect(await joined(encodeDatasetStream(metadata, columnsIn(dataset, 4096)))).toEqual(encodeDataset(dataset));
  });

  test('a column with too few rows is an error', async () => {
    const dataset = makeDataset([3, 4], 0);
    const metadata = metadataOf(dataset);
    const short = (column: ColumnName): Uint8Array[] => columnsIn(dataset, 100)(column).map((piece) =>
      column === 'pitch' ? piece.subarray(1) : piece,
    );
    await expect(joined(encodeDatasetStream(metadata, short))).rejects.toThrow(DatasetFormatError);
    await expect(joined(encodeDatasetStream(metadata, short))).rejects.toThrow(
      'note column pitch has 6 entries but the files hold 7 notes',
    );
  });
});
