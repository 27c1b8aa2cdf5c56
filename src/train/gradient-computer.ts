import * as tf from '@tensorflow/tfjs';
import type { V1Row } from '../encoding/v1.js';
import type { Model } from '../model/model.js';
import { passGradientTensors, type GradientPass, type GradientWorkerPool } from './pass-gradient.js';

/**
 * How a step's gradient is computed: the batch is split into passes of at most `cropsPerPass`
 * crops (pass i's dropout seed is the step's + i), each pass's mean-loss gradient is weighted by its
 * share of the batch's real steps, and the weighted gradients are added in pass order. Two
 * computers do this: `createInProcessGradients` on the calling thread, with the sums kept as
 * tensors, and `createWorkerGradients`, which sends the passes to a `GradientWorkerPool` (worker
 * threads, `src/node/gradient-workers.ts`) and adds the arrays it gets back. The update (clipping,
 * Adam) is the trainer's, the same for both.
 */

/** One step's gradient, summed over its passes. */
export interface StepGradient {
  /** One tensor per model variable, in order; the caller disposes them. */
  readonly gradients: tf.Tensor[];
  /** `[total, ...parts]` of the batch's loss: each pass's loss × its weight, summed. */
  readonly losses: readonly number[];
  /** The names of the parts. */
  readonly names: readonly string[];
  /** Real steps (notes − 1 per crop) in the batch. */
  readonly tokens: number;
  /** The gradient's global norm, when the computer had it at hand (else the trainer computes it). */
  readonly norm?: number;
}

/** Computes a step's gradient from its crops. */
export interface GradientComputer {
  /**
   * @param crops - the step's batch
   * @param dropoutSeed - the step's dropout seed (pass i uses it + i)
   * @returns the summed weighted gradient and the batch's loss
   */
  computeStep(crops: readonly (readonly V1Row[])[], dropoutSeed: number): Promise<StepGradient>;
}

/**
 * The real steps of a batch: a crop of n notes predicts n − 1.
 *
 * @param crops - the batch
 * @returns the sum over its crops of notes − 1
 */
export function realSteps(crops: readonly (readonly V1Row[])[]): number {
  return crops.reduce((sum, crop) => sum + Math.max(0, crop.length - 1), 0);
}

/**
 * Splits a batch into passes of `cropsPerPass` crops (the last may be shorter).
 *
 * @param crops - the batch
 * @param cropsPerPass - crops in a full pass
 * @returns the passes' crops, in order
 */
export function splitIntoPasses<T>(crops: readonly T[], cropsPerPass: number): T[][] {
  const passes: T[][] = [];
  for (let first = 0; first < crops.length; first += cropsPerPass) {
    passes.push(crops.slice(first, first + cropsPerPass));
  }
  return passes;
}

/** Adds `values` × `weight` into `sums` (sized by the first values added). */
function addWeighted(sums: number[], values: readonly number[], weight: number): void {
  if (sums.length === 0) sums.push(...values.map(() => 0));
  values.forEach((x, i) => (sums[i] = (sums[i] ?? 0) + x * weight));
}

/**
 * Writes `parts[0] + parts[1] + …`, added in that order, into `into`.
 *
 * @param into - the sum (as long as each part)
 * @param parts - at least one
 * @returns the sum of the squares of the sum's elements
 */
export function addInOrder(into: Float32Array, parts: readonly Float32Array[]): number {
  const n = into.length;
  if (parts.length === 0) throw new RangeError('addInOrder: no parts');
  into.set(parts[0]!);
  for (let p = 1; p < parts.length - 1; p++) {
    const part = parts[p]!;
    for (let j = 0; j < n; j++) into[j] = into[j]! + part[j]!;
  }
  let squares = 0;
  if (parts.length === 1) {
    for (let j = 0; j < n; j++) squares += into[j]! * into[j]!;
  } else {
    const last = parts[parts.length - 1]!;
    for (let j = 0; j < n; j++) {
      const x = Math.fround(into[j]! + last[j]!);
      into[j] = x;
      squares += x * x;
    }
  }
  return squares;
}

/**
 * Computes the passes one after another on the calling thread, with `model`, adding the weighted
 * gradients as tensors (only one pass's activations are alive at a time).
 *
 * @param model - the model being trained
 * @param cropsPerPass - crops in a full pass
 * @returns the computer
 */
export function createInProcessGradients(model: Model, cropsPerPass: number): GradientComputer {
  return {
    async computeStep(crops, dropoutSeed) {
      const tokens = model.scoredSteps?.(crops) ?? realSteps(crops);
      const losses: number[] = [];
      let names: string[] = [];
      let accumulated: tf.Tensor[] | undefined;
      try {
        const passes = splitIntoPasses(crops, cropsPerPass);
        for (let pass = 0; pass < passes.length; pass++) {
          const batch = model.makeBatch(passes[pass]!);
          try {
            const weight = batch.tokens / Math.max(1, tokens);
            const previous = accumulated;
            const lossTensor = tf.tidy(() => {
              const computed = passGradientTensors(model, batch, dropoutSeed + pass, weight);
              names = computed.names;
              const sum =
                previous === undefined
                  ? computed.grads
                  : computed.grads.map((g, i) => tf.add(previous[i]!, g));
              accumulated = sum.map((g) => tf.keep(g));
              return computed.losses;
            });
            if (previous !== undefined) tf.dispose(previous);
            // Read asynchronously: a GPU backend cannot (Node) or should not (browser) read synchronously.
            const values = Array.from(await lossTensor.data());
            lossTensor.dispose();
            addWeighted(losses, values, weight);
          } finally {
            batch.dispose();
          }
        }
      } catch (error) {
        if (accumulated !== undefined) tf.dispose(accumulated);
        throw error;
      }
      return { gradients: accumulated ?? [], losses, names, tokens };
    },
  };
}

/**
 * Sends the passes (with the same crops and dropout seeds as on one thread) to `pool` with the
 * model's current weights, and adds the gradients it returns in pass order.
 *
 * @param model - the model being trained (its weights are read, not changed)
 * @param pool - worker threads (in Node: `createGradientWorkers`)
 * @param cropsPerPass - crops in a full pass
 * @returns the computer
 */
export function createWorkerGradients(
  model: Model,
  pool: GradientWorkerPool,
  cropsPerPass: number,
): GradientComputer {
  let sums: Float32Array[] | undefined;
  return {
    async computeStep(crops, dropoutSeed) {
      const tokens = model.scoredSteps?.(crops) ?? realSteps(crops);
      const passes = splitIntoPasses(crops, cropsPerPass).map((passCrops, pass): GradientPass => ({
        crops: passCrops,
        seed: dropoutSeed + pass,
        batchTokens: tokens,
      }));
      const weights = model.variables.map((v) => v.dataSync() as Float32Array);
      const results = await pool.computeGradients(weights, passes);
      // Summed into arrays kept from step to step (no allocation, no page faults), the squares too.
      sums ??= weights.map((w) => new Float32Array(w.length));
      let squares = 0;
      sums.forEach((into, i) => {
        squares += addInOrder(
          into,
          results.map((result) => result.gradients[i]!),
        );
      });
      const losses: number[] = [];
      let names: string[] = [];
      for (const result of results) {
        addWeighted(losses, result.values, result.weight);
        names = [...result.names];
      }
      const gradients = model.variables.map((v, i) => tf.tensor(sums![i]!, v.shape));
      return { gradients, losses, names, tokens, norm: Math.sqrt(squares) };
    },
  };
}
