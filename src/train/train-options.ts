import { DEFAULT_CROP_LENGTH } from '../data/crops.js';
import type { DatasetIdentity } from '../data/dataset-identity.js';
import { InvalidArgumentError } from '../errors.js';
import { validateLrSchedule, type LrSchedule } from './lr-schedule.js';

/**
 * The trainer's options (`TrainOptions`, their defaults and checks) and the run's budget: how many
 * steps the step and epoch limits allow, the learning-rate schedule that follows from it, how far
 * the run is, and whether a limit is reached.
 */

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
  /** The cosine's last rate as a share of `lr` (default 0.1); a resumed run may lower it. */
  readonly lrFinal?: number;
  /** Global gradient-norm limit (default 1; 0 turns clipping off). */
  readonly clipNorm?: number;
  /** Seed of the crops, augmentation and dropout (default 1). */
  readonly seed?: number;
  /**
   * Augment crops (default true): `true` the original's augmentation V1 (tempo, transposition,
   * volume), `'performance'` V1 and then a random velocity curve (`src/augment/velocity-curve.ts`),
   * for corpora from several pianos and players; `false` none.
   */
  readonly augment?: boolean | 'performance';
  /**
   * Range `[low, high)` of the augmentation's time factor on delays and durations (default the
   * original's [0.5, 2)); unused without `augment`.
   */
  readonly timeScale?: readonly [number, number];
  /** Share of crops per source, by tag (`createCropSampler`'s `sourceWeights`); default: uniform per file. */
  readonly sourceWeights?: Readonly<Record<string, number>>;
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
   * More than 1 needs a `GradientWorkerPool` in `TrainCallbacks.gradients` (in Node:
   * `createGradientWorkers` from `src/node/gradient-workers.ts`); the micro-batches, their dropout
   * seeds and the update are the same as with 1, so results match to float rounding.
   */
  readonly workers?: number;
}

/** The options without a default: unset means "no such limit". */
type OptionalOption =
  | 'steps'
  | 'epochs'
  | 'timeSeconds'
  | 'patience'
  | 'checkpointEverySteps'
  | 'dataset'
  | 'sourceWeights'
  | 'timeScale';

/** Every option, with its default filled in (the limits stay optional). */
export type ResolvedTrainOptions = Required<Omit<TrainOptions, OptionalOption>> &
  Pick<TrainOptions, OptionalOption>;

/** Default `microBatchSteps`: 16 crops of 1,024 notes (LSTM 192 then peaks near 1.5 GB). */
export const DEFAULT_MICRO_BATCH_STEPS = 16_384;

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
 * @example resolveTrainOptions({ steps: 100 }).batchSize; // 64
 */
