import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HowlError, InvalidArgumentError } from '../errors.js';
import type { BackendName } from '../model/kernels/backend.js';
import type { ModelConfig } from '../model/config.js';
import type { GradientPass, GradientWorkerPool, PassGradient } from '../train/pass-gradient.js';
import type {
  FromGradientWorker,
  GradientWorkerData,
  PackedPass,
  PackedResult,
  ToGradientWorker,
} from './gradient-worker.js';

/**
 * Data-parallel training on worker threads: a `GradientWorkerPool` for `train` whose threads each hold
 * a copy of the model on their own TensorFlow.js backend. Each step the calling thread writes the
 * current weights into one `SharedArrayBuffer`, deals the step's micro-batches out round-robin, and
 * each thread writes each of its micro-batches' weighted gradient into that micro-batch's slot of a
 * second one (nothing is copied through messages or allocated per step); the trainer adds them in
 * order, clips, and applies Adam as on one thread.
 */

/** A gradient worker failed (crashed, ran out of memory, or could not start). */
export class GradientWorkerError extends HowlError {
  constructor(message: string) {
    super('gradient-worker', `training failed in a gradient worker thread: ${message}`);
  }
}

/** Options of `createGradientWorkers`. */
export interface GradientWorkersOptions {
  /** Threads (≥ 1). */
  readonly workers: number;
  /** The configuration of the model being trained. */
  readonly model: ModelConfig;
  /** The backend each thread starts (default `'wasm'`); use the calling thread's. */
  readonly backend?: BackendName;
  /** For tests: worker `index` exits with code 1 on its `request`-th request. */
  readonly crash?: { readonly index: number; readonly request: number };
}

/** A running pool of gradient workers; `close()` it when training ends. */
export interface GradientWorkers extends GradientWorkerPool {
  close(): Promise<void>;
}

interface Thread {
  readonly worker: Worker;
  readonly index: number;
  pending: { resolve(results: PackedResult[]): void; reject(error: Error): void } | undefined;
}

function packPass(pass: GradientPass, index: number): PackedPass {
  const count = pass.crops.reduce((n, crop) => n + crop.length, 0);
  const rows = new Float64Array(count * 4);
  let at = 0;
  for (const crop of pass.crops) {
    for (const row of crop) {
      rows[at++] = row[0];
      rows[at++] = row[1];
      rows[at++] = row[2];
      rows[at++] = row[3];
    }
  }
  return {
    rows,
    lengths: Uint32Array.from(pass.crops, (crop) => crop.length),
    seed: pass.seed,
    batchTokens: pass.batchTokens,
    index,
  };
}

/** Called when a ready thread reports an error or dies: every pending request fails. */
type OnThreadLost = (thread: Thread, why: string) => void;

/**
 * Starts gradient worker thread `index` and waits for its `ready` message.
 *
 * @param entry - the worker's built module
 * @param options - the pool's options (model, backend, test crash)
 * @param index - the thread's index, 0-based
 * @param onLost - called when the thread fails after it was ready
 * @returns the thread, once ready
 * @throws {GradientWorkerError} When the thread fails before it is ready.
 */
function startThread(
  entry: URL,
  options: GradientWorkersOptions,
  index: number,
  onLost: OnThreadLost,
): Promise<Thread> {
  const count = options.workers;
  return new Promise((resolve, reject) => {
    const data: GradientWorkerData = {
      howlGradientWorker: true,
      model: options.model,
      backend: options.backend ?? 'wasm',
      ...(options.crash?.index === index ? { crashOnRequest: options.crash.request } : {}),
    };
    const worker = new Worker(entry, { workerData: data });
    const thread: Thread = { worker, index, pending: undefined };
    let ready = false;
    worker.on('message', (message: FromGradientWorker) => {
      if (!ready) {
        ready = true;
        if (message.type === 'ready') resolve(thread);
        else {
          void worker.terminate();
          reject(new GradientWorkerError(message.type === 'error' ? message.message : 'no ready message'));
        }
        return;
      }
      if (message.type === 'result') {
        const pending = thread.pending;
        thread.pending = undefined;
        pending?.resolve(message.results);
      } else if (message.type === 'error') {
        onLost(thread, message.message);
      }
    });
    const lost = (why: string): void => {
      if (!ready) {
        ready = true;
        reject(new GradientWorkerError(`worker ${index + 1} of ${count}: ${why}`));
      } else onLost(thread, why);
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => lost(`the thread exited (code ${code})`));
  });
}

