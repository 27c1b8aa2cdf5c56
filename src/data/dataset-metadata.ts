import { defaultSourceTags, type GroupRule } from './groups.js';
import type { Split } from './split.js';

/**
 * The JSON metadata block of a `*.howl` dataset file (`dataset-format.ts`): its types, the totals
 * derived from the file list, and the checks `decodeDataset` runs on what it parses.
 */

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

/**
 * The counts `DatasetTotals` holds, derived from the file list.
 *
 * @param files - the imported files
 * @param failures - the number of files that could not be imported
 * @returns the totals
 * @example computeTotals(dataset.files, dataset.failures.length).notes;
 */
export function computeTotals(files: readonly DatasetFile[], failures: number): DatasetTotals {
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

/** Throws with the reason (the decoder adds the file name). */
export type Fail = (reason: string) => never;

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isSeconds = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/**
 * Checks parsed JSON against `DatasetMetadata`: types, ranges, note offsets and the stored totals.
 * Fields that datasets written before groups and tags lack (`sourceTags`, `settings.groupBy`, each
 * file's `group`) are filled in on `parsed` itself, as the format defines their defaults.
 *
 * @param parsed - the JSON metadata block, parsed
 * @param fail - called with the reason when something is wrong; never returns
 * @returns `parsed`, typed
 * @throws whatever `fail` throws (`DatasetFormatError` from `decodeDataset`), its reason starting
 *   with `inconsistent metadata:`
 * @example const metadata = validateMetadata(JSON.parse(text), (reason) => { throw new DatasetFormatError(reason); });
 */
export function validateMetadata(parsed: unknown, fail: Fail): DatasetMetadata {
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
