import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, relative, resolve, sep } from 'node:path';
import { DATASET_FORMAT_VERSION, type Dataset, type DatasetMetadata } from '../data/dataset-format.js';
import { checkValidationFraction, DEFAULT_VALIDATION_FRACTION } from '../data/split.js';
import { DEFAULT_GROUP_RULE, defaultSourceTags, type GroupRule } from '../data/groups.js';
import { InvalidArgumentError } from '../errors.js';
import { findMidiFiles, MIDI_EXTENSIONS } from './find-midi-files.js';
import {
  buildMetadata,
  FileOrder,
  FileRecords,
  type FileOutcome,
  type FoundFile,
  type Grouping,
} from './import-assemble.js';
import { ColumnStore } from './import-columns.js';
import { runInline, runOnWorkers } from './import-pool.js';
import type { BatchResult, FileImportSettings, ImportJob } from './import-worker.js';

/** Default size limit: larger files are skipped unread. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 2 ** 20;

/** Progress of an import, reported after each batch of files. */
export interface ImportProgress {
  /** Files read so far (imported or skipped). */
  filesDone: number;
  /** Files found. */
  filesTotal: number;
  /** Notes imported so far. */
  notes: number;
}

/** Options for `importCorpus`. */
export interface ImportOptions {
  /**
   * Worker threads. 0 reads every file on the calling thread ("inline"), as does a pool whose workers
   * cannot start (reported in `warnings`). N > 0 starts N workers, and the calling thread reads
   * too when N leaves a core free. By default: inline for a small corpus (`AUTO_INLINE_MAX_FILES`
   * files, or `AUTO_WORKERS_MIN_BYTES`), else the calling thread and one worker per other core
   * (`os.availableParallelism() - 1`).
   */
  workers?: number;
  /** Apply the sustain pedal (default true; false = raw note-offs). */
  sustain?: boolean;
  /** Keep channel 10 drums (default false). */
  includeDrums?: boolean;
  /** Share of files held out, by group (default 0.1). */
  validationFraction?: number;
  /** How files are grouped for the split: one rule for every source, or one per source (default `file`). */
  groupBy?: GroupRule | readonly GroupRule[];
  /** A short name per source (default: `defaultSourceTags`, the shortest distinct path suffixes). */
  sourceTags?: readonly string[];
  /** Skip files larger than this many bytes (default 64 MB). */
  maxFileBytes?: number;
  /** Skip files with more notes than this (default `DEFAULT_MAX_NOTES`, 2,000,000; see `readMidi`). */
  maxNotes?: number;
  /** Files per message to a worker (default: chosen from the file count, at most 32). */
  batchSize?: number;
  /** Called after each batch of files. */
  onProgress?: (progress: ImportProgress) => void;
  /** The dataset's `created` stamp (default: now, ISO 8601). */
  created?: string;
}

/** Up to this many files, the default import reads on the calling thread alone, whatever their size. */
export const AUTO_INLINE_MAX_FILES = 64;

/**
 * Below this many bytes of MIDI (estimated from a sample of the files' sizes), the default import
 * reads on the calling thread alone; above it, on the calling thread and one worker per other core.
 * With the TypeScript reader a worker costs about 0.3 s of CPU before it reads at full speed
 * (starting, then running cold code while V8 optimises it again, in its own isolate), which pays
 * back only on a corpus that takes this thread over half a second, about 25 MB: on 2 cores
 * piano-midi-de (8 MB) imports faster on one thread, ASAP (46 MB) faster on two
 * (bench/import-scale.js). With the native reader (`native-midi.ts`) a worker costs only its
 * start, but piano-midi-de is read by this thread in about as long as a worker takes to start, so
 * the threshold stands.
 */
export const AUTO_WORKERS_MIN_BYTES = 24 << 20;

/** What `importCorpus` returns. */
export interface ImportResult {
  dataset: Dataset;
  /** Wall time of the whole import, seconds (finding files included). */
  elapsedSeconds: number;
  /** Worker threads that took part (0 = inline). */
  workers: number;
  /** Whether the calling thread read files too. */
  mainThreadReads: boolean;
  /** Things that went wrong with the machinery but lost no file: worker crashes, fallbacks. */
  warnings: string[];
}

