import * as tf from '@tensorflow/tfjs';
import { augmentV1 } from '../augment/v1.js';
import { createCropSampler, DEFAULT_CROP_LENGTH, type CropSampler } from '../data/crops.js';
import type { Dataset } from '../data/dataset-format.js';
import type { DatasetIdentity } from '../data/dataset-identity.js';
import type { V1Row } from '../encoding/v1.js';
import { HowlError, InvalidArgumentError } from '../errors.js';
import type { Model, ModelBatch } from '../model/model.js';
import { createRng, type Rng } from '../random/rng.js';
import { createAdam } from './adam.js';
import { CheckpointError, type Checkpoint, type CurvePoint, type TrainingState } from './checkpoint.js';
import { learningRateAt, validateLrSchedule, type LrSchedule } from './lr-schedule.js';

/**
 * A model-agnostic training loop: V1 crops from a dataset's training split → `model.makeBatch` →
 * `model.loss` → gradients → global-norm clipping → Adam with a learning-rate schedule. No file
 * I/O: checkpoints and metrics go to callbacks (the CLI writes them; see `src/node/`).
 */

/** The seed of the validation crops: fixed, so every run and every resume sees the same ones. */
export const VALIDATION_SEED = 0x5eed;

/** Options of `train`. All are saved in a checkpoint's `config.json`. */
export interface TrainOptions {
  /** Crops per step (default 64). */
  readonly batchSize?: number;
  /** Notes per crop (default 768). */
  readonly length?: number;
  /** Peak learning rate (default 1e-3). */
  readonly lr?: number;
  /** `'auto'` (default): cosine when the run ends by steps or epochs, constant when only by time. */
  readonly schedule?: 'auto' | 'constant' | 'cosine';
  /** Linear warm-up steps (default 20, capped at a tenth of a step budget). */
  readonly warmupSteps?: number;
  /** Global gradient-norm limit (default 1; 0 turns clipping off). */
  readonly clipNorm?: number;
  /** Seed of the crops, augmentation and dropout (default 1). */
  readonly seed?: number;
  /** Augment crops with augmentation V1 (default true). */
  readonly augment?: boolean;
  /** Stop after this many updates (in all, counting those before a resume). */
  readonly steps?: number;
  /** Stop after this many rounds of 4 × the training songs' crops. */
  readonly epochs?: number;
  /** Stop after this many seconds of training (in all). */
  readonly timeSeconds?: number;
  /** Validate every this many steps (default 200; 0: only at the end). */
  readonly validateEvery?: number;
  /** Fixed validation crops (default 2 × batchSize), drawn once with `VALIDATION_SEED`, unaugmented. */
  readonly validationCrops?: number;
  /** Stop after this many validations in a row without a new best (default: never). */
  readonly patience?: number;
  /** Save a checkpoint every this many seconds (default 600). */
  readonly checkpointEverySeconds?: number;
  /** Save a checkpoint every this many steps (default: by time only). */
  readonly checkpointEverySteps?: number;
  /** Consecutive non-finite steps before giving up (default 5). */
  readonly maxFailures?: number;
  /**
   * Most crop steps (crops × notes) in one forward and backward pass (default 16,384). A larger
   * batch is split into micro-batches whose gradients are added, each weighted by its share of the
   * batch's real steps: the same update as one pass over the whole batch, in bounded memory. The
   * wasm backend's heap is capped at 4 GiB; the original's 64 × 768 in one pass overflows it.
   */
  readonly microBatchSteps?: number;
  /** Which data the run trains on: recorded in its checkpoints, so a resume can refuse other data. */
  readonly dataset?: DatasetIdentity;
  /**
   * Threads that compute each step's micro-batch gradients (default 1: all on the calling thread).
   * More than 1 needs a `GradientComputer` in `TrainCallbacks.gradients` (in Node:
   * `createGradientWorkers` from `src/node/gradient-workers.ts`); the micro-batches, their dropout
   * seeds and the update are the same as with 1, so results match to float rounding.
   */
  readonly workers?: number;
}

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
 * Computes micro-batch gradients elsewhere (worker threads). The trainer hands it the current
 * weights (in `model.weights` order) and the step's passes, adds the results in pass order, clips
 * and applies Adam itself.
 */
