import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { NoteColumns } from '../data/dataset-format.js';
import {
  importBatch,
  type BatchResult,
  type FileImportSettings,
  type FromWorker,
  type ImportJob,
  type ImportWorkerData,
  type ToWorker,
} from './import-worker.js';

/**
 * How `importCorpus` reads its files: batch by batch on the calling thread (`runInline`), or on a
 * pool of worker threads that loses no file when one crashes (`runOnWorkers`). Either way each
 * batch's result goes to `accept` as it arrives, in no fixed order; `importCorpus` puts the files
 * back in order when it assembles the dataset.
 */

/** Receives one batch's result and the number of files the batch held. */
export type AcceptBatch = (result: BatchResult, jobCount: number) => void;

/**
 * Reads the jobs on the calling thread, `batchSize` files at a time, yielding to the event loop
 * between batches.
 *
 * @param jobs - the files, each with its index in the import
 * @param batchSize - files per batch (>= 1)
 * @param settings - how each file is read
 * @param accept - receives each batch's result
 * @example await runInline(jobs, 32, settings, accept);
 */
export async function runInline(
  jobs: readonly ImportJob[],
  batchSize: number,
  settings: FileImportSettings,
  accept: AcceptBatch,
): Promise<void> {
  for (let i = 0; i < jobs.length; i += batchSize) {
    const batch = jobs.slice(i, i + batchSize);
    // In order, so each batch's notes are copied out before the next: its columns are reused.
    accept(importBatch(batch, settings, true), batch.length);
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
const IN_FLIGHT_PER_WORKER = 3;

/**
 * Runs the jobs on a pool of workers, and with `mainThreadReads` on this thread too (between
 * batches it yields, so that the workers' messages get through): on 2 cores, one worker and this
 * thread read at once, and one worker fewer starts. A crashed worker loses nothing: its files are
 * retried one per batch on a new worker (never on this thread), and a file that crashes a worker on
 * its own is accepted as skipped; if workers cannot start at all, the files are read on this thread
 * (each case warned in `warnings`).
 *
 * @param jobs - the files, each with its index in the import
 * @param batchSize - files per batch (>= 1)
 * @param workerCount - workers to start (>= 1; no more than there are batches)
 * @param settings - how each file is read
 * @param accept - receives each batch's result
 * @param warnings - receives a line per crash or fallback
 * @param mainThreadReads - whether this thread reads batches too
 * @returns the number of workers that started (0 when none did)
 * @example const workers = await runOnWorkers(jobs, 8, 2, settings, accept, warnings, false);
 */
export function runOnWorkers(
  jobs: readonly ImportJob[],
  batchSize: number,
  workerCount: number,
  settings: FileImportSettings,
  accept: AcceptBatch,
  warnings: string[],
  mainThreadReads = false,
): Promise<number> {
  return new Promise((resolvePool, rejectPool) => {
    const pool = new WorkerPool(jobs, batchSize, workerCount, {
      settings,
      accept,
      warnings,
      resolve: resolvePool,
      reject: rejectPool,
    });
    pool.start(mainThreadReads);
  });
}

/** What a `WorkerPool` reports to, and how it reads files. */
interface PoolHooks {
  readonly settings: FileImportSettings;
  readonly accept: AcceptBatch;
  readonly warnings: string[];
  /** Called once, with the number of workers that started, when every file is accepted. */
  readonly resolve: (workers: number) => void;
  readonly reject: (error: unknown) => void;
}

/** The state of one `runOnWorkers` call: the queue of batches, the live workers, the files left. */
class WorkerPool {
  private nextId = 0;
  private readonly queue: Batch[] = [];
  /** Batches not yet accepted. */
  private pending: number;
  private readonly size: number;
  private everReady = false;
  private respawnsLeft: number;
  private finished = false;
  /** Live workers, each with the function that hands it queued batches. */
  private readonly live = new Map<Worker, () => void>();
  private readonly workerData: ImportWorkerData;
  private readonly hooks: PoolHooks;
  /** Files read on this thread, and why workers could not read them (for the warning). */
  private mainThreadFiles = 0;
  private fallbackReason: string | undefined;

  constructor(jobs: readonly ImportJob[], batchSize: number, workerCount: number, hooks: PoolHooks) {
    for (let i = 0; i < jobs.length; i += batchSize) {
      this.queue.push({ id: this.nextId++, jobs: jobs.slice(i, i + batchSize), isolated: false });
    }
    this.pending = this.queue.length;
    this.size = Math.min(workerCount, this.queue.length);
    this.respawnsLeft = 2 * this.size + 8;
    this.workerData = { howlImportWorker: true, settings: hooks.settings };
    this.hooks = hooks;
  }

  start(mainThreadReads: boolean): void {
    if (this.queue.length === 0) return this.finish();
    for (let i = 0; i < this.size; i++) this.spawn();
    if (mainThreadReads) this.readOnMainThread().catch(this.hooks.reject);
  }

  /** Reads queued batches on this thread until none is left (crash suspects are left to workers). */
  private async readOnMainThread(): Promise<void> {
    while (!this.finished) {
      await yieldToEventLoop(); // the workers' messages first
      const at = this.queue.findIndex((batch) => !batch.isolated);
      if (at < 0) return;
      this.readInline(this.queue.splice(at, 1)[0] as Batch);
    }
  }

  private readInline(batch: Batch): void {
    this.hooks.accept(importBatch(batch.jobs, this.hooks.settings), batch.jobs.length);
    this.mainThreadFiles += batch.jobs.length;
    this.pending--;
    if (this.pending === 0) this.finish();
  }

  private feedAll(): void {
    for (const feed of this.live.values()) feed();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const worker of this.live.keys()) void worker.terminate();
    if (this.fallbackReason !== undefined) {
      this.hooks.warnings.push(
        `worker threads unavailable (${this.fallbackReason}); ${this.mainThreadFiles} files were read on the main thread`,
      );
    }
    this.hooks.resolve(this.everReady ? this.size : 0);
  }

  private fallBackInline(why: string): void {
    this.fallbackReason ??= why;
    const batches = this.queue.splice(0);
    void (async () => {
      for (const batch of batches) {
        this.readInline(batch);
        await yieldToEventLoop();
      }
    })().catch(this.hooks.reject);
  }

  private spawn(): void {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./import-worker.js', import.meta.url), { workerData: this.workerData });
    } catch (error) {
      this.onWorkerLost(new Map(), false, String((error as Error).message ?? error));
      return;
    }
    const inFlight = new Map<number, Batch>();
    let ready = false;
    const feed = (): void => {
      while (ready && inFlight.size < IN_FLIGHT_PER_WORKER && this.queue.length > 0) {
        const batch = this.queue.shift() as Batch;
        inFlight.set(batch.id, batch);
        worker.postMessage({ type: 'batch', id: batch.id, jobs: batch.jobs } satisfies ToWorker);
      }
    };
    this.live.set(worker, feed);
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') {
        ready = true;
        this.everReady = true;
        feed();
        return;
      }
      const batch = inFlight.get(message.id);
      if (!batch) return;
      inFlight.delete(message.id);
      this.hooks.accept(message.result, batch.jobs.length);
      this.pending--;
      if (this.pending === 0) this.finish();
      else feed();
    });
    let lost = false;
    const lose = (why: string): void => {
      if (lost || this.finished) return;
      lost = true;
      this.live.delete(worker);
      void worker.terminate();
      this.onWorkerLost(inFlight, ready, why);
    };
    worker.on('error', (error) => lose(error.message));
    worker.on('exit', (code) => lose(`exit code ${code}`));
  }

  private onWorkerLost(inFlight: Map<number, Batch>, wasReady: boolean, why: string): void {
    if (!wasReady && !this.everReady) {
      // It never started: put its work back; when no worker is left, read inline.
      this.queue.unshift(...inFlight.values());
      if (this.live.size === 0) this.fallBackInline(why);
      return;
    }
    const lostBatches = [...inFlight.values()];
    const lostFiles = countJobs(lostBatches);
    if (lostFiles > 0)
      this.hooks.warnings.push(
        `an import worker crashed (${why}) while reading ${lostFiles} files; they were retried one by one`,
      );
    for (const batch of lostBatches) {
      if (batch.isolated) {
        const job = batch.jobs[0] as ImportJob;
        this.hooks.accept(
          {
            imported: [],
            skipped: [{ index: job.index, reason: `the import worker crashed on this file (${why})` }],
            notes: emptyColumns(),
          },
          1,
        );
        this.pending--;
      } else {
        this.pending += batch.jobs.length - 1;
        for (const job of batch.jobs) this.queue.unshift({ id: this.nextId++, jobs: [job], isolated: true });
      }
    }
    if (this.pending === 0) return this.finish();
    if (this.respawnsLeft-- > 0) this.spawn();
    else if (this.live.size === 0) this.fallBackInline(`workers kept crashing: ${why}`);
    this.feedAll();
  }
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
