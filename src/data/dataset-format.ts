import { DatasetFormatError } from '../errors.js';
import { contentHash64, hash64ToHex } from './content-hash.js';
import type { Note } from '../score/note.js';
import {
  computeTotals,
  validateMetadata,
  type DatasetFailure,
  type DatasetFile,
  type DatasetMetadata,
  type DatasetSettings,
} from './dataset-metadata.js';
import { defaultSourceTags, type GroupRule } from './groups.js';
import type { Split } from './split.js';

export type {
  DatasetFailure,
  DatasetFile,
  DatasetMetadata,
  DatasetSettings,
  DatasetTotals,
} from './dataset-metadata.js';

/**
 * The compact binary dataset file (`*.howl`): every note of an imported corpus in four typed-array
 * columns, plus a JSON index of the files and the files that could not be imported. Layout (all
 * integers and floats little-endian; see `src/data/README.md`):
 *
 * | offset | size | content |
 * |---|---|---|
 * | 0 | 8 | magic `HOWLDATA` |
 * | 8 | 4 | u32 format version (1) |
 * | 12 | 4 | u32 byte length M of the metadata |
 * | 16 | M | UTF-8 JSON metadata (`DatasetMetadata`), zero-padded to a multiple of 8 |
 * | … | 8N | note onsets, Float64 seconds |
 * | … | 4N | note durations, Float32 seconds, zero-padded to 8 |
 * | … | N | pitches, Uint8 (MIDI 0..119), zero-padded to 8 |
 * | … | N | velocities, Uint8 (1..127), zero-padded to 8 |
 * | end-8 | 8 | 64-bit content hash (`contentHash64`, two MurmurHash3 lanes) of every byte before it, u64 |
 *
 * N is `totals.notes` from the metadata; file `i`'s notes are rows `noteOffset .. noteOffset +
 * noteCount - 1` of every column.
 */

/** The eight bytes every dataset file starts with. */
export const DATASET_MAGIC = 'HOWLDATA';
/** The format version this code writes and reads. */
export const DATASET_FORMAT_VERSION = 1;

/** Bytes before the metadata: magic, version, metadata length. */
export const DATASET_HEADER_BYTES = 16;
const HEADER_BYTES = DATASET_HEADER_BYTES;
const CHECKSUM_BYTES = 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** All notes of all files, one typed array per field, row `i` being one note. */
export interface NoteColumns {
  /** Onsets in seconds from the start of each piece. */
  time: Float64Array;
  /** Lengths in seconds. */
  duration: Float32Array;
  /** MIDI note numbers, 0..119. */
  pitch: Uint8Array;
  /** MIDI velocities, 1..127. */
  velocity: Uint8Array;
}

/** A decoded (or freshly imported) dataset: the metadata plus the note columns. */
export interface Dataset extends DatasetMetadata {
  /** The file format version it was read from (or will be written as). */
  formatVersion: number;
  notes: NoteColumns;
}

/** What `createDataset` needs: everything but the note offsets and totals, which it derives. */
export interface DatasetInput {
  created: string;
  sources: string[];
  /** Default: `defaultSourceTags(sources)`. */
  sourceTags?: string[];
  /** `groupBy` defaults to `file` for every source. */
  settings: Omit<DatasetSettings, 'groupBy'> & { groupBy?: GroupRule[] };
  /** `group` defaults to `file:<hash>`. */
  files: (Omit<DatasetFile, 'noteOffset' | 'group'> & { group?: string })[];
  failures: DatasetFailure[];
  notes: NoteColumns;
}

/** What `createDatasetMetadata` needs: `DatasetInput` without the note columns. */
export type DatasetMetadataInput = Omit<DatasetInput, 'notes'>;