/**
 * Imports every MIDI file below some folders into a `Dataset`, in parallel on worker threads.
 *
 * Files are found with `findMidiFiles` and kept in that order (sources in the order given, paths
 * sorted within each), so the dataset is the same whatever the number of workers. Each file is read
 * with `readMidi` (sustain on unless `sustain: false`); a file that cannot be read, is over
 * `maxFileBytes`, holds more than `maxNotes` notes or has fewer than 2 notes is listed in `failures` with the reason, never fatal.
 * Each file's split comes from its group (`groupBy`, by default the hash of its bytes alone) through
 * `assignSplits`, source by source: no group straddles the split, each source's held-out share
 * matches the fraction as closely as whole groups allow, and adding a source moves no other file. A crashed worker loses nothing:
 * its files are retried one per batch on a new worker, and a file that crashes a worker on its own
 * is recorded as a failure; if workers cannot start at all, files are read on this thread.
 *
 * The whole dataset is held in memory; `importCorpusToFile` (what `howl import` runs) writes the
 * same dataset file with memory that does not grow with the notes.
 *
 * @param sources - folders (or single MIDI files) to import
 * @param options - see `ImportOptions`
 * @returns the dataset, the elapsed time, the number of workers and any warnings
 * @throws InvalidArgumentError if a source is missing or unreadable, no MIDI file is found, or an
 *   option is out of range
 * @example
 * const { dataset } = await importCorpus(['midis'], { workers: 2 });
 * await writeFileAtomic('data/midis.howl', encodeDataset(dataset));
 */
export async function importCorpus(
  sources: readonly string[],
  options: ImportOptions = {},
): Promise<ImportResult> {
  const started = performance.now();
  const store = new ColumnStore(Number.POSITIVE_INFINITY, undefined);
  const run = await runImport(sources, options, store);
  const dataset: Dataset = {
    formatVersion: DATASET_FORMAT_VERSION,
    ...run.metadata,
    notes: store.toColumns(),
  };
  const { workers, mainThreadReads, warnings } = run;
  return {
    dataset,
    elapsedSeconds: (performance.now() - started) / 1000,
    workers,
    mainThreadReads,
    warnings,
  };
}

/** What `runImport` gives back: the metadata (its notes went to the column store). */
export interface ImportRun {
  metadata: DatasetMetadata;
  /** Worker threads that took part (0 = inline). */
  workers: number;
  /** Whether this thread read files too. */
  mainThreadReads: boolean;
  /** Things that went wrong with the machinery but lost no file. */
  warnings: string[];
}

/**
 * The import itself: options checked, files found, read inline or on workers, each file's notes
 * appended to `store` in import order as soon as every file before it is done, its entry recorded;
 * then the metadata. Shared by `importCorpus` and `importCorpusToFile`.
 *
 * @param sources - folders (or single MIDI files)
 * @param options - see `ImportOptions`
 * @param store - receives the notes, in import order
 * @returns the metadata, the workers used and any warnings
 * @throws InvalidArgumentError as `importCorpus`; the store's error if it cannot take the notes
 */
export async function runImport(
  sources: readonly string[],
  options: ImportOptions,
  store: ColumnStore,
): Promise<ImportRun> {
  const settings: FileImportSettings = {
    sustain: options.sustain ?? true,
    includeDrums: options.includeDrums ?? false,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    ...(options.maxNotes === undefined ? {} : { maxNotes: options.maxNotes }),
  };
  const validationFraction = options.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  checkOptions(sources, options, settings, validationFraction);
  const grouping = groupingOf(sources, options);

  const roots = sources.map((source) => resolve(source));
  const found = await findAll(sources, roots);
  if (found.length === 0) {
    throw new InvalidArgumentError(
      `no MIDI files (${MIDI_EXTENSIONS.join(', ')}) found in ${sources.join(', ')}`,
    );
  }
  const { workerCount, mainThreadReads } = readersFor(found, options.workers);
  // Read on this thread alone, the native reader reads each batch on every core; beside workers, on one.
  settings.readerThreads = workerCount === 0 ? Math.min(16, availableParallelism()) : 1;

  const records = new FileRecords(grouping.rules);
  let failed: { error: unknown } | undefined;
  const order = new FileOrder(found.length, (index, outcome: FileOutcome) => {
    records.add(found[index] as FoundFile, outcome);
    if (outcome.kind === 'imported' && !failed) {
      try {
        store.append(outcome.result.notes, outcome.file.offset, outcome.file.count);
      } catch (error) {
        failed = { error }; // a full disk under the spill file: reported when the reading ends
      }
    }
  });
  let filesDone = 0;
  let notesDone = 0;
  const accept = (result: BatchResult, jobCount: number): void => {
    order.accept(result);
    filesDone += jobCount;
    for (const file of result.imported) notesDone += file.count;
    options.onProgress?.({ filesDone, filesTotal: found.length, notes: notesDone });
  };

  const jobs: ImportJob[] = found.map((file, index) => ({ index, path: file.path }));
  const threads = Math.max(1, workerCount + (mainThreadReads ? 1 : 0));
  const batchSize = options.batchSize ?? Math.max(1, Math.min(32, Math.ceil(jobs.length / (threads * 8))));
  const warnings: string[] = [];
  let workersUsed = 0;
  if (workerCount === 0) {
    await runInline(jobs, batchSize, settings, accept);
  } else {
    workersUsed = await runOnWorkers(
      jobs,
      batchSize,
      workerCount,
      settings,
      accept,
      warnings,
      mainThreadReads,
    );
  }
  order.finish();
  if (failed) throw failed.error;
  // The lists of paths are done with: let them go before the metadata is built and encoded.
  found.length = 0;
  jobs.length = 0;
  const metadata = buildMetadata(
    records,
    roots,
    settings,
    { ...grouping, validationFraction },
    options.created,
  );
  return {
    metadata,
    workers: workersUsed,
    mainThreadReads: workerCount === 0 || mainThreadReads || workersUsed === 0,
    warnings,
  };
}