export function resolveTrainOptions(options: TrainOptions): ResolvedTrainOptions {
  const batchSize = options.batchSize ?? 64;
  const resolved = {
    batchSize,
    length: options.length ?? DEFAULT_CROP_LENGTH,
    lr: options.lr ?? 1e-3,
    schedule: options.schedule ?? 'auto',
    warmupSteps: options.warmupSteps ?? 20,
    lrFinal: options.lrFinal ?? 0.1,
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
    ...(options.sourceWeights === undefined ? {} : { sourceWeights: { ...options.sourceWeights } }),
    ...(options.timeScale === undefined
      ? {}
      : { timeScale: [options.timeScale[0], options.timeScale[1]] as const }),
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
  if (!(resolved.lrFinal >= 0 && resolved.lrFinal <= 1)) {
    throw new InvalidArgumentError(`final learning-rate factor ${resolved.lrFinal} is not in [0, 1]`);
  }
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
  if (resolved.timeScale !== undefined) {
    const [low, high] = resolved.timeScale;
    if (!(Number.isFinite(low) && Number.isFinite(high) && low > 0 && low <= high)) {
      throw new InvalidArgumentError(`time-scale range [${low}, ${high}) is not 0 < low <= high`);
    }
  }
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

/**
 * Crops in one forward and backward pass: as many whole crops as `microBatchSteps` holds, at least 1.
 *
 * @param options - the micro-batch steps and the crop length
 * @returns crops per pass
 * @example cropsPerPass({ microBatchSteps: 16_384, length: 768 }); // 21
 */
export function cropsPerPass(options: Pick<ResolvedTrainOptions, 'microBatchSteps' | 'length'>): number {
  return Math.max(1, Math.floor(options.microBatchSteps / options.length));
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

/** Fewest crops a gradient worker thread gets from each step when the worker count is chosen for it. */
export const MIN_CROPS_PER_WORKER = 8;

/**
 * The gradient worker threads to train on when none were asked for: one per core, but no more than
 * leave each at least `MIN_CROPS_PER_WORKER` crops a step. Splitting the batch between threads, each
 * with its own model and single-threaded kernels, keeps both cores busy for the whole step, where
 * threads inside each kernel leave the ops between kernels on one core (docs/bench/train-parallel.md).
 *
 * @param batchSize - crops per step
 * @param cores - cores this process may use
 * @returns threads (1: train on the calling thread)
 * @example autoWorkers(32, 2); // 2
 */
export function autoWorkers(batchSize: number, cores: number): number {
  if (!(cores >= 2)) return 1;
  return Math.max(1, Math.min(Math.floor(cores), Math.floor(batchSize / MIN_CROPS_PER_WORKER)));
}

/** A limit the run reached, and a sentence saying so. */
export interface LimitReached {
  readonly reason: 'steps' | 'epochs' | 'time';
  readonly message: string;
}

/** Where the run stands, as the budget needs it. */
export interface RunPosition {
  readonly step: number;
  readonly epoch: number;
  readonly elapsedSeconds: number;
}

/** The run's budget: its limits in steps and seconds, and the learning-rate schedule they imply. */
export interface TrainingBudget {
  /** The tighter of the step and epoch limits, in steps; undefined when the run ends by time only. */
  readonly maxSteps: number | undefined;
  readonly schedule: LrSchedule;
  /** Fraction of the run done (by the tightest of steps, epochs and time), if bounded. */
  fractionDone(position: RunPosition): number | undefined;
  /** The limit reached at `position`, if any (steps or epochs first, then time). */
  limitReached(position: RunPosition): LimitReached | undefined;
}

/**
 * The budget of a run: `epochs` become `ceil(epochs × roundSize / batchSize)` steps; the schedule
 * is cosine when bounded by steps or epochs and constant when bounded only by time (`'auto'`), with
 * the warm-up capped at a tenth of the steps.
 *
 * @param options - resolved options
 * @param roundSize - crops in one epoch (4 × the training songs' crops)
 * @returns the budget
 * @throws InvalidArgumentError for a cosine schedule without a step or epoch limit
 * @example createTrainingBudget(resolveTrainOptions({ steps: 100 }), 40).maxSteps; // 100
 */
export function createTrainingBudget(options: ResolvedTrainOptions, roundSize: number): TrainingBudget {
  const maxSteps = stepLimit(options, roundSize);
  const { timeSeconds } = options;
  return {
    maxSteps,
    schedule: scheduleFor(options, maxSteps),
    fractionDone({ step, elapsedSeconds }) {
      const fractions: number[] = [];
      if (maxSteps !== undefined) fractions.push(step / maxSteps);
      if (timeSeconds !== undefined) fractions.push(elapsedSeconds / timeSeconds);
      return fractions.length === 0 ? undefined : Math.min(1, Math.max(...fractions));
    },
    limitReached({ step, epoch, elapsedSeconds }) {
      if (maxSteps !== undefined && step >= maxSteps) {
        return {
          reason: options.steps !== undefined && maxSteps === options.steps ? 'steps' : 'epochs',
          message: `reached ${step} steps (epoch ${epoch.toFixed(2)})`,
        };
      }
      if (timeSeconds !== undefined && elapsedSeconds >= timeSeconds) {
        return { reason: 'time', message: `reached the time limit after ${step} steps` };
      }
      return undefined;
    },
  };
}

function stepLimit(options: ResolvedTrainOptions, roundSize: number): number | undefined {
  const fromEpochs =
    options.epochs === undefined ? undefined : Math.ceil((options.epochs * roundSize) / options.batchSize);
  if (options.steps === undefined) return fromEpochs;
  return fromEpochs === undefined ? options.steps : Math.min(options.steps, fromEpochs);
}

function scheduleFor(options: ResolvedTrainOptions, maxSteps: number | undefined): LrSchedule {
  const kind =
    options.schedule === 'auto' ? (maxSteps === undefined ? 'constant' : 'cosine') : options.schedule;
  if (kind === 'cosine' && maxSteps === undefined) {
    throw new InvalidArgumentError('a cosine schedule needs --steps or --epochs');
  }
  const warmupSteps =
    maxSteps === undefined ? options.warmupSteps : Math.min(options.warmupSteps, Math.floor(maxSteps / 10));
  return validateLrSchedule({
    kind,
    lr: options.lr,
    warmupSteps,
    minFactor: options.lrFinal,
    ...(maxSteps === undefined ? {} : { totalSteps: maxSteps }),
  });
}
