import { availableParallelism } from 'node:os';
import { basename, relative, resolve, sep } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import {
  createDataset,
  type Dataset,
  type DatasetFailure,
  type DatasetFile,
  type NoteColumns,
} from '../data/dataset-format.js';
import { checkValidationFraction, DEFAULT_VALIDATION_FRACTION } from '../data/split.js';
import {
  assignSplits,
  DEFAULT_GROUP_RULE,
  defaultSourceTags,
  groupKeyOf,
  type GroupRule,
} from '../data/groups.js';
import { InvalidArgumentError } from '../errors.js';
import { findMidiFiles, MIDI_EXTENSIONS } from './find-midi-files.js';
import {
  importBatch,
  type BatchResult,
  type FileImportSettings,
  type FromWorker,
  type ImportJob,
  type ImportWorkerData,
  type ToWorker,
} from './import-worker.js';

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

interface FoundFile {
  path: string;
  source: number;
  relativePath: string;
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
  const where: { batch: number; kind: 'imported' | 'skipped'; at: number }[] = new Array(found.length);
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

interface Grouping {
  /** One rule per source. */
  rules: GroupRule[];
  /** One tag per source. */
  tags: string[];
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

function assemble(
  found: readonly FoundFile[],
  results: readonly (BatchResult | undefined)[],
  where: readonly { batch: number; kind: 'imported' | 'skipped'; at: number }[],
  roots: readonly string[],
  settings: FileImportSettings,
  grouping: Grouping & { validationFraction: number },
  created: string | undefined,
): Dataset {
  const { rules, tags, validationFraction } = grouping;
  let total = 0;
  for (const result of results) for (const file of result?.imported ?? []) total += file.count;
  const notes: NoteColumns = {
    time: new Float64Array(total),
    duration: new Float32Array(total),
    pitch: new Uint8Array(total),
    velocity: new Uint8Array(total),
  };
  const files: Omit<DatasetFile, 'noteOffset'>[] = [];
  const failures: DatasetFailure[] = [];
  let offset = 0;
  found.forEach((file, index) => {
    const place = where[index];
    const result = place && results[place.batch];
    if (!place || !result) {
      // Cannot happen: every job is answered; kept so that a bug shows as a failure, not a crash.
      failures.push({
        path: file.relativePath,
        source: file.source,
        reason: 'not processed (internal error)',
      });
      return;
    }
    if (place.kind === 'skipped') {
      const skipped = result.skipped[place.at];
      failures.push({ path: file.relativePath, source: file.source, reason: skipped?.reason ?? 'skipped' });
      return;
    }
    const imported = result.imported[place.at];
    if (!imported) return;
    const { offset: from, count } = imported;
    notes.time.set(result.notes.time.subarray(from, from + count), offset);
    notes.duration.set(result.notes.duration.subarray(from, from + count), offset);
    notes.pitch.set(result.notes.pitch.subarray(from, from + count), offset);
    notes.velocity.set(result.notes.velocity.subarray(from, from + count), offset);
    offset += count;
    files.push({
      path: file.relativePath,
      source: file.source,
      hash: imported.hash,
      split: 'train',
      group: groupKeyOf(rules[file.source] as GroupRule, {
        path: file.relativePath,
        hash: imported.hash,
      }),
      noteCount: count,
      durationSeconds: imported.durationSeconds,
      bytes: imported.bytes,
    });
  });
  // Each source is split on its own, so adding a corpus never moves a file of another across.
  for (let source = 0; source < roots.length; source++) {
    const ofSource = files.filter((file) => file.source === source);
    const splits = assignSplits(ofSource, validationFraction);
    ofSource.forEach((file, i) => (file.split = splits[i] ?? 'train'));
  }
  return createDataset({
    created: created ?? new Date().toISOString(),
    sources: [...roots],
    sourceTags: [...tags],
    settings: {
      sustain: settings.sustain,
      includeDrums: settings.includeDrums,
      maxFileBytes: settings.maxFileBytes,
      validationFraction,
      groupBy: [...rules],
    },
    files,
    failures,
    notes,
  });
}

async function runInline(
  jobs: readonly ImportJob[],
  batchSize: number,
  settings: FileImportSettings,
  accept: (result: BatchResult, jobCount: number) => void,
): Promise<void> {
  for (let i = 0; i < jobs.length; i += batchSize) {
    const batch = jobs.slice(i, i + batchSize);
    accept(importBatch(batch, settings), batch.length);
    await yieldToEventLoop(); // let progress output and signals through
  }
}

interface Batch {
  id: number;
  jobs: ImportJob[];
  /** Already retried alone after a crash: a second crash marks the file as failed. */
  isolated: boolean;
}

/** Batches kept in flight per worker, so that none waits for the next message. */
const IN_FLIGHT_PER_WORKER = 2;

/** Runs the jobs on a pool of workers; returns the number of workers that started. */
function runOnWorkers(
  jobs: readonly ImportJob[],
  batchSize: number,
  workerCount: number,
  settings: FileImportSettings,
  accept: (result: BatchResult, jobCount: number) => void,
  warnings: string[],
): Promise<number> {
  return new Promise((resolvePool, rejectPool) => {
    let nextId = 0;
    const queue: Batch[] = [];
    for (let i = 0; i < jobs.length; i += batchSize) {
      queue.push({ id: nextId++, jobs: jobs.slice(i, i + batchSize), isolated: false });
    }
    let pending = queue.length;
    const size = Math.min(workerCount, queue.length);
    let everReady = false;
    let respawnsLeft = 2 * size + 8;
    let finished = false;
    /** Live workers, each with the function that hands it queued batches. */
    const live = new Map<Worker, () => void>();
    const feedAll = (): void => {
      for (const feed of live.values()) feed();
    };
    const workerData: ImportWorkerData = { howlImportWorker: true, settings };

    const finish = (): void => {
      if (finished) return;
      finished = true;
      for (const worker of live.keys()) void worker.terminate();
      resolvePool(everReady ? size : 0);
    };

    const fallBackInline = (why: string): void => {
      warnings.push(
        `worker threads unavailable (${why}); ${countJobs(queue)} files were read on the main thread`,
      );
      const batches = queue.splice(0);
      void (async () => {
        for (const batch of batches) {
          accept(importBatch(batch.jobs, settings), batch.jobs.length);
          pending--;
          await yieldToEventLoop();
        }
        if (pending === 0) finish();
      })().catch(rejectPool);
    };

    const spawn = (): void => {
      let worker: Worker;
      try {
        worker = new Worker(new URL('./import-worker.js', import.meta.url), { workerData });
      } catch (error) {
        onWorkerLost(undefined, new Map(), false, String((error as Error).message ?? error));
        return;
      }
      const inFlight = new Map<number, Batch>();
      let ready = false;
      const feed = (): void => {
        while (ready && inFlight.size < IN_FLIGHT_PER_WORKER && queue.length > 0) {
          const batch = queue.shift() as Batch;
          inFlight.set(batch.id, batch);
          worker.postMessage({ type: 'batch', id: batch.id, jobs: batch.jobs } satisfies ToWorker);
        }
      };
      live.set(worker, feed);
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          ready = true;
          everReady = true;
          feed();
          return;
        }
        const batch = inFlight.get(message.id);
        if (!batch) return;
        inFlight.delete(message.id);
        accept(message.result, batch.jobs.length);
        pending--;
        if (pending === 0) finish();
        else feed();
      });
      let lost = false;
      const lose = (why: string): void => {
        if (lost || finished) return;
        lost = true;
        live.delete(worker);
        void worker.terminate();
        onWorkerLost(worker, inFlight, ready, why);
      };
      worker.on('error', (error) => lose(error.message));
      worker.on('exit', (code) => lose(`exit code ${code}`));
    };

