/**
 * The per-file work of an import, and the worker thread that runs it. Imported on the main thread
 * (inline imports) it only exports `importBatch`; started as a worker by `importCorpus`, it reads
 * batches of files and posts their notes back as transferable typed arrays.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { contentHash } from '../data/content-hash.js';
import type { NoteColumns } from '../data/dataset-format.js';
import { MidiFormatError } from '../errors.js';
import type { NoteColumnsSlot } from '../midi/note-order.js';
import { DEFAULT_MAX_NOTES, readMidiInto } from '../midi/read-midi.js';
import { warmUpFiles } from '../midi/warm-up.js';
import { nativeMidiReader, type NativeMidiReader } from './native-midi.js';

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
  /** Threads the native reader reads a batch's files on, this one among them (default 1). */
  readerThreads?: number;
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
  | { ok: true; hash: string; count: number; durationSeconds: number; bytes: number }
  | { ok: false; reason: string };

/**
 * A file's bytes, or its size when that is over `maxBytes` (then it is not read): one open, one
 * `fstat` and the reads, where `statSync` + `readFileSync` would look the path up twice.
 */
function readWithin(path: string, maxBytes: number): Uint8Array | number {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) return size;
    const bytes = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const got = readSync(fd, bytes, done, size - done, done);
      if (got === 0) break; // shrank while being read: keep what is there
      done += got;
    }
    return done === size ? bytes : bytes.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** The reader's options for an import's settings (always of one shape, for the optimiser). */
function readOptions(settings: FileImportSettings): {
  sustain: boolean;
  includeDrums: boolean;
  maxNotes: number;
} {
  return {
    sustain: settings.sustain,
    includeDrums: settings.includeDrums,
    maxNotes: settings.maxNotes ?? DEFAULT_MAX_NOTES,
  };
}

/** What the native reader made of a batch's files: each loaded file's count of notes, or -1. */
interface NativeReads {
  reader: NativeMidiReader;
  counts: Float64Array;
}

/**
 * A file's notes into `builder`'s reserved rows: those the native reader read (file `k` of its
 * last `readMany`), else by `readMidiInto` (the same notes; it also throws the reader's errors).
 */
function readNotes(
  bytes: Uint8Array,
  settings: FileImportSettings,
  builder: ColumnBuilder,
  native: NativeReads | undefined,
  k: number,
): { count: number; durationSeconds: number } {
  const count = native?.counts[k] ?? -1;
  if (native !== undefined && count >= 0) {
    const slot = builder.reserve(count);
    const durationSeconds = native.reader.takeMany(
      k,
      slot.time,
      slot.duration,
      slot.pitch,
      slot.velocity,
      slot.at,
    );
    return { count, durationSeconds };
  }
  return readMidiInto(bytes, readOptions(settings), (n) => builder.reserve(n));
}

/** A file's bytes, or why they cannot be had (over the size limit, a file-system error). */
function loadFile(path: string, settings: FileImportSettings): Uint8Array | string {
  try {
    const read = readWithin(path, settings.maxFileBytes);
    if (typeof read !== 'number') return read;
    return `file is ${formatMb(read)}, over the ${formatMb(settings.maxFileBytes)} limit`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `cannot read the file (${code ?? (error as Error).message})`;
  }
}

/**
 * Parses one loaded file into `builder` (its notes are committed only when it is kept); never
 * throws.
 */
function importFile(
  bytes: Uint8Array,
  settings: FileImportSettings,
  builder: ColumnBuilder,
  native: NativeReads | undefined,
  k: number,
): FileOutcome {
  try {
    const { count, durationSeconds } = readNotes(bytes, settings, builder, native, k);
    if (count < MIN_NOTES) return { ok: false, reason: `fewer than ${MIN_NOTES} notes (${count})` };
    builder.commit(count);
    const hash = native?.reader.hash(bytes) ?? contentHash(bytes);
    return { ok: true, hash, count, durationSeconds, bytes: bytes.length };
  } catch (error) {
    if (error instanceof MidiFormatError) return { ok: false, reason: error.message };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `unexpected error while reading: ${message}` };
  }
}

/**
 * A batch's note columns: each file's notes are written straight into them (`reserve`, then
 * `commit` when the file is kept); they grow by doubling, from a first guess.
 */
class ColumnBuilder {
  length = 0;
  private columns: NoteColumns;
  /** What `reserve` returns: one object, updated (a new one per file would vary in shape to V8). */
  private readonly slot: NoteColumnsSlot;

  /** @param capacity - rows to start with */
  constructor(capacity: number) {
    this.columns = allocateColumns(Math.max(1024, capacity));
    const { time, duration, pitch, velocity } = this.columns;
    this.slot = { time, duration, pitch, velocity, at: 0 };
  }

