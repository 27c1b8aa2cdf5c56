import { DatasetFormatError } from '../errors.js';
import { contentHash64, hash64ToHex } from './content-hash.js';
import type { Note } from '../score/note.js';
import { defaultSourceTags, type GroupRule } from './groups.js';
import type { Split } from './split.js';

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

const HEADER_BYTES = 16;
const CHECKSUM_BYTES = 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One imported MIDI file: where its notes are in the columns, and what it was. */
export interface DatasetFile {
  /** Path relative to its source folder, with `/` separators. */
  path: string;
  /** Index into `Dataset.sources` of the folder the file was found in. */
  source: number;
  /** `contentHash` of the file's bytes. */
  hash: string;
  /** Held-out side, decided by group (`assignSplits`): no group straddles the split. */
  split: Split;
  /** The group the split keeps together (`groupKeyOf`): `file:<hash>`, or a folder or pattern key. */
  group: string;
  /** Number of notes (>= 2 for imported files). */
  noteCount: number;
  /** Row of the file's first note in the note columns. */
  noteOffset: number;
  /** End of the last note, in seconds. */
  durationSeconds: number;
  /** Size of the MIDI file in bytes. */
  bytes: number;
}

/** A file found but not imported, and why. */
export interface DatasetFailure {
  /** Path relative to its source folder, with `/` separators. */
  path: string;
  /** Index into `Dataset.sources`. */
  source: number;
  /** Why it was skipped, e.g. `'fewer than 2 notes (1)'` or the reader's message. */
  reason: string;
}

/** The settings a dataset was imported with. */
export interface DatasetSettings {
  /** Sustain pedal applied (notes held while the pedal is down). */
  sustain: boolean;
  /** Drum channel (MIDI channel 10) notes kept. */
  includeDrums: boolean;
  /** Share of files held out for validation. */
  validationFraction: number;
  /** Files larger than this were skipped. */
  maxFileBytes: number;
  /** How each source's files were grouped for the split (`file` for datasets made before groups). */
  groupBy: GroupRule[];
}

/** Counts derived from `files`, stored for quick inspection and checked when reading. */
export interface DatasetTotals {
  files: number;
  failures: number;
  notes: number;
  /** Sum of the files' durations. */
  durationSeconds: number;
  /** Sum of the imported files' sizes. */
  bytes: number;
  trainFiles: number;
  validationFiles: number;
  trainNotes: number;
  validationNotes: number;
}

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

/** What the JSON metadata block holds. */
export interface DatasetMetadata {
  /** ISO 8601 time of the import (the only field that differs between two identical imports). */
  created: string;
  /** The folders (or files) imported, as given to the importer, resolved to absolute paths. */
  sources: string[];
  /** A short name per source (`--tag`, or `defaultSourceTags`), for reports and source weights. */
  sourceTags: string[];
  settings: DatasetSettings;
  /** Imported files, in import order (sorted by path within each source). */
  files: DatasetFile[];
  /** Files skipped, in the same order. */
  failures: DatasetFailure[];
  totals: DatasetTotals;
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
  let offset = 0;
  const files = input.files.map((file) => {
    const withOffset: DatasetFile = { ...file, group: file.group ?? `file:${file.hash}`, noteOffset: offset };
    offset += file.noteCount;
    return withOffset;
  });
  checkColumns(input.notes, offset);
  return {
    formatVersion: DATASET_FORMAT_VERSION,
    created: input.created,
    sources: [...input.sources],
    sourceTags: input.sourceTags ? [...input.sourceTags] : defaultSourceTags(input.sources),
    settings: { ...input.settings, groupBy: input.settings.groupBy ?? input.sources.map(() => 'file') },
    files,
    failures: [...input.failures],
    totals: computeTotals(files, input.failures.length),
    notes: input.notes,
  };
}