/**
 * Who reads the files: `workers` threads when given (this thread too when that leaves a core
 * free); by default this thread alone for a small corpus (`AUTO_INLINE_MAX_FILES`,
 * `AUTO_WORKERS_MIN_BYTES`), and otherwise this thread and one worker per other core.
 */
function readersFor(
  found: readonly FoundFile[],
  workers: number | undefined,
): { workerCount: number; mainThreadReads: boolean } {
  const cores = availableParallelism();
  if (workers !== undefined) return { workerCount: workers, mainThreadReads: workers > 0 && workers < cores };
  if (found.length <= AUTO_INLINE_MAX_FILES || cores < 2 || estimatedBytes(found) < AUTO_WORKERS_MIN_BYTES) {
    return { workerCount: 0, mainThreadReads: true };
  }
  return { workerCount: cores - 1, mainThreadReads: true };
}

/** The corpus's size, from the sizes of up to 32 files spread over the list (32 `stat` calls). */
function estimatedBytes(found: readonly FoundFile[]): number {
  const samples = Math.min(32, found.length);
  let bytes = 0;
  let seen = 0;
  for (let k = 0; k < samples; k++) {
    const file = found[Math.floor(((k + 0.5) * found.length) / samples)] as FoundFile;
    try {
      bytes += statSync(file.path).size;
      seen++;
    } catch {
      // Unreadable: its reader will say so.
    }
  }
  return seen === 0 ? 0 : (bytes / seen) * found.length;
}

function checkOptions(
  sources: readonly string[],
  options: ImportOptions,
  settings: FileImportSettings,
  validationFraction: number,
): void {
  checkValidationFraction(validationFraction);
  if (!(settings.maxFileBytes > 0)) {
    throw new InvalidArgumentError(
      `maximum file size ${String(settings.maxFileBytes)} bytes is not positive`,
    );
  }
  if (options.maxNotes !== undefined && !(options.maxNotes >= 1)) {
    throw new InvalidArgumentError(`maximum note count ${String(options.maxNotes)} is not at least 1`);
  }
  if (options.workers !== undefined && (!Number.isSafeInteger(options.workers) || options.workers < 0)) {
    throw new InvalidArgumentError(`worker count ${String(options.workers)} is not a non-negative integer`);
  }
  if (sources.length === 0) throw new InvalidArgumentError('no folder to import');
}

function groupingOf(sources: readonly string[], options: ImportOptions): Grouping {
  const given = options.groupBy ?? DEFAULT_GROUP_RULE;
  const rules = typeof given === 'string' ? sources.map(() => given) : [...given];
  if (rules.length !== sources.length) {
    throw new InvalidArgumentError(
      `${rules.length} group rules for ${sources.length} folders: give one rule, or one per folder`,
    );
  }
  const tags = options.sourceTags
    ? [...options.sourceTags]
    : defaultSourceTags(sources.map((s) => resolve(s)));
  if (tags.length !== sources.length) {
    throw new InvalidArgumentError(`${tags.length} tags for ${sources.length} folders: give one per folder`);
  }
  const duplicate = tags.find((tag, i) => tags.indexOf(tag) !== i);
  if (duplicate !== undefined) throw new InvalidArgumentError(`tag "${duplicate}" is given to two folders`);
  return { rules, tags };
}

async function findAll(sources: readonly string[], roots: readonly string[]): Promise<FoundFile[]> {
  const seen = new Set<string>();
  const found: FoundFile[] = [];
  for (let source = 0; source < sources.length; source++) {
    const root = roots[source] as string;
    for (const path of await findMidiFiles(sources[source] as string)) {
      if (seen.has(path)) continue; // the same file under two sources: import it once
      seen.add(path);
      const relativePath = path === root ? basename(path) : relative(root, path).split(sep).join('/');
      found.push({ path, source, relativePath });
    }
  }
  return found;
}