/**
 * The metadata of a dataset whose files' notes lie one after another in file order: each file's
 * `noteOffset` assigned, its `group` defaulted and the totals computed. What `createDataset` does
 * without the columns, for a writer that streams them (`encodeDatasetStream`).
 *
 * @param input - metadata without the note columns
 * @returns the metadata
 * @example const metadata = createDatasetMetadata({ created, sources, settings, files, failures: [] });
 */
export function createDatasetMetadata(input: DatasetMetadataInput): DatasetMetadata {
  let offset = 0;
  const files = input.files.map((file) => {
    const withOffset: DatasetFile = { ...file, group: file.group ?? `file:${file.hash}`, noteOffset: offset };
    offset += file.noteCount;
    return withOffset;
  });
  return {
    created: input.created,
    sources: [...input.sources],
    sourceTags: input.sourceTags ? [...input.sourceTags] : defaultSourceTags(input.sources),
    settings: { ...input.settings, groupBy: input.settings.groupBy ?? input.sources.map(() => 'file') },
    files,
    failures: [...input.failures],
    totals: computeTotals(files, input.failures.length),
  };
}

/**
 * Builds a `Dataset` from files whose notes lie in `notes` one after another, in file order,
 * assigning each file's `noteOffset` and computing the totals.
 *
 * @param input - metadata and columns; the columns are used as they are, not copied
 * @returns the dataset
 * @throws DatasetFormatError if the columns' lengths differ or do not match the files' note counts
 * @example
 * const dataset = createDataset({ created, sources, settings, files, failures: [], notes });
 * encodeDataset(dataset);
 */
export function createDataset(input: DatasetInput): Dataset {
  const { notes, ...rest } = input;
  const metadata = createDatasetMetadata(rest);
  checkColumns(notes, metadata.totals.notes);
  return { formatVersion: DATASET_FORMAT_VERSION, ...metadata, notes };
}

