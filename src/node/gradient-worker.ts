/**
 * The worker thread of data-parallel training (`gradient-workers.ts`): it holds its own copy of the
 * model on its own TensorFlow.js backend; for each request it loads the step's weights from a
 * shared buffer and computes the weighted gradients of its micro-batches (`computePassGradient`,
 * the trainer's own code), writing each into its pass's slot of a second shared buffer.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { V1Row } from '../encoding/v1.js';
import type { BackendName } from '../model/kernels/backend.js';
import type { ModelConfig } from '../model/config.js';
import { createModel } from '../model/create-model.js';
import type { Model } from '../model/model.js';
import { computePassGradient } from '../train/pass-gradient.js';
import { setupNodeBackend } from './tf-backend.js';

/** What a gradient worker is started with. */
export interface GradientWorkerData {
  readonly howlGradientWorker: true;
  readonly model: ModelConfig;
  readonly backend: BackendName;
  /** For tests: exit with code 1 on this request (1-based). */
  readonly crashOnRequest?: number;
}

/** One micro-batch as flat columns: the rows of every crop back to back, and each crop's length. */
export interface PackedPass {
  readonly rows: Float64Array;
  readonly lengths: Uint32Array;
  readonly seed: number;
  readonly batchTokens: number;
  /** Its index in the step. */
  readonly index: number;
}

/** Messages to a worker. */
export type ToGradientWorker = {
  type: 'compute';
  id: number;
  /** The model's weights, float32, in `model.weights` order, written by the calling thread. */
  weights: SharedArrayBuffer;
  /** One slot per pass of the step, each the model's size in floats: pass i writes slot i. */
  gradients: SharedArrayBuffer;
  passes: PackedPass[];
};

/** One pass's result (its gradient is in its slot). */
export interface PackedResult {
  readonly index: number;
  readonly weight: number;
  readonly values: number[];
  readonly names: string[];
}

/** Messages from a worker. */
export type FromGradientWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; results: PackedResult[] }
  | { type: 'error'; id: number | undefined; message: string };

/** Rebuilds V1 crops from a packed pass. */
export function unpackCrops(pass: Pick<PackedPass, 'rows' | 'lengths'>): V1Row[][] {
  const crops: V1Row[][] = [];
  let at = 0;
  for (const length of pass.lengths) {
    const crop: V1Row[] = [];
    for (let i = 0; i < length; i++, at += 4) {
      crop.push([pass.rows[at]!, pass.rows[at + 1]!, pass.rows[at + 2]!, pass.rows[at + 3]!]);
    }
    crops.push(crop);
  }
  return crops;
}

function loadShared(model: Model, shared: Float32Array): void {
  let at = 0;
  tf.tidy(() => {
    for (const v of model.variables) {
      v.assign(tf.tensor(shared.subarray(at, at + v.size), v.shape));
      at += v.size;
    }
  });
}

async function runWorker(data: GradientWorkerData): Promise<void> {
  const port = parentPort!;
  let model: Model;
  try {
    await setupNodeBackend(data.backend);
    model = createModel(data.model, { seed: 1 });
  } catch (error) {
    port.postMessage({
      type: 'error',
      id: undefined,
      message: (error as Error).message,
    } satisfies FromGradientWorker);
    return;
  }
  let requests = 0;
  port.postMessage({ type: 'ready' } satisfies FromGradientWorker);
  port.on('message', (message: ToGradientWorker) => {
    if (message.type !== 'compute') return;
    if (++requests === data.crashOnRequest) process.exit(1);
    try {
      loadShared(model, new Float32Array(message.weights));
      const size = model.variables.reduce((n, v) => n + v.size, 0);
      const results = message.passes.map((pass): PackedResult => {
        const result = computePassGradient(
          model,
          { crops: unpackCrops(pass), seed: pass.seed, batchTokens: pass.batchTokens },
          new Float32Array(message.gradients, pass.index * size * 4, size),
        );
        return {
          index: pass.index,
          weight: result.weight,
          values: [...result.values],
          names: [...result.names],
        };
      });
      port.postMessage({ type: 'result', id: message.id, results } satisfies FromGradientWorker);
    } catch (error) {
      port.postMessage({
        type: 'error',
        id: message.id,
        message: (error as Error).message,
      } satisfies FromGradientWorker);
    }
  });
}

if (!isMainThread && (workerData as GradientWorkerData | undefined)?.howlGradientWorker === true) {
  void runWorker(workerData as GradientWorkerData);
}
