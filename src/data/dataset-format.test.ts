import { test as propTest, fc } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { DatasetFormatError } from '../errors.js';
import { contentHash64 } from './content-hash.js';
import {
  createDataset,
  decodeDataset,
  encodeDataset,
  fileIndicesOf,
  fileNotes,
  type Dataset,
  type DatasetFile,
  type DatasetInput,
} from './dataset-format.js';

const settings = { sustain: true, includeDrums: false, validationFraction: 0.1, maxFileBytes: 64 << 20 };

/** A dataset of files with the given note counts; note i has time i/10, pitch 20 + i mod 90. */
function makeDataset(counts: readonly number[], created = '2024-01-01T00:00:00.000Z'): Dataset {
  const total = counts.reduce((a, b) => a + b, 0);
  const time = Float64Array.from({ length: total }, (_, i) => i / 10 + 1e-9);
  const duration = Float32Array.from({ length: total }, (_, i) => 0.25 + (i % 7) / 8);
  const pitch = Uint8Array.from({ length: total }, (_, i) => 20 + (i % 90));
  const velocity = Uint8Array.from({ length: total }, (_, i) => 1 + (i % 127));
  const files: DatasetInput['files'] = counts.map((noteCount, i) => ({
    path: `dir/fïle ${i}.mid`,
    source: 0,
    hash: (0x1000 + i).toString(16).padStart(16, '0'),
    split: i % 3 === 2 ? 'validation' : 'train',
    noteCount,
    durationSeconds: noteCount / 10 + 0.5,
    bytes: 100 + i,
  }));
  return createDataset({
    created,
    sources: ['/music'],
    settings,
    files,
    failures: [{ path: 'broken.mid', source: 0, reason: 'not a MIDI file' }],
    notes: { time, duration, pitch, velocity },
  });
}

/** Recomputes the trailing checksum after the bytes were edited on purpose. */
function reseal(bytes: Uint8Array): Uint8Array {
  const end = bytes.length - 8;
  const { high, low } = contentHash64(bytes.subarray(0, end));
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setUint32(end, low, true);
  view.setUint32(end + 4, high, true);
  return bytes;
}

/** Rewrites the JSON metadata (keeping its length is not needed: the layout is recomputed). */
function withMetadata(dataset: Dataset, edit: (metadata: Record<string, unknown>) => void): Uint8Array {
  const bytes = encodeDataset(dataset);
  const view = new DataView(bytes.buffer);
  const length = view.getUint32(12, true);
  const metadata = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + length))) as Record<
    string,
    unknown
  >;
  edit(metadata);
  const json = new TextEncoder().encode(JSON.stringify(metadata));
  const oldColumns = Math.ceil((16 + length) / 8) * 8;
  const newColumns = Math.ceil((16 + json.length) / 8) * 8;
  const out = new Uint8Array(bytes.length - oldColumns + newColumns);
  out.set(bytes.subarray(0, 16));
  new DataView(out.buffer).setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(bytes.subarray(oldColumns), newColumns);
  return reseal(out);
}

function decodeError(bytes: Uint8Array): DatasetFormatError {
  try {
    decodeDataset(bytes, 'data/x.howl');
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetFormatError);
    return error as DatasetFormatError;
  }
  throw new Error('decodeDataset did not throw');
}

describe('encodeDataset / decodeDataset', () => {
  test('round-trips metadata and notes', () => {
    const dataset = makeDataset([3, 5, 0, 2]);
    const decoded = decodeDataset(encodeDataset(dataset));
    expect(decoded).toEqual(dataset);
    expect(decoded.totals).toMatchObject({ files: 4, failures: 1, notes: 10, trainFiles: 3, validationNotes: 0 });
    expect(decoded.formatVersion).toBe(1);
  });

  propTest.prop([fc.array(fc.nat({ max: 40 }), { maxLength: 12 })])('round-trips any file sizes', (counts) => {
    const dataset = makeDataset(counts);
    expect(decodeDataset(encodeDataset(dataset))).toEqual(dataset);
  });

  test('is deterministic and starts with the magic and version', () => {
    const a = encodeDataset(makeDataset([4, 4]));
    const b = encodeDataset(makeDataset([4, 4]));
    expect(a).toEqual(b);
    expect(new TextDecoder().decode(a.subarray(0, 8))).toBe('HOWLDATA');
    expect(new DataView(a.buffer).getUint32(8, true)).toBe(1);
    expect(a.length % 8).toBe(0);
  });

  test('decodes zero-copy when aligned and copies when not', () => {
    const bytes = encodeDataset(makeDataset([30]));
    const aligned = decodeDataset(bytes);
    expect(aligned.notes.time.buffer).toBe(bytes.buffer);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const unaligned = decodeDataset(shifted.subarray(1));
    expect(unaligned.notes.time.buffer).not.toBe(shifted.buffer);
    expect(unaligned).toEqual(aligned);
  });

  test('gives a file’s notes lazily and lists files per split', () => {
    const dataset = decodeDataset(encodeDataset(makeDataset([3, 5, 2])));
    const notes = fileNotes(dataset, 1);
    expect(notes).toHaveLength(5);
    expect(notes[0]).toEqual({ pitch: 23, velocity: 4, time: 0.3 + 1e-9, duration: 0.25 + 3 / 8 });
    expect(fileNotes(dataset, 1, 3, 99)).toEqual(notes.slice(3));
    expect(fileIndicesOf(dataset, 'train')).toEqual([0, 1]);
    expect(fileIndicesOf(dataset, 'validation')).toEqual([2]);
    expect(() => fileNotes(dataset, 3)).toThrow(RangeError);
  });

  test('createDataset rejects columns that do not match the files', () => {
    const dataset = makeDataset([3]);
    expect(() =>
      createDataset({ ...dataset, files: dataset.files.map((f) => ({ ...f, noteCount: 4 })) }),
    ).toThrow(/note column time has 3 entries but the files hold 4 notes/);
  });
});