    const onWorkerLost = (
      _worker: Worker | undefined,
      inFlight: Map<number, Batch>,
      wasReady: boolean,
      why: string,
    ): void => {
      if (!wasReady && !everReady) {
        // It never started: put its work back; when no worker is left, read inline.
        queue.unshift(...inFlight.values());
        if (live.size === 0) fallBackInline(why);
        return;
      }
      const lostBatches = [...inFlight.values()];
      const lostFiles = countJobs(lostBatches);
      if (lostFiles > 0)
        warnings.push(
          `an import worker crashed (${why}) while reading ${lostFiles} files; they were retried one by one`,
        );
      for (const batch of lostBatches) {
        if (batch.isolated) {
          const job = batch.jobs[0] as ImportJob;
          accept(
            {
              imported: [],
              skipped: [{ index: job.index, reason: `the import worker crashed on this file (${why})` }],
              notes: emptyColumns(),
            },
            1,
          );
          pending--;
        } else {
          pending += batch.jobs.length - 1;
          for (const job of batch.jobs) queue.unshift({ id: nextId++, jobs: [job], isolated: true });
        }
      }
      if (pending === 0) return finish();
      if (respawnsLeft-- > 0) spawn();
      else if (live.size === 0) fallBackInline(`workers kept crashing: ${why}`);
      feedAll();
    };

    if (queue.length === 0) return finish();
    for (let i = 0; i < size; i++) spawn();
  });
}

function countJobs(batches: readonly Batch[]): number {
  return batches.reduce((sum, batch) => sum + batch.jobs.length, 0);
}

function emptyColumns(): NoteColumns {
  return {
    time: new Float64Array(0),
    duration: new Float32Array(0),
    pitch: new Uint8Array(0),
    velocity: new Uint8Array(0),
  };
}
