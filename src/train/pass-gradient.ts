import * as tf from '@tensorflow/tfjs';
import type { V1Row } from '../encoding/v1.js';
import { HowlError } from '../errors.js';
import { viewFloats } from '../model/kernels/reused-arrays.js';
import type { Model, ModelBatch } from '../model/model.js';
import { cropsPerPass, type ResolvedTrainOptions } from './train-options.js';

/**
 * One pass: the loss and weighted gradient of one micro-batch of a step, the unit of work both
 * gradient computers share (`gradient-computer.ts`); and the seam to worker threads, which compute
 * passes from plain arrays (`GradientWorkerPool`, implemented in `src/node/gradient-workers.ts`).
 */

/** One micro-batch of a step, to compute on another thread. */
export interface GradientPass {
  readonly crops: readonly (readonly V1Row[])[];
  /** Its dropout seed: the step's seed + the pass's index, as on the calling thread. */
  readonly seed: number;
  /** Real steps of the whole batch: the pass's gradient is weighted by its own real steps / this. */
  readonly batchTokens: number;
}

/** What a pass gives back. */
export interface PassGradient {
  /** weight × the gradient of the pass's mean loss, one array per model weight, in `model.weights` order. */
  readonly gradients: readonly Float32Array[];
  /** The pass's weight: its real steps / the batch's. */
  readonly weight: number;
  /** `[total, ...parts]` of the pass's (unweighted) loss. */
  readonly values: readonly number[];
  /** The names of the parts. */
  readonly names: readonly string[];
}

/**
 * Computes passes elsewhere (worker threads, each holding a copy of the model). The trainer hands it
 * the current weights (in `model.weights` order) and the step's passes, adds the results in pass
 * order, clips and applies Adam itself.
 */
export interface GradientWorkerPool {
  /** Threads it uses. */
  readonly workers: number;
  /**
   * One result per pass, in the order of `passes`; its gradients may be views of the pool's own
   * memory, valid until the next call.
   */
  computeGradients(
    weights: readonly Float32Array[],
    passes: readonly GradientPass[],
  ): Promise<PassGradient[]>;
}

/** The weighted gradients of one pass as tensors, with its losses. */
export interface PassGradientTensors {
  /** One per model variable, in order, each multiplied by the pass's weight. */
  readonly grads: tf.Tensor[];
  /** `[total, ...parts]` of the pass's (unweighted) loss. */
  readonly losses: tf.Tensor1D;
  readonly names: string[];
}

/**
 * One micro-batch's loss and gradients, each gradient multiplied by `weight` (the micro-batch's share
 * of the batch's real steps): the one computation behind both the in-process path and the gradient
 * worker threads. Call it inside `tf.tidy`.
 *
 * @param model - the model, holding the step's weights
 * @param batch - the micro-batch
 * @param seed - its dropout seed
 * @param weight - its real steps / the batch's
 * @returns the weighted gradients (one per model variable, in order), `[total, ...parts]` losses, and
 *   the parts' names
 */
export function passGradientTensors(
  model: Model,
  batch: ModelBatch,
  seed: number,
  weight: number,
): PassGradientTensors {
  let parts: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const result = model.loss(batch, { training: true, seed });
    parts = Object.fromEntries(Object.entries(result.parts).map(([k, v]) => [k, tf.keep(v)]));
    return result.total;
  }, model.variables as tf.Variable[]);
  const names = Object.keys(parts);
  const gradList = model.variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
  const losses = tf.stack([value, ...names.map((n) => parts[n] as tf.Scalar)]) as tf.Tensor1D;
  // Kept to outlive variableGrads' own scope, the parts escape the caller's tidy too: free them here.
  tf.dispose(Object.values(parts));
  return {
    grads: weight === 1 ? gradList : gradList.map((g) => tf.mul(g, weight)),
    losses,
    names,
  };
}

/**
 * The weighted gradient of one micro-batch's loss, exactly as the trainer's in-process path computes
 * it: for gradient worker threads.
 *
 * @param model - the model, holding the step's weights
 * @param pass - the crops, dropout seed and the batch's real steps
 * @param into - where to write every weight's gradient, back to back in `model.weights` order
 *   (e.g. a worker's slot in shared memory); new arrays when left out
 * @returns per-weight gradients (copied out of the backend; views of `into` when given), the weight
 *   and the loss values
 */
export function computePassGradient(model: Model, pass: GradientPass, into?: Float32Array): PassGradient {
  const batch = model.makeBatch(pass.crops);
  try {
    const weight = batch.tokens / Math.max(1, pass.batchTokens);
    // The tidy returns tensors only: it walks what it returns, element by element for typed arrays
    // (about a second a pass for LSTM-416's 4.6 M gradients).
    let names: string[] = [];
    const tensors = tf.tidy(() => {
      const computed = passGradientTensors(model, batch, pass.seed, weight);
      names = computed.names;
      return [computed.losses, ...computed.grads];
    });
    try {
      const [losses, ...grads] = tensors;
      const total = grads.reduce((n, g) => n + g.size, 0);
      const out = into ?? new Float32Array(total);
      if (out.length !== total) {
        throw new RangeError(`computePassGradient: ${out.length} floats to write ${total} gradients into`);
      }
      let at = 0;
      const gradients = grads.map((g) => {
        out.set(viewFloats(g), at);
        at += g.size;
        return out.subarray(at - g.size, at);
      });
      return { gradients, weight, values: Array.from(losses!.dataSync()), names };
    } finally {
      tf.dispose(tensors);
    }
  } finally {
    batch.dispose();
  }
}

/** Thrown when a pass does not fit in the backend's memory. */
export class OutOfMemoryError extends HowlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('out-of-memory', message, options);
  }
}

/**
 * A WebAssembly trap (the wasm heap is full or corrupt) becomes a clear `OutOfMemoryError` that
 * says what to lower; any other error is returned as it is.
 *
 * @param error - what a pass or the update threw
 * @param options - the micro-batch steps and the crop length
 * @returns the error to throw
 */
export function explainTrap(
  error: unknown,
  options: Pick<ResolvedTrainOptions, 'microBatchSteps' | 'length'>,
): unknown {
  const isTrap =
    (typeof WebAssembly !== 'undefined' && error instanceof WebAssembly.RuntimeError) ||
    // A worker's message is prefixed with its name ("worker 2 of 2: Aborted(…)").
    (error instanceof Error &&
      /(^|: )Aborted\(|memory access out of bounds|Out of memory/i.test(error.message));
  if (!isTrap) return error;
  const crops = cropsPerPass(options);
  return new OutOfMemoryError(
    `a pass of ${crops} crops × ${options.length} notes does not fit in the backend's memory ` +
      `(${(error as Error).message}); lower --micro-batch-steps (now ${options.microBatchSteps}) or --length`,
    { cause: error },
  );
}