function checkColumns(notes: NoteColumns, count: number): void {
  for (const name of ['time', 'duration', 'pitch', 'velocity'] as const) {
    if (notes[name].length !== count) {
      throw new DatasetFormatError(
        `note column ${name} has ${notes[name].length} entries but the files hold ${count} notes`,
      );
    }
  }
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Where each block of a `*.howl` file starts, and its total length. */
export interface DatasetLayout {
  time: number;
  duration: number;
  pitch: number;
  velocity: number;
  checksum: number;
  total: number;
}

/**
 * The byte layout of a `*.howl` file with `metadataBytes` of JSON and `notes` notes.
 *
 * @param metadataBytes - length of the UTF-8 JSON metadata
 * @param notes - number of notes
 * @returns the start of each block and the file's length
 * @example datasetLayout(100, 3).total; // 16 + 100, padded, then 3 notes in four columns and 8
 */
export function datasetLayout(metadataBytes: number, notes: number): DatasetLayout {
  const time = align8(HEADER_BYTES + metadataBytes);
  const duration = time + 8 * notes;
  const pitch = duration + align8(4 * notes);
  const velocity = pitch + align8(notes);
  const checksum = velocity + align8(notes);
  return { time, duration, pitch, velocity, checksum, total: checksum + CHECKSUM_BYTES };
}

function metadataOf(dataset: Dataset): DatasetMetadata {
  const { created, sources, sourceTags, settings, files, failures, totals } = dataset;
  return { created, sources, sourceTags, settings, files, failures, totals };
}

/**
 * Encodes a dataset into the `*.howl` binary format (version 1). The output is a pure function of
 * the dataset, so two imports of the same files with the same `created` give identical bytes.
 *
 * @param dataset - the dataset; not modified
 * @returns the file's bytes
 * @throws DatasetFormatError if the columns do not match the files' note counts
 * @example await writeFileAtomic('data/piano.howl', encodeDataset(dataset));
 */
export function encodeDataset(dataset: Dataset): Uint8Array {
  const count = dataset.files.reduce((sum, file) => sum + file.noteCount, 0);
  checkColumns(dataset.notes, count);
  const metadata = { ...metadataOf(dataset), totals: computeTotals(dataset.files, dataset.failures.length) };
  const json = new TextEncoder().encode(JSON.stringify(metadata));
  const layout = datasetLayout(json.length, count);
  const bytes = new Uint8Array(layout.total);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < DATASET_MAGIC.length; i++) bytes[i] = DATASET_MAGIC.charCodeAt(i);
  view.setUint32(8, DATASET_FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  bytes.set(json, HEADER_BYTES);
  const { time, duration, pitch, velocity } = dataset.notes;
  if (LITTLE_ENDIAN) {
    new Float64Array(bytes.buffer, layout.time, count).set(time);
    new Float32Array(bytes.buffer, layout.duration, count).set(duration);
  } else {
    for (let i = 0; i < count; i++) view.setFloat64(layout.time + 8 * i, time[i] as number, true);
    for (let i = 0; i < count; i++) view.setFloat32(layout.duration + 4 * i, duration[i] as number, true);
  }
  bytes.set(pitch, layout.pitch);
  bytes.set(velocity, layout.velocity);
  const { high, low } = contentHash64(bytes.subarray(0, layout.checksum));
  view.setUint32(layout.checksum, low, true);
  view.setUint32(layout.checksum + 4, high, true);
  return bytes;
}

/** Options for `decodeDataset`. */
export interface DecodeDatasetOptions {
  /** Verify the trailing checksum (default true; about 20 ms per 10 MB). */
  verifyChecksum?: boolean;
}

/**
 * Decodes a `*.howl` file. The note columns are views into `bytes` where the platform allows it
 * (little-endian, aligned), so loading costs little more than the checksum and the JSON parse;
 * keep `bytes` unmodified while the dataset is in use.
 *
 * @param bytes - the file's contents
 * @param file - the file's name, for error messages
 * @param options - `verifyChecksum` (default true)
 * @returns the dataset
 * @throws DatasetFormatError naming the file and the problem: not a Howl dataset (wrong magic), an
 *   unsupported format version, truncated, trailing bytes, checksum mismatch, or metadata that is
 *   malformed or disagrees with itself
 * @example const dataset = decodeDataset(await readFile(path), path);
 */
export function decodeDataset(
  bytes: Uint8Array,
  file?: string,
  options: DecodeDatasetOptions = {},
): Dataset {
  const fail = (reason: string): never => {
    throw new DatasetFormatError(reason, file === undefined ? {} : { file });
  };
  const magicLength = Math.min(bytes.length, DATASET_MAGIC.length);
  for (let i = 0; i < magicLength; i++) {
    if (bytes[i] !== DATASET_MAGIC.charCodeAt(i)) fail('not a Howl dataset (wrong magic bytes)');
  }
  if (bytes.length < HEADER_BYTES + CHECKSUM_BYTES) {
    fail(`truncated: ${bytes.length} bytes, shorter than the ${HEADER_BYTES + CHECKSUM_BYTES}-byte minimum`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== DATASET_FORMAT_VERSION) {
    fail(`dataset format version ${version}; this Howl reads version ${DATASET_FORMAT_VERSION}`);
  }
  const metadataLength = view.getUint32(12, true);
  if (HEADER_BYTES + metadataLength + CHECKSUM_BYTES > bytes.length) {
    fail(`truncated: ${bytes.length} bytes, but the metadata alone needs ${HEADER_BYTES + metadataLength}`);
  }
  const verifyChecksum = options.verifyChecksum ?? true;
  const checkChecksum = (end: number): void => {
    if (!verifyChecksum) return;
    const { high, low } = contentHash64(bytes.subarray(0, end));
    const storedLow = view.getUint32(end, true);
    const storedHigh = view.getUint32(end + 4, true);
    if (storedLow !== low || storedHigh !== high) {
      fail(
        `checksum mismatch (stored ${hash64ToHex(storedHigh, storedLow)}, computed ${hash64ToHex(high, low)}): the file is corrupt`,
      );
    }
  };

  let parsed: unknown;
  try {
    parsed = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES, HEADER_BYTES + metadataLength)),
    );
  } catch (error) {
    // Damage is more likely than a writer bug: say so when the checksum agrees.
    checkChecksum(bytes.length - CHECKSUM_BYTES);
    return fail(`inconsistent metadata: not valid JSON (${(error as Error).message})`);
  }
  const metadata = validateMetadata(parsed, fail);
  const count = metadata.totals.notes;
  const layout = datasetLayout(metadataLength, count);
  if (bytes.length < layout.total) {
    fail(`truncated: ${bytes.length} bytes, expected ${layout.total} for ${count} notes`);
  }
  if (bytes.length > layout.total) {
    fail(`${bytes.length - layout.total} unexpected bytes after the end (expected ${layout.total} bytes)`);
  }
  checkChecksum(layout.checksum);

  return {
    formatVersion: version,
    ...metadata,
    notes: {
      time: float64Column(bytes, view, layout.time, count),
      duration: float32Column(bytes, view, layout.duration, count),
      pitch: bytes.subarray(layout.pitch, layout.pitch + count),
      velocity: bytes.subarray(layout.velocity, layout.velocity + count),
    },
  };
}

