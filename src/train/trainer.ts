import * as tf from '@tensorflow/tfjs';
import { augmentV1, augmentV1WithTimeRange } from '../augment/v1.js';
import { withVelocityCurve } from '../augment/velocity-curve.js';
import type { Checkpoint, TrainingState } from '../model/checkpoint/checkpoint.js';
import { createCropSampler, type CropAugmenter, type CropSampler } from '../data/crops.js';
import type { Dataset } from '../data/dataset-format.js';
import type { V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import type { Model } from '../model/model.js';
import { readBack } from '../model/kernels/webgpu.js';
import { createAdam, type Adam } from './adam.js';
import {
  createInProcessGradients,
  createWorkerGradients,
  type GradientComputer,
  type StepGradient,
} from './gradient-computer.js';
import { learningRateAt } from './lr-schedule.js';
import { explainTrap, type GradientWorkerPool } from './pass-gradient.js';
import {
  createTrainingBudget,
  cropsPerPass,
  resolveTrainOptions,
  type ResolvedTrainOptions,
  type TrainingBudget,
  type TrainOptions,
} from './train-options.js';
import {
  checkpointOf,
  createGenerators,
  restoreWeightsAndOptimizer,
  TrainingProgress,
  type Generators,
} from './training-state.js';
import { drawValidationCrops, evaluate } from './validation.js';

/**
 * A model-agnostic training loop: V1 crops from a dataset's training split → `model.makeBatch` →
 * `model.loss` → gradients → global-norm clipping → Adam with a learning-rate schedule. No file
 * I/O: checkpoints and metrics go to callbacks (the CLI writes them; see `src/node/`).
 */

/** What `onStep` receives after every step (taken or skipped). */
export interface StepInfo {
  readonly step: number;
  readonly epoch: number;
  /** Total loss of the batch (NaN or ±Infinity when skipped). */
  readonly loss: number;
  /** The loss's parts, e.g. `{ pitch, regression }`. */
  readonly parts: Readonly<Record<string, number>>;
  readonly gradNorm: number;
  readonly lr: number;
  /** Real steps in the batch. */
  readonly tokens: number;
  /** Seconds the step took. */
  readonly seconds: number;
  readonly elapsedSeconds: number;
  /** True when the update was skipped for a non-finite loss or gradient. */
  readonly skipped: boolean;
  /** Fraction of the run done (by the tightest of steps, epochs and time), if bounded. */
  readonly progress: number | undefined;
}

/** What `onValidation` receives. */
export interface ValidationInfo {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly parts: Readonly<Record<string, number>>;
  /** Mean training loss since the previous validation. */
  readonly trainLoss: number;
  readonly best: boolean;
  readonly curves: TrainingState['curves'];
  readonly elapsedSeconds: number;
}

/** Why a checkpoint is handed over. */
export type CheckpointKind = 'latest' | 'best';

/** Callbacks of `train`; all optional, and awaited. */
export interface TrainCallbacks {
  onStep?(info: StepInfo): void | Promise<void>;
  onValidation?(info: ValidationInfo): void | Promise<void>;
  /** Save the checkpoint (`'latest'`: periodic and final; `'best'`: a new best validation loss). */
  onCheckpoint?(checkpoint: Checkpoint, kind: CheckpointKind): void | Promise<void>;
  onWarning?(message: string): void;
  /** Checked before every step; stop (with a final checkpoint) when it returns true. */
  shouldStop?(): boolean;
  /** The clock in seconds (default `performance.now() / 1000`). */
  now?(): number;
  /** Where micro-batch gradients are computed when `workers` > 1 (in Node: `createGradientWorkers`). */
  gradients?: GradientWorkerPool;
}

/** Why training ended. */
export type StopReason = 'steps' | 'epochs' | 'time' | 'early-stopping' | 'stopped' | 'diverged';

/** The outcome of `train`. */
export interface TrainResult {
  readonly reason: StopReason;
  /** A human-readable sentence about why. */
  readonly message: string;
  readonly state: TrainingState;
}

/** Why the loop stopped. */
type Stop = Omit<TrainResult, 'state'>;

/** Everything one call of `train` works with. */
interface Run {
  readonly model: Model;
  /** The options as given: a checkpoint saves these. */
  readonly options: TrainOptions;
  readonly settings: ResolvedTrainOptions;
  readonly callbacks: TrainCallbacks;
  readonly clock: () => number;
  readonly generators: Generators;
  readonly sampler: CropSampler;
  readonly budget: TrainingBudget;
  readonly gradients: GradientComputer;
  readonly adam: Adam;
  readonly progress: TrainingProgress;
  readonly validationCrops: readonly V1Row[][];
}

/**
 * Trains `model` on `dataset`'s training split.
 *
 * Every step: `batchSize` crops from the crop generator (seeded by `seed`, drawn by source weight
 * when given, augmented with augmentation V1, and velocity curves for `'performance'`, unless
 * `augment` is false), the model's loss with dropout masks seeded from a
 * second generator, gradients, global-norm clipping to `clipNorm`, and an Adam update at the
 * scheduled rate × `lrFactor`. A step whose loss or gradient norm is not finite is skipped and
 * `lrFactor` halved; after `maxFailures` in a row training stops (reason `'diverged'`) without a
 * new checkpoint, so the last good one stays. Validation runs every `validateEvery` steps and at the
 * end on fixed crops of the validation split; a new best is handed to `onCheckpoint(…, 'best')`.
 * A `'latest'` checkpoint is handed over every `checkpointEverySeconds` / `checkpointEverySteps`
 * and at the end (steps, epochs, time, early stopping or `shouldStop`).
 *
 * With `resume`, the model's weights, Adam's moments, the generators, the step counter and the
 * curves are restored first, so the run continues exactly as if it had not stopped.
 *
 * @param model - the model to train (its weights are updated in place)
 * @param dataset - the dataset; its training split must have files of ≥ 2 notes
 * @param options - see `TrainOptions`; at least one of steps, epochs, timeSeconds, or shouldStop
 * @param callbacks - progress, validation, checkpoints, stop request, clock
 * @param resume - a checkpoint of this model's configuration to continue from
 * @returns why it stopped, and the final state
 * @throws InvalidArgumentError for bad options or an unusable dataset; CheckpointError for a
 *   checkpoint that does not fit the model
 * @example const result = await train(model, dataset, { steps: 100 }, { onStep: (i) => console.log(i.loss) });
 */
export async function train(
  model: Model,
  dataset: Dataset,
  options: TrainOptions,
  callbacks: TrainCallbacks = {},
  resume?: Checkpoint,
): Promise<TrainResult> {
  const settings = resolveTrainOptions(options);
  const { steps, epochs, timeSeconds } = settings;
  if (steps === undefined && epochs === undefined && timeSeconds === undefined && !callbacks.shouldStop) {
    throw new InvalidArgumentError('training needs an end: steps, epochs or a time limit');
  }
  const gradients = gradientComputerFor(model, settings, callbacks.gradients);
  const generators = createGenerators(settings.seed, resume?.state);
  const sampler = createCropSampler(dataset, {
    split: 'train',
    length: settings.length,
    rng: generators.crops,
    ...augmenterOf(settings.augment, settings.timeScale),
    ...(settings.sourceWeights ? { sourceWeights: settings.sourceWeights } : {}),
  });
  const budget = createTrainingBudget(settings, sampler.roundSize);
  const validationCrops = drawValidationCrops(dataset, settings);
  if (validationCrops.length === 0 && settings.validationCrops > 0) {
    callbacks.onWarning?.('the dataset has no validation files: no validation loss, no best checkpoint');
  }
  const adam = createAdam(model.weights);
  try {
    if (resume) restoreWeightsAndOptimizer(model, adam, resume);
    const progress = new TrainingProgress(sampler.roundSize, resume?.state);
    const clock = callbacks.now ?? ((): number => performance.now() / 1000);
    const run: Run = {
      model,
      options,
      settings,
      callbacks,
      clock,
      generators,
      sampler,
      budget,
      gradients,
      adam,
      progress,
      validationCrops,
    };
    const stop = await trainUntilStopped(run);
    const endedByLimit = stop.reason === 'steps' || stop.reason === 'epochs' || stop.reason === 'time';
    if (endedByLimit && (progress.hasUnvalidatedSteps || !progress.hasValidated)) await validate(run);
    if (stop.reason !== 'diverged') await handOverCheckpoint(run, 'latest');
    return { ...stop, state: progress.toState(generators, adam) };
  } finally {
    adam.dispose();
  }
}

/** The steps of a run, until a limit, a stop request, early stopping or divergence ends it. */
async function trainUntilStopped(run: Run): Promise<Stop> {
  const { settings, callbacks, progress } = run;
  let lastCheckpoint = { step: progress.step, elapsedSeconds: progress.elapsedSeconds };
  for (;;) {
    // Let the event loop run between steps: the callbacks' I/O, and signal handlers for shouldStop.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const limit = run.budget.limitReached(progress);
    if (limit !== undefined) return limit;
    if (callbacks.shouldStop?.()) {
      return { reason: 'stopped', message: `stopped on request after ${progress.step} steps` };
    }
    const step = await trainStep(run);
    await callbacks.onStep?.(step);
    if (progress.consecutiveFailures >= settings.maxFailures) return diverged(run);
    if (step.skipped) continue;
    if (settings.validateEvery > 0 && progress.step % settings.validateEvery === 0) {
      await validate(run);
      if (settings.patience !== undefined && progress.validationsWithoutImprovement >= settings.patience) {
        const { best } = progress;
        const message = `no better validation loss in ${settings.patience} validations; best ${best?.loss} at step ${best?.step}`;
        return { reason: 'early-stopping', message };
      }
    }
    const dueBySteps =
      settings.checkpointEverySteps !== undefined &&
      progress.step - lastCheckpoint.step >= settings.checkpointEverySteps;
    const dueByTime =
      progress.elapsedSeconds - lastCheckpoint.elapsedSeconds >= settings.checkpointEverySeconds;
    if (dueBySteps || dueByTime) {
      await handOverCheckpoint(run, 'latest');
      lastCheckpoint = { step: progress.step, elapsedSeconds: progress.elapsedSeconds };
    }
  }
}

/** One step: a batch, its gradient, the update (or, for a non-finite loss, a skip). */
async function trainStep(run: Run): Promise<StepInfo> {
  const { settings, progress } = run;
  const started = run.clock();
  const crops = run.sampler.nextBatch(settings.batchSize);
  progress.crops += settings.batchSize;
  const dropoutSeed = run.generators.dropout.int(0, 2 ** 31 - 1);
  const lr = learningRateAt(run.budget.schedule, progress.step + 1) * progress.lrFactor;
  const { loss, parts, gradNorm, tokens } = await updateWeights(run, crops, dropoutSeed, lr);
  const skipped = !(Number.isFinite(loss) && Number.isFinite(gradNorm));
  const seconds = run.clock() - started;
  progress.elapsedSeconds += seconds;
  if (skipped) {
    progress.recordSkippedStep();
    run.callbacks.onWarning?.(
      `step ${progress.step + 1}: loss ${loss}, gradient norm ${gradNorm}; step skipped, learning rate halved to ${lr / 2}`,
    );
  } else {
    progress.recordUpdate(loss, tokens, lr);
  }
  const { step, epoch, elapsedSeconds } = progress;
  const fractionDone = run.budget.fractionDone(progress);
  return {
    step,
    epoch,
    loss,
    parts,
    gradNorm,
    lr,
    tokens,
    seconds,
    elapsedSeconds,
    skipped,
    progress: fractionDone,
  };
}

/** The global norm of `gradients`, √(Σ g²) over every element of every tensor. */
async function globalNorm(gradients: readonly tf.Tensor[]): Promise<number> {
  // A fold of adds, not tf.addN: webgpu's AddN binds every input at once (WebGPU's default: 8 buffers).
  const normTensor = tf.tidy(() =>
    tf.sqrt(gradients.map((g) => tf.sum(tf.square(g))).reduce((sum, x) => tf.add(sum, x))),
  );
  try {
    // Read asynchronously: a GPU backend cannot (Node) or should not (browser) read synchronously.
    return (await normTensor.data())[0] ?? NaN;
  } finally {
    normTensor.dispose();
  }
}

/**
 * The step's gradient, clipped to a global norm of `clipNorm`, applied by Adam at `lr`: unless the
 * loss or the norm is not finite, when the weights stay as they are.
 */
async function updateWeights(
  run: Run,
  crops: readonly (readonly V1Row[])[],
  dropoutSeed: number,
  lr: number,
): Promise<{ loss: number; parts: Record<string, number>; gradNorm: number; tokens: number }> {
  const { clipNorm } = run.settings;
  let gradient: StepGradient | undefined;
  try {
    gradient = await run.gradients.computeStep(crops, dropoutSeed);
    const { gradients, losses, names, tokens } = gradient;
    const loss = losses[0] ?? NaN;
    const gradNorm = gradient.norm ?? (await globalNorm(gradients));
    if (Number.isFinite(loss) && Number.isFinite(gradNorm)) {
      const scale = clipNorm > 0 && gradNorm > clipNorm ? clipNorm / gradNorm : 1;
      run.adam.apply(gradients, lr, scale);
    }
    const parts = Object.fromEntries(names.map((name, i) => [name, losses[i + 1] ?? NaN]));
    return { loss, parts, gradNorm, tokens };
  } catch (error) {
    // A wasm heap overflowing (here or in a worker) says what to lower.
    throw explainTrap(error, run.settings);
  } finally {
    if (gradient !== undefined) tf.dispose(gradient.gradients);
  }
}

/** Closes the train-loss interval, evaluates the validation crops, and hands over a new best. */
async function validate(run: Run): Promise<void> {
  const { progress, settings } = run;
  const trainLoss = progress.closeTrainInterval();
  if (run.validationCrops.length === 0) return;
  const batchSize = Math.min(settings.batchSize, cropsPerPass(settings));
  const { loss, parts } = await evaluate(run.model, run.validationCrops, batchSize);
  const best = progress.recordValidation(loss);
  await run.callbacks.onValidation?.({
    step: progress.step,
    epoch: progress.epoch,
    loss,
    parts,
    trainLoss,
    best,
    curves: progress.curves(),
    elapsedSeconds: progress.elapsedSeconds,
  });
  if (best) await handOverCheckpoint(run, 'best');
}

/** Hands a checkpoint of the run to `onCheckpoint` (built only when there is one). */
async function handOverCheckpoint(run: Run, kind: CheckpointKind): Promise<void> {
  const { model, adam, options, progress, generators } = run;
  if (run.callbacks.onCheckpoint === undefined) return;
  // On a GPU backend, copy the weights and moments to the CPU first (checkpointOf reads them).
  await readBack([...model.variables, ...adam.moments]);
  await run.callbacks.onCheckpoint(
    checkpointOf(model, adam, options, progress.toState(generators, adam)),
    kind,
  );
}

/** The stop after `maxFailures` non-finite steps in a row; no checkpoint follows. */
function diverged(run: Run): Stop {
  const { progress } = run;
  const lr = learningRateAt(run.budget.schedule, progress.step + 1) * progress.lrFactor;
  return {
    reason: 'diverged',
    message:
      `the loss was not finite for ${progress.consecutiveFailures} steps in a row (learning rate now ` +
      `${lr}); stopped, the last good checkpoint is kept`,
  };
}

/** The in-process computer for one worker; for more, the pool the caller passed, or an error. */
function gradientComputerFor(
  model: Model,
  settings: ResolvedTrainOptions,
  pool: GradientWorkerPool | undefined,
): GradientComputer {
  const perPass = cropsPerPass(settings);
  if (settings.workers === 1) return createInProcessGradients(model, perPass);
  if (pool === undefined) {
    throw new InvalidArgumentError(
      `${settings.workers} workers need a gradient computer (in Node: createGradientWorkers, src/node/gradient-workers.ts)`,
    );
  }
  return createWorkerGradients(model, pool, perPass);
}

/** The crop sampler's augmenter for a run's `augment` setting. */
function augmenterOf(
  augment: boolean | 'performance',
  timeScale: readonly [number, number] | undefined,
): { augment?: CropAugmenter } {
  const v1 = timeScale === undefined ? augmentV1 : augmentV1WithTimeRange(timeScale);
  if (augment === 'performance') return { augment: withVelocityCurve(v1) };
  return augment ? { augment: v1 } : {};
}