describe('decodeDataset errors', () => {
  const good = encodeDataset(makeDataset([6, 9]));

  test('wrong magic', () => {
    expect(decodeError(new TextEncoder().encode('MThd\0\0\0\x06 and more bytes here')).message).toBe(
      'data/x.howl: not a Howl dataset (wrong magic bytes)',
    );
    expect(decodeError(new Uint8Array(0)).message).toMatch(/truncated/);
  });

  test('newer version', () => {
    const bytes = good.slice();
    new DataView(bytes.buffer).setUint32(8, 2, true);
    expect(decodeError(bytes).message).toBe('data/x.howl: dataset format version 2; this Howl reads version 1');
  });

  test('truncated anywhere', () => {
    for (const length of [10, 20, 100, good.length - 100, good.length - 8, good.length - 1]) {
      expect(decodeError(good.subarray(0, length)).message).toMatch(/^data\/x\.howl: truncated: /);
    }
  });

  test('trailing bytes', () => {
    const longer = new Uint8Array(good.length + 8);
    longer.set(good);
    expect(decodeError(longer).message).toMatch(/8 unexpected bytes after the end/);
  });

  test('a flipped bit in the notes or metadata fails the checksum', () => {
    const notes = good.slice();
    notes[notes.length - 20]! ^= 1;
    expect(decodeError(notes).message).toMatch(/checksum mismatch \(stored [0-9a-f]{16}, computed [0-9a-f]{16}\)/);
    const meta = good.slice();
    meta[30] = 0xff; // invalid UTF-8 inside the JSON
    expect(decodeError(meta).message).toMatch(/checksum mismatch/);
    const sameLength = good.slice();
    sameLength[new TextDecoder().decode(good).indexOf('fïle') + 0]! ^= 0x20; // 'f' -> 'F'
    expect(decodeError(sameLength).message).toMatch(/checksum mismatch/);
  });

  test('checksum verification can be skipped', () => {
    const notes = good.slice();
    notes[notes.length - 20]! ^= 1;
    expect(() => decodeDataset(notes, 'x', { verifyChecksum: false })).not.toThrow();
  });

  test('inconsistent metadata, even with a valid checksum', () => {
    const dataset = makeDataset([6, 9]);
    const cases: [(m: Record<string, unknown>) => void, RegExp][] = [
      [(m) => ((m.totals as Record<string, unknown>).notes = 14), /totals.notes is 14 but the files give 15/],
      [(m) => ((m.files as DatasetFile[])[1]!.noteOffset = 5), /files\[1\]\.noteOffset is 5, expected 6/],
      [(m) => ((m.files as DatasetFile[])[0]!.split = 'test' as never), /files\[0\]\.split/],
      [(m) => ((m.files as DatasetFile[])[0]!.source = 3), /files\[0\]\.source/],
      [(m) => delete m.settings, /settings are missing/],
      [(m) => (m.failures = [{ path: 1 }]), /failures\[0\]/],
    ];
    for (const [edit, message] of cases) {
      expect(decodeError(withMetadata(dataset, edit)).message).toMatch(message);
    }
  });

  test('metadata that is not JSON but checksums fine', () => {
    const bytes = good.slice();
    bytes[16] = 0x7b + 1; // '{' -> '|'
    expect(decodeError(reseal(bytes)).message).toMatch(/inconsistent metadata: not valid JSON/);
  });

  test('note counts that disagree with the file size', () => {
    const bytes = withMetadata(makeDataset([6, 9]), (m) => {
      (m.files as DatasetFile[])[1]!.noteCount = 100;
      (m.totals as Record<string, number>).notes = 106;
      (m.totals as Record<string, number>).trainNotes = 106;
    });
    expect(decodeError(bytes).message).toMatch(/truncated: \d+ bytes, expected \d+ for 106 notes/);
  });
});