  /** Room for `count` more rows after the committed ones. */
  reserve(count: number): NoteColumnsSlot {
    const needed = this.length + count;
    if (needed > this.columns.time.length) {
      const next = allocateColumns(Math.max(needed, 2 * this.columns.time.length));
      next.time.set(this.columns.time.subarray(0, this.length));
      next.duration.set(this.columns.duration.subarray(0, this.length));
      next.pitch.set(this.columns.pitch.subarray(0, this.length));
      next.velocity.set(this.columns.velocity.subarray(0, this.length));
      this.columns = next;
      this.slot.time = next.time;
      this.slot.duration = next.duration;
      this.slot.pitch = next.pitch;
      this.slot.velocity = next.velocity;
    }
    this.slot.at = this.length;
    return this.slot;
  }

  /** Keeps the `count` rows written after the committed ones. */
  commit(count: number): void {
    this.length += count;
  }

  /** Empties the columns, keeping their memory. */
  clear(): this {
    this.length = 0;
    return this;
  }

  /** Views of the `length` committed rows (valid until the columns are cleared or grow). */
  views(): NoteColumns {
    const { time, duration, pitch, velocity } = this.columns;
    return {
      time: time.subarray(0, this.length),
      duration: duration.subarray(0, this.length),
      pitch: pitch.subarray(0, this.length),
      velocity: velocity.subarray(0, this.length),
    };
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
 * @param reuseColumns - read into this thread's reused columns and return views of them, valid
 *   until the next such call (for a caller that copies each batch's notes out at once); else new
 *   columns of exactly the notes, which a worker transfers
 * @returns the imported files with their notes in four typed arrays, and the skipped ones
 * @example
 * importBatch([{ index: 0, path: 'a.mid' }], { sustain: true, includeDrums: false, maxFileBytes: 2 ** 26 });
 */
export function importBatch(
  jobs: readonly ImportJob[],
  settings: FileImportSettings,
  reuseColumns = false,
): BatchResult {
  warmUp(settings);
  const builder = reuseColumns
    ? (reusedBuilder ??= new ColumnBuilder(Math.ceil(lastBatchNotes * 1.25))).clear()
    : new ColumnBuilder(Math.ceil(lastBatchNotes * 1.25));
  const imported: ImportedFile[] = [];
  const skipped: SkippedFile[] = [];
  const reader = nativeMidiReader();
  const options = readOptions(settings);
  for (let next = 0; next < jobs.length;) {
    const group = loadGroup(jobs, next, settings);
    next += group.length;
    const loaded = group.filter((file): file is Uint8Array => typeof file !== 'string');
    const native: NativeReads | undefined =
      reader === null
        ? undefined
        : {
            reader,
            counts: reader.readMany(
              loaded,
              options.includeDrums,
              options.sustain,
              options.maxNotes,
              settings.readerThreads ?? 1,
            ),
          };
    let k = 0;
    group.forEach((file, g) => {
      const { index } = jobs[next - group.length + g]!;
      const offset = builder.length;
      const outcome =
        typeof file === 'string'
          ? { ok: false as const, reason: file }
          : importFile(file, settings, builder, native, k++);
      if (!outcome.ok) {
        skipped.push({ index, reason: outcome.reason });
        return;
      }
      const { hash, count, durationSeconds, bytes } = outcome;
      imported.push({ index, hash, offset, count, durationSeconds, bytes });
    });
  }
  lastBatchNotes = builder.length;
  return { imported, skipped, notes: reuseColumns ? builder.views() : builder.finish() };
}

/**
 * The files from `jobs[from]` on, loaded until READ_GROUP_BYTES (at least one): the native reader
 * then reads them together, on its threads. A file that cannot be loaded is the reason.
 */
function loadGroup(
  jobs: readonly ImportJob[],
  from: number,
  settings: FileImportSettings,
): (Uint8Array | string)[] {
  const group: (Uint8Array | string)[] = [];
  let bytes = 0;
  for (let next = from; next < jobs.length && (group.length === 0 || bytes < READ_GROUP_BYTES); next++) {
    const file = loadFile(jobs[next]!.path, settings);
    group.push(file);
    if (typeof file !== 'string') bytes += file.length;
  }
  return group;
}

/** The columns of `importBatch(…, true)`, reused batch after batch. */
let reusedBuilder: ColumnBuilder | undefined;

/** Bytes of files loaded before the native reader reads them together (bounds a batch's memory). */
const READ_GROUP_BYTES = 8 << 20;

/** Notes in the last batch: the next one's first guess, so that its columns rarely grow. */
let lastBatchNotes = 0;

let warmedUp = false;

/**
 * Reads `warmUpFiles` once per thread, exactly as `importFile` reads a file (a Buffer, into a
 * batch's Float32 columns), so that the optimiser has seen every path before the corpus; not
 * where the native reader runs.
 */
function warmUp(settings: FileImportSettings): void {
  if (warmedUp) return;
  warmedUp = true;
  if (nativeMidiReader() !== null) return; // the native reader needs no warming, and takes nearly every file
  const builder = new ColumnBuilder(4096);
  for (const file of warmUpFiles()) {
    const bytes = Buffer.from(file);
    try {
      readMidiInto(bytes, readOptions(settings), (n) => builder.reserve(n));
    } catch {
      // Over a small --max-notes, say: the real files are what count.
    }
    contentHash(bytes);
  }
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
  warmUp(data.settings);
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}
