/**
 * The per-file work of an import, and the worker thread that runs it. Imported on the main thread
 * (inline imports) it only exports `importBatch`; started as a worker by `importCorpus`, it reads
 * batches of files and posts their notes back as transferable typed arrays.
 */
import { readFileSync, statSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { contentHash } from '../data/content-hash.js';
import type { NoteColumns } from '../data/dataset-format.js';
import { MidiFormatError } from '../errors.js';
import { readMidiColumns, type NoteColumnsF64 } from '../midi/read-midi.js';

/** How every file of an import is read. */
export interface FileImportSettings {
  /** Apply the sustain pedal. */
  sustain: boolean;
  /** Keep channel 10 drums. */
  includeDrums: boolean;
  /** Larger files are skipped without being read. */
  maxFileBytes: number;
  /** Files with more notes are skipped (default: `readMidi`'s, 2,000,000). */
  maxNotes?: number;
}

/** One file to import: its position in the sorted file list, and its path. */
export interface ImportJob {
  index: number;
  path: string;
}

/** A file that was imported; its notes are `count` rows from `offset` of the batch's columns. */
export interface ImportedFile {
  index: number;
  hash: string;
  offset: number;
  count: number;
  durationSeconds: number;
  bytes: number;
}

/** A file that was skipped, and why. */
export interface SkippedFile {
  index: number;
  reason: string;
}

/** What one batch gives back: the files in job order, their notes concatenated in `notes`. */
export interface BatchResult {
  imported: ImportedFile[];
  skipped: SkippedFile[];
  notes: NoteColumns;
}

/** Messages between `importCorpus` and a worker. */
export type ToWorker = { type: 'batch'; id: number; jobs: ImportJob[] };
/** Messages from a worker to `importCorpus`. */
export type FromWorker = { type: 'ready' } | { type: 'result'; id: number; result: BatchResult };

/** `workerData` of an import worker. */
export interface ImportWorkerData {
  howlImportWorker: true;
  settings: FileImportSettings;
}

/** Minimum notes for a file to be kept, as in the original (docs/original-system.md §1). */
export const MIN_NOTES = 2;

const formatMb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

type FileOutcome =
  | { ok: true; hash: string; notes: NoteColumnsF64; durationSeconds: number; bytes: number }
  | { ok: false; reason: string };

/** Reads and parses one file; never throws. */
function importFile(path: string, settings: FileImportSettings): FileOutcome {
  let bytes: Uint8Array;
  try {
    const size = statSync(path).size;
    if (size > settings.maxFileBytes) {
      return {
        ok: false,
        reason: `file is ${formatMb(size)}, over the ${formatMb(settings.maxFileBytes)} limit`,
      };
    }
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: `cannot read the file (${code ?? (error as Error).message})` };
  }
  try {
    const score = readMidiColumns(bytes, {
      sustain: settings.sustain,
      includeDrums: settings.includeDrums,
      ...(settings.maxNotes === undefined ? {} : { maxNotes: settings.maxNotes }),
    });
    const count = score.notes.time.length;
    if (count < MIN_NOTES) return { ok: false, reason: `fewer than ${MIN_NOTES} notes (${count})` };
    return {
      ok: true,
      hash: contentHash(bytes),
      notes: score.notes,
      durationSeconds: score.durationSeconds,
      bytes: bytes.length,
    };
  } catch (error) {
    if (error instanceof MidiFormatError) return { ok: false, reason: error.message };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `unexpected error while reading: ${message}` };
  }
}

/** Note columns that grow by doubling, so that a batch's `Note` objects can be dropped at once. */
class ColumnBuilder {
  length = 0;
  private columns: NoteColumns = allocateColumns(4096);

  append(notes: NoteColumnsF64): void {
    const added = notes.time.length;
    const needed = this.length + added;
    if (needed > this.columns.time.length) {
      const next = allocateColumns(Math.max(needed, 2 * this.columns.time.length));
      next.time.set(this.columns.time.subarray(0, this.length));
      next.duration.set(this.columns.duration.subarray(0, this.length));
      next.pitch.set(this.columns.pitch.subarray(0, this.length));
      next.velocity.set(this.columns.velocity.subarray(0, this.length));
      this.columns = next;
    }
    const { time, duration, pitch, velocity } = this.columns;
    const at = this.length;
    time.set(notes.time, at);
    duration.set(notes.duration, at);
    pitch.set(notes.pitch, at);
    velocity.set(notes.velocity, at);
    this.length = needed;
  }

  /** Columns of exactly `length` rows (copies, so that the transferred buffers hold no slack). */
  finish(): NoteColumns {
    const { time, duration, pitch, velocity } = this.columns;
    return {
      time: time.slice(0, this.length),
      duration: duration.slice(0, this.length),
      pitch: pitch.slice(0, this.length),
      velocity: velocity.slice(0, this.length),
    };
  }
}

function allocateColumns(capacity: number): NoteColumns {
  return {
    time: new Float64Array(capacity),
    duration: new Float32Array(capacity),
    pitch: new Uint8Array(capacity),
    velocity: new Uint8Array(capacity),
  };
}

/**
 * Imports a batch of files: reads each one (skipping those over the size limit), hashes its bytes
 * and reads its notes with `readMidi`. Never throws: an unreadable file, a `readMidi` error or a
 * file with fewer than 2 notes becomes a `SkippedFile` with the reason. Each file's notes are
 * copied into the columns as soon as it is read, so memory stays small.
 *
 * @param jobs - the files, with their indices
 * @param settings - reader options and the size limit
 * @returns the imported files with their notes in four typed arrays, and the skipped ones
 * @example
 * importBatch([{ index: 0, path: 'a.mid' }], { sustain: true, includeDrums: false, maxFileBytes: 2 ** 26 });
 */
export function importBatch(jobs: readonly ImportJob[], settings: FileImportSettings): BatchResult {
  const builder = new ColumnBuilder();
  const imported: ImportedFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const { index, path } of jobs) {
    const outcome = importFile(path, settings);
    if (!outcome.ok) {
      skipped.push({ index, reason: outcome.reason });
      continue;
    }
    const offset = builder.length;
    builder.append(outcome.notes);
    imported.push({
      index,
      hash: outcome.hash,
      offset,
      count: outcome.notes.time.length,
      durationSeconds: outcome.durationSeconds,
      bytes: outcome.bytes,
    });
  }
  return { imported, skipped, notes: builder.finish() };
}

/** The buffers to transfer (not copy) when posting a batch result. */
export function transferList(result: BatchResult): ArrayBuffer[] {
  const { time, duration, pitch, velocity } = result.notes;
  return [time.buffer, duration.buffer, pitch.buffer, velocity.buffer] as ArrayBuffer[];
}

/** Environment variable, for tests only: a worker that meets a path containing it exits (a crash). */
export const CRASH_TEST_ENV = 'HOWL_TEST_IMPORT_WORKER_CRASH_ON';

const data = workerData as ImportWorkerData | undefined;
if (!isMainThread && parentPort && data?.howlImportWorker === true) {
  const port = parentPort;
  const crashOn = process.env[CRASH_TEST_ENV];
  port.on('message', (message: ToWorker) => {
    if (crashOn && message.jobs.some((job) => job.path.includes(crashOn))) process.exit(70);
    const result = importBatch(message.jobs, data.settings);
    const reply: FromWorker = { type: 'result', id: message.id, result };
    port.postMessage(reply, transferList(result));
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}