/** Sends one thread its share of a step's passes; resolves with its results. */
function askThread(
  thread: Thread,
  id: number,
  weights: SharedArrayBuffer,
  gradients: SharedArrayBuffer,
  share: PackedPass[],
): Promise<PackedResult[]> {
  if (share.length === 0) return Promise.resolve([] as PackedResult[]);
  return new Promise<PackedResult[]>((resolve, reject) => {
    thread.pending = { resolve, reject };
    const message: ToGradientWorker = { type: 'compute', id, weights, gradients, passes: share };
    thread.worker.postMessage(
      message,
      share.flatMap((p) => [p.rows.buffer as ArrayBuffer, p.lengths.buffer as ArrayBuffer]),
    );
  });
}

/** The threads' results in pass order, each pass's slot cut into one view per weight. */
function unpackResults(
  results: readonly PackedResult[],
  slots: SharedArrayBuffer,
  sizes: readonly number[],
  passCount: number,
): PassGradient[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const byIndex = new Array<PassGradient>(passCount);
  for (const result of results) {
    let offset = result.index * total;
    const gradients = sizes.map((size) => {
      const view = new Float32Array(slots, offset * 4, size);
      offset += size;
      return view;
    });
    byIndex[result.index] = {
      gradients,
      weight: result.weight,
      values: result.values,
      names: result.names,
    };
  }
  return byIndex;
}

/** The worker module, checked to exist (worker threads run the built code, not the TypeScript). */
function workerEntry(): URL {
  const entry = new URL('./gradient-worker.js', import.meta.url);
  if (entry.protocol === 'file:' && !existsSync(fileURLToPath(entry))) {
    throw new GradientWorkerError(
      `${fileURLToPath(entry)} is missing: worker threads run the built code (npm run build)`,
    );
  }
  return entry;
}

/**
 * Starts `workers` gradient worker threads (from the built `dist/node/gradient-worker.js`), each
 * loading TensorFlow.js and building the model.
 *
 * @param options - threads, model configuration, backend
 * @returns the pool, once every thread is ready
 * @throws {GradientWorkerError} When a thread cannot start (e.g. running from TypeScript sources).
 * @example const pool = await createGradientWorkers({ workers: 2, model: config, backend: 'wasm' });
 *   await train(model, dataset, { ...options, workers: 2 }, { gradients: pool }); await pool.close();
 */
export async function createGradientWorkers(options: GradientWorkersOptions): Promise<GradientWorkers> {
  const count = options.workers;
  if (!(Number.isSafeInteger(count) && count >= 1)) {
    throw new InvalidArgumentError(`workers ${count} is not a whole number >= 1`);
  }
  const entry = workerEntry();
  let sizes: number[] = [];
  let shared: Float32Array | undefined;
  let slots = new SharedArrayBuffer(0);
  let failure: GradientWorkerError | undefined;
  let closing = false;
  const threads: Thread[] = [];
  const fail = (thread: Thread, why: string): void => {
    if (closing) return;
    failure ??= new GradientWorkerError(`worker ${thread.index + 1} of ${count}: ${why}`);
    for (const t of threads) {
      const pending = t.pending;
      t.pending = undefined;
      pending?.reject(failure);
    }
  };

  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startThread(entry, options, i, fail)),
  );
  for (const s of settled) if (s.status === 'fulfilled') threads.push(s.value);
  const rejected = settled.find((s) => s.status === 'rejected');
  if (rejected !== undefined) {
    closing = true;
    await Promise.all(threads.map((t) => t.worker.terminate()));
    throw rejected.reason as Error;
  }
  let nextId = 0;

  return {
    workers: count,
    async computeGradients(weights, passes): Promise<PassGradient[]> {
      if (failure) throw failure;
      if (shared === undefined) {
        // The first step sizes the shared weights buffer; every later message names the same one.
        sizes = weights.map((w) => w.length);
        shared = new Float32Array(new SharedArrayBuffer(sizes.reduce((a, b) => a + b, 0) * 4));
      }
      if (weights.length !== sizes.length || weights.some((w, i) => w.length !== sizes[i])) {
        throw new InvalidArgumentError('the weights do not fit the model the gradient workers hold');
      }
      let at = 0;
      for (const w of weights) {
        shared.set(w, at);
        at += w.length;
      }
      const buffer = shared.buffer as SharedArrayBuffer;
      const slotBytes = shared.length * 4 * passes.length;
      // Grown when a step has more passes than any before (the last step of an epoch may have fewer).
      if (slots.byteLength < slotBytes) slots = new SharedArrayBuffer(slotBytes);
      const id = nextId++;
      const shares = threads.map((): PackedPass[] => []);
      passes.forEach((pass, i) => shares[i % threads.length]!.push(packPass(pass, i)));
      const replies = await Promise.all(
        threads.map((thread, t) => askThread(thread, id, buffer, slots, shares[t]!)),
      );
      return unpackResults(replies.flat(), slots, sizes, passes.length);
    },
    async close(): Promise<void> {
      closing = true;
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}