function computeTotals(files: readonly DatasetFile[], failures: number): DatasetTotals {
  const totals: DatasetTotals = {
    files: files.length,
    failures,
    notes: 0,
    durationSeconds: 0,
    bytes: 0,
    trainFiles: 0,
    validationFiles: 0,
    trainNotes: 0,
    validationNotes: 0,
  };
  for (const file of files) {
    totals.notes += file.noteCount;
    totals.durationSeconds += file.durationSeconds;
    totals.bytes += file.bytes;
    if (file.split === 'train') {
      totals.trainFiles++;
      totals.trainNotes += file.noteCount;
    } else {
      totals.validationFiles++;
      totals.validationNotes += file.noteCount;
    }
  }
  return totals;
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

interface Layout {
  time: number;
  duration: number;
  pitch: number;
  velocity: number;
  checksum: number;
  total: number;
}

function layoutFor(metadataBytes: number, notes: number): Layout {
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
  const layout = layoutFor(json.length, count);
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
  const layout = layoutFor(metadataLength, count);
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

type Fail = (reason: string) => never;

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isSeconds = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

function validateMetadata(parsed: unknown, fail: Fail): DatasetMetadata {
  const bad = (what: string): never => fail(`inconsistent metadata: ${what}`);
  if (!isObject(parsed)) return bad('not a JSON object');
  const { created, sources, settings, files, failures, totals } = parsed;
  if (typeof created !== 'string') bad('created is not a string');
  if (!Array.isArray(sources) || !sources.every((s) => typeof s === 'string')) bad('sources is not a list of strings');
  const sourceCount = (sources as string[]).length;
  // Datasets written before groups and tags: each file its own group, tags from the paths.
  parsed.sourceTags ??= defaultSourceTags(sources as string[]);
  if (isObject(settings)) settings.groupBy ??= (sources as string[]).map(() => 'file');
  if (Array.isArray(files)) for (const f of files) if (isObject(f)) f.group ??= `file:${String(f.hash)}`;
  const { sourceTags } = parsed;
  const isStringList = (x: unknown, length: number): boolean =>
    Array.isArray(x) && x.length === length && x.every((s) => typeof s === 'string');
  if (!isStringList(sourceTags, sourceCount)) bad('sourceTags is not a string per source');
  if (
    !isObject(settings) ||
    typeof settings.sustain !== 'boolean' ||
    typeof settings.includeDrums !== 'boolean' ||
    typeof settings.validationFraction !== 'number' ||
    !(settings.validationFraction >= 0 && settings.validationFraction <= 1) ||
    !isCount(settings.maxFileBytes) ||
    !isStringList(settings.groupBy, sourceCount)
  ) {
    bad('settings are missing or malformed');
  }
  if (!Array.isArray(files)) return bad('files is not a list');
  if (!Array.isArray(failures)) return bad('failures is not a list');
  const isSource = (x: unknown): boolean => isCount(x) && x < sourceCount;
  let offset = 0;
  files.forEach((f: unknown, i) => {
    const at = `files[${i}]`;
    if (!isObject(f)) return bad(`${at} is not an object`);
    if (typeof f.path !== 'string') bad(`${at}.path is not a string`);
    if (!isSource(f.source)) bad(`${at}.source is not an index into sources`);
    if (typeof f.hash !== 'string' || !/^[0-9a-f]{16}$/.test(f.hash)) bad(`${at}.hash is not 16 hex digits`);
    if (f.split !== 'train' && f.split !== 'validation') bad(`${at}.split is not "train" or "validation"`);
    if (typeof f.group !== 'string') bad(`${at}.group is not a string`);
    if (!isCount(f.noteCount)) bad(`${at}.noteCount is not a non-negative integer`);
    if (f.noteOffset !== offset) bad(`${at}.noteOffset is ${String(f.noteOffset)}, expected ${offset}`);
    if (!isSeconds(f.durationSeconds)) bad(`${at}.durationSeconds is not a non-negative number`);
    if (!isCount(f.bytes)) bad(`${at}.bytes is not a non-negative integer`);
    offset += f.noteCount as number;
    return undefined;
  });
  failures.forEach((f: unknown, i) => {
    if (!isObject(f) || typeof f.path !== 'string' || typeof f.reason !== 'string' || !isSource(f.source)) {
      bad(`failures[${i}] is not {path, source, reason}`);
    }
  });
  if (!isObject(totals)) return bad('totals is missing');
  const expected = computeTotals(files as DatasetFile[], failures.length);
  for (const key of Object.keys(expected) as (keyof DatasetTotals)[]) {
    const stored = totals[key];
    const same =
      key === 'durationSeconds'
        ? typeof stored === 'number' && Math.abs(stored - expected[key]) <= 1e-6 * Math.max(1, expected[key])
        : stored === expected[key];
    if (!same) bad(`totals.${key} is ${String(stored)} but the files give ${expected[key]}`);
  }
  return parsed as unknown as DatasetMetadata;
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