export interface GradientComputer {
  /** Threads it uses. */
  readonly workers: number;
  /** One result per pass, in the order of `passes`. */
  computeGradients(
    weights: readonly Float32Array[],
    passes: readonly GradientPass[],
  ): Promise<PassGradient[]>;
}

/**
 * One micro-batch's loss and gradients, each gradient multiplied by `weight` (the micro-batch's share
 * of the batch's real steps): the one computation behind both the in-process path and the gradient
 * worker threads. Call it inside `tf.tidy`.
 *
 * @returns the weighted gradients (one per model variable, in order), `[total, ...parts]` losses, and
 *   the parts' names
 */
function passGradientTensors(
  model: Model,
  batch: ModelBatch,
  seed: number,
  weight: number,
): { grads: tf.Tensor[]; losses: tf.Tensor1D; names: string[] } {
  let parts: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const result = model.loss(batch, { training: true, seed });
    parts = Object.fromEntries(Object.entries(result.parts).map(([k, v]) => [k, tf.keep(v)]));
    return result.total;
  }, model.variables as tf.Variable[]);
  const names = Object.keys(parts);
  const gradList = model.variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
  return {
    grads: weight === 1 ? gradList : gradList.map((g) => tf.mul(g, weight)),
    losses: tf.stack([value, ...names.map((n) => parts[n] as tf.Scalar)]) as tf.Tensor1D,
    names,
  };
}

/**
 * The weighted gradient of one micro-batch's loss, exactly as the trainer's in-process path computes
 * it: for gradient worker threads.
 *
 * @param model - the model, holding the step's weights
 * @param pass - the crops, dropout seed and the batch's real steps
 * @returns per-weight gradients (copied out of the backend), the weight and the loss values
 */
export function computePassGradient(model: Model, pass: GradientPass): PassGradient {
  const batch = model.makeBatch(pass.crops);
  try {
    const weight = batch.tokens / Math.max(1, pass.batchTokens);
    return tf.tidy(() => {
      const { grads, losses, names } = passGradientTensors(model, batch, pass.seed, weight);
      return {
        gradients: grads.map((g) => (g.dataSync() as Float32Array).slice()),
        weight,
        values: Array.from(losses.dataSync()),
        names,
      };
    });
  } finally {
    batch.dispose();
  }
}

/**
 * A `microBatchSteps` for `workers` threads: the default's memory bound, with the batch split into
 * a multiple of `workers` passes of equal size, so every thread gets the same work.
 *
 * @param batchSize - crops per step
 * @param length - notes per crop
 * @param workers - threads
 * @returns crops per pass × length
 * @example microBatchStepsForWorkers(32, 256, 2); // 4096: 2 passes of 16 crops
 */
export function microBatchStepsForWorkers(batchSize: number, length: number, workers: number): number {
  const fitting = Math.max(1, Math.floor(DEFAULT_MICRO_BATCH_STEPS / length));
  const passes = workers * Math.ceil(Math.ceil(batchSize / fitting) / workers);
  return Math.ceil(batchSize / passes) * length;
}

/** Default `microBatchSteps`: 16 crops of 1,024 notes (LSTM 192 then peaks near 1.5 GB). */
export const DEFAULT_MICRO_BATCH_STEPS = 16_384;

/** Thrown when a pass does not fit in the backend's memory. */
export class OutOfMemoryError extends HowlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('out-of-memory', message, options);
  }
}

/** Crops per pass for a crop length, from the step budget. */
function microBatchCrops(options: { microBatchSteps: number; length: number }): number {
  return Math.max(1, Math.floor(options.microBatchSteps / options.length));
}

