import { availableParallelism } from 'node:os';
import { basename, relative, resolve, sep } from 'node:path';
import type { Dataset } from '../data/dataset-format.js';
import { checkValidationFraction, DEFAULT_VALIDATION_FRACTION } from '../data/split.js';
import { DEFAULT_GROUP_RULE, defaultSourceTags, type GroupRule } from '../data/groups.js';
import { InvalidArgumentError } from '../errors.js';
import { findMidiFiles, MIDI_EXTENSIONS } from './find-midi-files.js';
import { assemble, type FoundFile, type Grouping, type ResultPlace } from './import-assemble.js';
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
   * cannot start (reported in `warnings`). By default: inline for up to `AUTO_INLINE_MAX_FILES`
   * files, else `os.availableParallelism()` workers.
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

/**
 * Up to this many files, the default import runs on the calling thread. Each worker thread starts
 * with cold (unoptimised) code and costs ~0.1-0.3 s before it runs at full speed, which a small
 * corpus never pays back: on 2 cores, piano-midi-de (337 files) imports in ~0.5 s inline against
 * ~0.65 s on 2 workers, while ten copies of it (3,370 files) take ~4.9 s inline against ~2.9 s on
 * 2 workers (bench/import.js; crossover near 600 files).
 */
export const AUTO_INLINE_MAX_FILES = 600;

/** What `importCorpus` returns. */
export interface ImportResult {
  dataset: Dataset;
  /** Wall time of the whole import, seconds (finding files included). */
  elapsedSeconds: number;
  /** Worker threads that took part (0 = inline). */
  workers: number;
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
  const settings: FileImportSettings = {
    sustain: options.sustain ?? true,
    includeDrums: options.includeDrums ?? false,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    ...(options.maxNotes === undefined ? {} : { maxNotes: options.maxNotes }),
  };
  const validationFraction = options.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
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
  const grouping = groupingOf(sources, options);

  const roots = sources.map((source) => resolve(source));
  const found = await findAll(sources, roots);
  if (found.length === 0) {
    throw new InvalidArgumentError(
      `no MIDI files (${MIDI_EXTENSIONS.join(', ')}) found in ${sources.join(', ')}`,
    );
  }
  const workerCount = options.workers ?? (found.length <= AUTO_INLINE_MAX_FILES ? 0 : availableParallelism());

  const results: (BatchResult | undefined)[] = [];
  const where: ResultPlace[] = new Array(found.length);
  let filesDone = 0;
  let notesDone = 0;
  const accept = (result: BatchResult, jobCount: number): void => {
    const batch = results.push(result) - 1;
    result.imported.forEach((file, at) => (where[file.index] = { batch, kind: 'imported', at }));
    result.skipped.forEach((file, at) => (where[file.index] = { batch, kind: 'skipped', at }));
    filesDone += jobCount;
    for (const file of result.imported) notesDone += file.count;
    options.onProgress?.({ filesDone, filesTotal: found.length, notes: notesDone });
  };

  const jobs: ImportJob[] = found.map((file, index) => ({ index, path: file.path }));
  const batchSize =
    options.batchSize ?? Math.max(1, Math.min(32, Math.ceil(jobs.length / (Math.max(1, workerCount) * 8))));
  const warnings: string[] = [];
  let workersUsed = 0;
  if (workerCount === 0) {
    await runInline(jobs, batchSize, settings, accept);
  } else {
    workersUsed = await runOnWorkers(jobs, batchSize, workerCount, settings, accept, warnings);
  }

  const dataset = assemble(
    found,
    results,
    where,
    roots,
    settings,
    { ...grouping, validationFraction },
    options.created,
  );
  return { dataset, elapsedSeconds: (performance.now() - started) / 1000, workers: workersUsed, warnings };
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