function float64Column(bytes: Uint8Array, view: DataView, at: number, count: number): Float64Array {
  if (LITTLE_ENDIAN) {
    if ((bytes.byteOffset + at) % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset + at, count);
    return new Float64Array(bytes.slice(at, at + 8 * count).buffer);
  }
  return Float64Array.from({ length: count }, (_, i) => view.getFloat64(at + 8 * i, true));
}

function float32Column(bytes: Uint8Array, view: DataView, at: number, count: number): Float32Array {
  if (LITTLE_ENDIAN) {
    if ((bytes.byteOffset + at) % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset + at, count);
    return new Float32Array(bytes.slice(at, at + 4 * count).buffer);
  }
  return Float32Array.from({ length: count }, (_, i) => view.getFloat32(at + 4 * i, true));
}

/**
 * The notes of one file (or a range of them) as `Note` objects, made on demand from the columns.
 *
 * @param dataset - the dataset
 * @param fileIndex - index into `dataset.files`
 * @param start - first note, counted within the file (default 0)
 * @param end - one past the last note (default: the file's note count); clipped to the file
 * @returns new notes, in stored order (sorted as `readMidi` sorts them)
 * @throws RangeError if `fileIndex` is not a file of the dataset
 * @example fileNotes(dataset, 0, 0, 768); // the first 768 notes of the first file
 */
export function fileNotes(dataset: Dataset, fileIndex: number, start = 0, end?: number): Note[] {
  const file = dataset.files[fileIndex];
  if (file === undefined) {
    throw new RangeError(`file index ${fileIndex} outside 0..${dataset.files.length - 1}`);
  }
  const from = file.noteOffset + Math.max(0, Math.min(start, file.noteCount));
  const to = file.noteOffset + Math.max(0, Math.min(end ?? file.noteCount, file.noteCount));
  const { time, duration, pitch, velocity } = dataset.notes;
  const notes: Note[] = [];
  for (let i = from; i < to; i++) {
    notes.push({
      pitch: pitch[i] as number,
      velocity: velocity[i] as number,
      time: time[i] as number,
      duration: duration[i] as number,
    });
  }
  return notes;
}

/**
 * The indices (into `dataset.files`) of the files on one side of the split, in file order.
 *
 * @param dataset - the dataset
 * @param split - `'train'` or `'validation'`
 * @returns file indices
 * @example fileIndicesOf(dataset, 'validation').length; // about 10% of the files
 */
export function fileIndicesOf(dataset: Dataset, split: Split): number[] {
  const indices: number[] = [];
  dataset.files.forEach((file, i) => {
    if (file.split === split) indices.push(i);
  });
  return indices;
}