/** A WebAssembly trap (the wasm heap is full or corrupt) becomes a clear `OutOfMemoryError`. */
function explainTrap(error: unknown, options: { microBatchSteps: number; length: number }): unknown {
  const isTrap =
    (typeof WebAssembly !== 'undefined' && error instanceof WebAssembly.RuntimeError) ||
    // A worker's message is prefixed with its name ("worker 2 of 2: Aborted(…)").
    (error instanceof Error &&
      /(^|: )Aborted\(|memory access out of bounds|Out of memory/i.test(error.message));
  if (!isTrap) return error;
  const crops = microBatchCrops(options);
  return new OutOfMemoryError(
    `a pass of ${crops} crops × ${options.length} notes does not fit in the backend's memory ` +
      `(${(error as Error).message}); lower --micro-batch-steps (now ${options.microBatchSteps}) or --length`,
    { cause: error },
  );
}

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
  gradients?: GradientComputer;
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

type ResolvedOptions = Required<
  Omit<TrainOptions, 'steps' | 'epochs' | 'timeSeconds' | 'patience' | 'checkpointEverySteps' | 'dataset'>
> &
  Pick<TrainOptions, 'steps' | 'epochs' | 'timeSeconds' | 'patience' | 'checkpointEverySteps' | 'dataset'>;

const positiveInt = (value: number | undefined, name: string, allowZero = false): void => {
  if (value !== undefined && !(Number.isSafeInteger(value) && (allowZero ? value >= 0 : value >= 1))) {
    throw new InvalidArgumentError(`${name} ${value} is not a whole number ${allowZero ? '>= 0' : '>= 1'}`);
  }
};

/**
 * Fills in the defaults of training options and checks them.
 *
 * @param options - the options
 * @returns every option, resolved
 * @throws InvalidArgumentError naming a bad option
 */
export function resolveTrainOptions(options: TrainOptions): ResolvedOptions {
  const batchSize = options.batchSize ?? 64;
  const resolved = {
    batchSize,
    length: options.length ?? DEFAULT_CROP_LENGTH,
    lr: options.lr ?? 1e-3,
    schedule: options.schedule ?? 'auto',
    warmupSteps: options.warmupSteps ?? 20,
    clipNorm: options.clipNorm ?? 1,
    seed: options.seed ?? 1,
    augment: options.augment ?? true,
    validateEvery: options.validateEvery ?? 200,
    validationCrops: options.validationCrops ?? 2 * batchSize,
    checkpointEverySeconds: options.checkpointEverySeconds ?? 600,
    maxFailures: options.maxFailures ?? 5,
    microBatchSteps: options.microBatchSteps ?? DEFAULT_MICRO_BATCH_STEPS,
    workers: options.workers ?? 1,
    ...(options.steps === undefined ? {} : { steps: options.steps }),
    ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
    ...(options.timeSeconds === undefined ? {} : { timeSeconds: options.timeSeconds }),
    ...(options.patience === undefined ? {} : { patience: options.patience }),
    ...(options.checkpointEverySteps === undefined
      ? {}
      : { checkpointEverySteps: options.checkpointEverySteps }),
  };
  positiveInt(resolved.batchSize, 'batch size');
  if (!(Number.isSafeInteger(resolved.length) && resolved.length >= 2)) {
    throw new InvalidArgumentError(`crop length ${resolved.length} is not a whole number >= 2`);
  }
  if (!(Number.isFinite(resolved.lr) && resolved.lr > 0)) {
    throw new InvalidArgumentError(`learning rate ${resolved.lr} is not a positive number`);
  }
  if (!['auto', 'constant', 'cosine'].includes(resolved.schedule)) {
    throw new InvalidArgumentError(`schedule ${resolved.schedule} is not auto, constant or cosine`);
  }
  positiveInt(resolved.warmupSteps, 'warm-up steps', true);
  if (!(resolved.clipNorm >= 0 && Number.isFinite(resolved.clipNorm))) {
    throw new InvalidArgumentError(`gradient clip norm ${resolved.clipNorm} is not a number >= 0`);
  }
  if (!Number.isSafeInteger(resolved.seed))
    throw new InvalidArgumentError(`seed ${resolved.seed} is not an integer`);
  positiveInt(resolved.validateEvery, 'validation interval', true);
  positiveInt(resolved.validationCrops, 'validation crops', true);
  positiveInt(resolved.maxFailures, 'max failures');
  positiveInt(resolved.microBatchSteps, 'micro-batch steps');
  positiveInt(resolved.workers, 'workers');
  positiveInt(resolved.steps, 'steps');
  positiveInt(resolved.patience, 'patience');
  positiveInt(resolved.checkpointEverySteps, 'checkpoint interval (steps)');
  for (const [name, value] of [
    ['epochs', resolved.epochs],
    ['time', resolved.timeSeconds],
    ['checkpoint interval', resolved.checkpointEverySeconds],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new InvalidArgumentError(`${name} ${value} is not a positive number`);
    }
  }
  return resolved;
}

function stepBudget(options: ResolvedOptions, roundSize: number): number | undefined {
  const fromEpochs =
    options.epochs === undefined ? undefined : Math.ceil((options.epochs * roundSize) / options.batchSize);
  if (options.steps === undefined) return fromEpochs;
  return fromEpochs === undefined ? options.steps : Math.min(options.steps, fromEpochs);
}

function scheduleOf(options: ResolvedOptions, budget: number | undefined): LrSchedule {
  const kind =
    options.schedule === 'auto' ? (budget === undefined ? 'constant' : 'cosine') : options.schedule;
  if (kind === 'cosine' && budget === undefined) {
    throw new InvalidArgumentError('a cosine schedule needs --steps or --epochs');
  }
  const warmupSteps =
    budget === undefined ? options.warmupSteps : Math.min(options.warmupSteps, Math.floor(budget / 10));
  return validateLrSchedule({
    kind,
    lr: options.lr,
    warmupSteps,
    ...(budget === undefined ? {} : { totalSteps: budget }),
  });
}

function drawValidation(dataset: Dataset, options: ResolvedOptions): V1Row[][] {
  if (options.validationCrops === 0) return [];
  let sampler: CropSampler;
  try {
    sampler = createCropSampler(dataset, {
      split: 'validation',
      length: options.length,
      rng: createRng(VALIDATION_SEED),
    });
  } catch {
    return [];
  }
  return sampler.nextBatch(options.validationCrops).filter((crop) => crop.length >= 2);
}

/**
 * The token-weighted mean loss (and parts) of `model` over crops, in batches, without dropout.
 *
 * @param model - the model
 * @param crops - V1 crops of at least 2 notes
 * @param batchSize - crops per forward pass
 * @returns the loss and its parts
 */
export function evaluate(
  model: Model,
  crops: readonly (readonly V1Row[])[],
  batchSize: number,
): { loss: number; parts: Record<string, number> } {
  let tokens = 0;
  let loss = 0;
  const parts: Record<string, number> = {};
  for (let i = 0; i < crops.length; i += batchSize) {
    const batch = model.makeBatch(crops.slice(i, i + batchSize));
    try {
      const result = model.loss(batch, { training: false });
      const names = Object.keys(result.parts);
      const values = tf.tidy(() =>
        tf.stack([result.total, ...names.map((n) => result.parts[n] as tf.Scalar)]).dataSync(),
      );
      tf.dispose([result.total, ...Object.values(result.parts)]);
      loss += (values[0] ?? NaN) * batch.tokens;
      names.forEach((n, j) => (parts[n] = (parts[n] ?? 0) + (values[j + 1] ?? NaN) * batch.tokens));
      tokens += batch.tokens;
    } finally {
      batch.dispose();
    }
  }
  for (const n of Object.keys(parts)) parts[n] = (parts[n] ?? 0) / Math.max(1, tokens);
  return { loss: loss / Math.max(1, tokens), parts };
}

/**
 * Copies a checkpoint's weights into a model, by name.
 *
 * @param model - a model of the checkpoint's configuration
 * @param checkpoint - the checkpoint
 * @throws CheckpointError if a weight is missing or has another shape
 */
export function loadWeights(model: Model, checkpoint: Pick<Checkpoint, 'tensors'>): void {
  const byName = new Map(checkpoint.tensors.map((t) => [t.name, t]));
  for (const w of model.weights) {
    const saved = byName.get(w.name);
    if (!saved) throw new CheckpointError(`the checkpoint has no weight ${w.name}`);
    if (saved.shape.join() !== w.variable.shape.join()) {
      throw new CheckpointError(
        `weight ${w.name} is [${saved.shape.join(', ')}] in the checkpoint, [${w.variable.shape.join(', ')}] in the model`,
      );
    }
    tf.tidy(() => w.variable.assign(tf.tensor(saved.data, w.variable.shape)));
  }
}

/**
 * Trains `model` on `dataset`'s training split.
 *
 * Every step: `batchSize` crops from the crop generator (seeded by `seed`, augmented with
 * augmentation V1 unless `augment` is false), the model's loss with dropout masks seeded from a
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
 */
export async function train(
  model: Model,
  dataset: Dataset,
  options: TrainOptions,
  callbacks: TrainCallbacks = {},
  resume?: Checkpoint,
): Promise<TrainResult> {
  const o = resolveTrainOptions(options);
  if (
    o.steps === undefined &&
    o.epochs === undefined &&
    o.timeSeconds === undefined &&
    !callbacks.shouldStop
  ) {
    throw new InvalidArgumentError('training needs an end: steps, epochs or a time limit');
  }
  const computer = o.workers > 1 ? callbacks.gradients : undefined;
  if (o.workers > 1 && computer === undefined) {
    throw new InvalidArgumentError(
      `${o.workers} workers need a gradient computer (in Node: createGradientWorkers, src/node/gradient-workers.ts)`,
    );
  }
  const now = callbacks.now ?? ((): number => performance.now() / 1000);
  const cropRng: Rng = createRng(resume ? resume.state.rng.crops : o.seed);
  const dropoutRng: Rng = createRng(resume ? resume.state.rng.dropout : o.seed ^ 0x2545f491);
  const sampler = createCropSampler(dataset, {
    split: 'train',
    length: o.length,
    rng: cropRng,
    ...(o.augment ? { augment: augmentV1 } : {}),
  });
  const budget = stepBudget(o, sampler.roundSize);
  const schedule = scheduleOf(o, budget);
  const validation = drawValidation(dataset, o);
  if (validation.length === 0 && o.validationCrops > 0) {
    callbacks.onWarning?.('the dataset has no validation files: no validation loss, no best checkpoint');
  }
  const adam = createAdam(model.weights);
  const s = {
    step: 0,
    skippedSteps: 0,
    consecutiveFailures: 0,
    crops: 0,
    tokens: 0,
    elapsedSeconds: 0,
    lrFactor: 1,
    lr: 0,
    best: null as TrainingState['best'],
    validationsWithoutImprovement: 0,
    train: [] as CurvePoint[],
    validation: [] as CurvePoint[],
  };
  if (resume) {
    loadWeights(model, resume);
    const r = resume.state;
    adam.setState({
      ...r.adam,
      tensors: resume.tensors.filter((t) => t.name.startsWith('adam/')),
    });
    Object.assign(s, {
      step: r.step,
      skippedSteps: r.skippedSteps,
      consecutiveFailures: r.consecutiveFailures,
      crops: Math.round(r.epoch * sampler.roundSize),
      tokens: r.tokens,
      elapsedSeconds: r.elapsedSeconds,
      lrFactor: r.lrFactor,
      lr: r.lr,
      best: r.best,
      validationsWithoutImprovement: r.validationsWithoutImprovement,
      train: [...r.curves.train],
      validation: [...r.curves.validation],
    });
  }
  // Train losses since the last validation (saved, so a resumed run averages the same steps).
  let intervalLoss = resume?.state.interval?.loss ?? 0;
  let intervalSteps = resume?.state.interval?.steps ?? 0;

  const state = (): TrainingState => ({
    step: s.step,
    skippedSteps: s.skippedSteps,
    consecutiveFailures: s.consecutiveFailures,
    epoch: s.crops / sampler.roundSize,
    tokens: s.tokens,
    elapsedSeconds: s.elapsedSeconds,
    lrFactor: s.lrFactor,
    lr: s.lr,
    rng: { crops: cropRng.getState(), dropout: dropoutRng.getState() },
    adam: (({ step, beta1, beta2, epsilon }) => ({ step, beta1, beta2, epsilon }))(adam.getState()),
    best: s.best,
    validationsWithoutImprovement: s.validationsWithoutImprovement,
    curves: { train: [...s.train], validation: [...s.validation] },
    interval: { loss: intervalLoss, steps: intervalSteps },
  });
  const checkpoint = (): Checkpoint => ({
    config: { model: model.config, encoding: model.encoding, training: { ...options } },
    tensors: [
      ...model.weights.map((w) => ({
        name: w.name,
        shape: [...w.variable.shape],
        data: (w.variable.dataSync() as Float32Array).slice(),
      })),
      ...adam.getState().tensors,
    ],
    state: state(),
  });
  const progress = (): number | undefined => {
    const fractions: number[] = [];
    if (budget !== undefined) fractions.push(s.step / budget);
    if (o.timeSeconds !== undefined) fractions.push(s.elapsedSeconds / o.timeSeconds);
    return fractions.length === 0 ? undefined : Math.min(1, Math.max(...fractions));
  };

  const validate = async (): Promise<boolean> => {
    const trainLoss = intervalSteps > 0 ? intervalLoss / intervalSteps : NaN;
    if (intervalSteps > 0) s.train.push({ step: s.step, loss: trainLoss });
    intervalLoss = 0;
    intervalSteps = 0;
    if (validation.length === 0) return false;
    const { loss, parts } = evaluate(model, validation, Math.min(o.batchSize, microBatchCrops(o)));
    s.validation.push({ step: s.step, loss });
    const best = Number.isFinite(loss) && (s.best === null || loss < s.best.loss);
    if (best) {
      s.best = { loss, step: s.step };
      s.validationsWithoutImprovement = 0;
    } else {
      s.validationsWithoutImprovement++;
    }
    await callbacks.onValidation?.({
      step: s.step,
      epoch: s.crops / sampler.roundSize,
      loss,
      parts,
      trainLoss,
      best,
      curves: { train: [...s.train], validation: [...s.validation] },
      elapsedSeconds: s.elapsedSeconds,
    });
    if (best) await callbacks.onCheckpoint?.(checkpoint(), 'best');
    return best;
  };

  let lastCheckpointAt = s.elapsedSeconds;
  let lastCheckpointStep = s.step;
  let reason: StopReason;
  let message: string;
  try {
    for (;;) {
      // Let the event loop run between steps: the callbacks' I/O, and signal handlers for shouldStop.
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (budget !== undefined && s.step >= budget) {
        reason = o.steps !== undefined && budget === o.steps ? 'steps' : 'epochs';
        message = `reached ${s.step} steps (epoch ${(s.crops / sampler.roundSize).toFixed(2)})`;
        break;
      }
      if (o.timeSeconds !== undefined && s.elapsedSeconds >= o.timeSeconds) {
        reason = 'time';
        message = `reached the time limit after ${s.step} steps`;
        break;
      }
      if (callbacks.shouldStop?.()) {
        reason = 'stopped';
        message = `stopped on request after ${s.step} steps`;
        break;
      }
      const started = now();
      const crops = sampler.nextBatch(o.batchSize);
      s.crops += o.batchSize;
      const dropoutSeed = dropoutRng.int(0, 2 ** 31 - 1);
      const lr = learningRateAt(schedule, s.step + 1) * s.lrFactor;
      // One update from the whole batch, computed in micro-batches that fit in memory: each
      // micro-batch's mean loss gradient is weighted by its share of the batch's real steps.
      const perPass = microBatchCrops(o);
      const batchTokens = crops.reduce((sum, crop) => sum + Math.max(0, crop.length - 1), 0);
      let names: string[] = [];
      let sums: number[] = [];
      let accumulated: tf.Tensor[] | undefined;
      let values: number[];
      // Global-norm clipping and Adam, on the summed gradients (either path).
      const update = (gradList: tf.Tensor[]): number[] =>
        tf.tidy(() => {
          const norm = tf.sqrt(tf.addN(gradList.map((g) => tf.sum(tf.square(g))))).dataSync()[0] ?? NaN;
          const read = [sums[0] ?? NaN, norm, ...sums.slice(1)];
          if (Number.isFinite(read[0]) && Number.isFinite(norm)) {
            const scale = o.clipNorm > 0 && norm > o.clipNorm ? o.clipNorm / norm : 1;
            adam.apply(scale === 1 ? gradList : gradList.map((g) => tf.mul(g, scale)), lr);
          }
          return read;
        });
      if (computer !== undefined) {
        // The same passes and seeds on worker threads; their weighted gradients are added here in
        // pass order, as the in-process path adds them.
        const passes: GradientPass[] = [];
        for (let first = 0, pass = 0; first < crops.length; first += perPass, pass++) {
          passes.push({ crops: crops.slice(first, first + perPass), seed: dropoutSeed + pass, batchTokens });
        }
        const current = model.variables.map((v) => v.dataSync() as Float32Array);
        let results: PassGradient[];
        try {
          results = await computer.computeGradients(current, passes);
        } catch (error) {
          // A worker's wasm heap overflowing is the same problem as in-process: say what to lower.
          throw explainTrap(error, o);
        }
        const total = current.map((w) => new Float32Array(w.length));
        for (const result of results) {
          result.gradients.forEach((g, i) => {
            const into = total[i]!;
            for (let j = 0; j < into.length; j++) into[j] = into[j]! + g[j]!;
          });
          if (sums.length === 0) sums = result.values.map(() => 0);
          result.values.forEach((x, i) => (sums[i] = (sums[i] ?? 0) + x * result.weight));
          names = [...result.names];
        }
        const gradList = model.variables.map((v, i) => tf.tensor(total[i]!, v.shape));
        try {
          values = update(gradList);
        } catch (error) {
          throw explainTrap(error, o);
        } finally {
          tf.dispose(gradList);
        }
      } else {
        try {
          for (let first = 0, pass = 0; first < crops.length; first += perPass, pass++) {
            const batch = model.makeBatch(crops.slice(first, first + perPass));
            try {
              const weight = batch.tokens / Math.max(1, batchTokens);
              const previous = accumulated;
              const read = tf.tidy(() => {
                const computed = passGradientTensors(model, batch, dropoutSeed + pass, weight);
                names = computed.names;
                const weighted = computed.grads;
                accumulated = (
                  previous === undefined ? weighted : weighted.map((g, i) => tf.add(previous[i]!, g))
                ).map((g) => tf.keep(g));
                return Array.from(computed.losses.dataSync());
              });
              if (previous !== undefined) tf.dispose(previous);
              if (sums.length === 0) sums = read.map(() => 0);
              read.forEach((x, i) => (sums[i] = (sums[i] ?? 0) + x * weight));
            } finally {
              batch.dispose();
            }
          }
          values = update(accumulated ?? []);
        } catch (error) {
          throw explainTrap(error, o);
        } finally {
          if (accumulated !== undefined) tf.dispose(accumulated);
        }
      }
      const loss = values[0] ?? NaN;
      const gradNorm = values[1] ?? NaN;
      const skipped = !(Number.isFinite(loss) && Number.isFinite(gradNorm));
      const seconds = now() - started;
      s.elapsedSeconds += seconds;
      if (skipped) {
        s.skippedSteps++;
        s.consecutiveFailures++;
        s.lrFactor /= 2;
        callbacks.onWarning?.(
          `step ${s.step + 1}: loss ${loss}, gradient norm ${gradNorm}; step skipped, learning rate halved to ${lr / 2}`,
        );
      } else {
        s.step++;
        s.consecutiveFailures = 0;
        s.tokens += batchTokens;
        s.lr = lr;
        intervalLoss += loss;
        intervalSteps++;
      }
      await callbacks.onStep?.({
        step: s.step,
        epoch: s.crops / sampler.roundSize,
        loss,
        parts: Object.fromEntries(names.map((n, i) => [n, values[i + 2] ?? NaN])),
        gradNorm,
        lr,
        tokens: batchTokens,
        seconds,
        elapsedSeconds: s.elapsedSeconds,
        skipped,
        progress: progress(),
      });
      if (s.consecutiveFailures >= o.maxFailures) {
        reason = 'diverged';
        message =
          `the loss was not finite for ${s.consecutiveFailures} steps in a row (learning rate now ` +
          `${learningRateAt(schedule, s.step + 1) * s.lrFactor}); stopped, the last good checkpoint is kept`;
        break;
      }
      if (skipped) continue;
      if (o.validateEvery > 0 && s.step % o.validateEvery === 0) {
        await validate();
        if (o.patience !== undefined && s.validationsWithoutImprovement >= o.patience) {
          reason = 'early-stopping';
          message = `no better validation loss in ${o.patience} validations; best ${s.best?.loss} at step ${s.best?.step}`;
          await callbacks.onCheckpoint?.(checkpoint(), 'latest');
          return { reason, message, state: state() };
        }
      }
      const dueBySteps =
        o.checkpointEverySteps !== undefined && s.step - lastCheckpointStep >= o.checkpointEverySteps;
      const dueByTime = s.elapsedSeconds - lastCheckpointAt >= o.checkpointEverySeconds;
      if (dueBySteps || dueByTime) {
        await callbacks.onCheckpoint?.(checkpoint(), 'latest');
        lastCheckpointAt = s.elapsedSeconds;
        lastCheckpointStep = s.step;
      }
    }
    if (reason !== 'diverged' && reason !== 'stopped' && (intervalSteps > 0 || s.validation.length === 0)) {
      await validate();
    }
    if (reason !== 'diverged') await callbacks.onCheckpoint?.(checkpoint(), 'latest');
    return { reason, message, state: state() };
  } finally {
    adam.dispose();
  }
}
