import { basename, join } from 'node:path';
import type { Checkpoint } from '../../model/checkpoint/checkpoint.js';
import type { BackendName } from '../../model/kernels/backend.js';
import { DEFAULT_PRESET, presetConfig, type ModelConfig } from '../../model/config.js';
import { loadCheckpoint } from '../../node/checkpoint-store.js';
import {
  holdsRun,
  readRunRecord,
  recordedDataset,
  resumeTarget,
  runFolder,
  type RunFolder,
} from '../../node/run-folder.js';
import { formatDuration, parseDuration } from '../../train/metrics.js';
import { defaultBlasThreads } from '../../node/native-loader.js';
import {
  autoWorkers,
  microBatchStepsForWorkers,
  resolveTrainOptions,
  type TrainOptions,
} from '../../train/train-options.js';
import { CliError } from '../cli-error.js';
import { parseNumberOption } from '../cli-helpers.js';
import { BACKENDS, defaultBatchShape, type TrainCommandOptions } from './train-flags.js';

/** Everything `howl train` will do, checked before the dataset is read or TensorFlow.js starts. */
export interface TrainPlan {
  readonly run: RunFolder;
  /** The dataset: the argument, or (`--resume DIR` alone) the one the run folder records. */
  readonly datasetFile: string;
  readonly backend: BackendName;
  readonly modelConfig: ModelConfig;
  /** The options to train with (the dataset's identity is added once it is read). */
  readonly trainOptions: TrainOptions;
  /** The checkpoint a resumed run continues from. */
  readonly resume?: Checkpoint;
  /** The model a new run starts from (`--init-from`). */
  readonly initFrom?: string;
}

/** The options a resumed run may change; each replaces the saved one only when given. */
function parseOverrides(options: TrainCommandOptions): TrainOptions {
  const steps = parseNumberOption(options.steps, '--steps', { integer: true, min: 1 });
  const epochs = parseNumberOption(options.epochs, '--epochs', {
    min: Number.MIN_VALUE,
    expected: 'a positive number',
  });
  const timeSeconds = options.time === undefined ? undefined : parseDuration(options.time);
  const checkpointEverySeconds =
    options.checkpointEvery === undefined ? undefined : parseDuration(options.checkpointEvery);
  const validateEvery = parseNumberOption(options.valEvery, '--val-every', { integer: true, min: 0 });
  const validationCrops = parseNumberOption(options.valCrops, '--val-crops', { integer: true, min: 0 });
  const patience = parseNumberOption(options.patience, '--patience', { integer: true, min: 1 });
  const microBatchSteps = parseNumberOption(options.microBatchSteps, '--micro-batch-steps', {
    integer: true,
    min: 1,
  });
  const workers = parseNumberOption(options.workers, '--workers', { integer: true, min: 1 });
  const lrFinal = parseNumberOption(options.lrFinal, '--lr-final', { min: 0, max: 1 });
  const given = {
    steps,
    epochs,
    timeSeconds,
    checkpointEverySeconds,
    validateEvery,
    validationCrops,
    patience,
    microBatchSteps,
    workers,
    lrFinal,
  };
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as TrainOptions;
}

/** The backends whose steps run on the CPU, where gradient worker threads can share a step. */
const CPU_BACKENDS: ReadonlySet<BackendName> = new Set(['wasm', 'cpu']);

const hasLimit = (o: TrainOptions): boolean =>
  o.steps !== undefined || o.epochs !== undefined || o.timeSeconds !== undefined;

function checkBackend(name: string): BackendName {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    throw new CliError(`unknown backend '${name}'; known: ${BACKENDS.join(', ')}`);
  }
  return name as BackendName;
}

/**
 * Checks `howl train`'s options and works out the run: a new one (architecture, batch shape and
 * limits, a fresh run folder) or a resumed one (the saved settings, new limits and intervals).
 *
 * @param datasetArg - the dataset argument, optional with `--resume`
 * @param options - the command's options
 * @returns the plan
 * @throws {CliError} For bad or conflicting options, with one clear line.
 */
export async function planTrain(
  datasetArg: string | undefined,
  options: TrainCommandOptions,
): Promise<TrainPlan> {
  const overrides = parseOverrides(options);
  if (options.backend !== undefined) checkBackend(options.backend);
  return options.resume === undefined
    ? planNewRun(datasetArg, options, overrides)
    : planResume(datasetArg, options.resume, options, overrides);
}

/** `--augment`: v1, performance or none. */
function parseAugment(text: string | undefined): TrainOptions['augment'] {
  if (text === undefined) return undefined;
  const kinds: Record<string, TrainOptions['augment']> = {
    v1: true,
    performance: 'performance',
    none: false,
  };
  if (!(text in kinds)) throw new CliError(`--augment: "${text}" is not one of: v1, performance, none`);
  return kinds[text];
}

/** `--time-scale 0.8,1.25`: the augmentation's tempo range. */
function parseTimeScale(text: string | undefined): readonly [number, number] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',').map((part) => Number(part.trim()));
  const [low, high] = parts;
  if (
    parts.length !== 2 ||
    low === undefined ||
    high === undefined ||
    !(Number.isFinite(low) && Number.isFinite(high) && low > 0 && low <= high)
  ) {
    throw new CliError(`--time-scale: "${text}" is not LOW,HIGH with 0 < LOW <= HIGH, e.g. 0.8,1.25`);
  }
  return [low, high];
}

/** `--source-weight asap=1,piano-midi-de=2`: a weight per source tag. */
function parseSourceWeights(text: string): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const part of text.split(',')) {
    const at = part.lastIndexOf('=');
    const tag = part.slice(0, at).trim();
    const weight = Number(part.slice(at + 1));
    if (at <= 0 || !(Number.isFinite(weight) && weight >= 0) || part.slice(at + 1).trim() === '') {
      throw new CliError(`--source-weight: "${part}" is not TAG=WEIGHT with a weight >= 0`);
    }
    weights[tag] = weight;
  }
  return weights;
}

function planNewRun(
  datasetArg: string | undefined,
  options: TrainCommandOptions,
  overrides: TrainOptions,
): TrainPlan {
  if (datasetArg === undefined) {
    throw new CliError(
      'give the dataset to train on (howl train DATA.howl), or --resume RUN to continue a run',
    );
  }
  const arch = options.arch ?? DEFAULT_PRESET;
  const modelConfig = withInfill(presetConfig(arch), options.infill === true, arch);
  const shape = defaultBatchShape(modelConfig);
  const batchSize = parseNumberOption(options.batch, '--batch', { integer: true, min: 1 }) ?? shape.batchSize;
  const length = parseNumberOption(options.length, '--length', { integer: true, min: 2 }) ?? shape.length;
  const lr = parseNumberOption(options.lr, '--lr', { min: Number.MIN_VALUE, expected: 'a positive number' });
  const seed = parseNumberOption(options.seed, '--seed', { integer: true, min: 0 });
  const warmupSteps = parseNumberOption(options.warmup, '--warmup', { integer: true, min: 0 });
  const augment = parseAugment(options.augment);
  const timeScale = parseTimeScale(options.timeScale);
  const sourceWeights =
    options.sourceWeight === undefined ? undefined : parseSourceWeights(options.sourceWeight);
  let trainOptions: TrainOptions = {
    batchSize,
    length,
    ...(augment === undefined ? {} : { augment }),
    ...(timeScale === undefined ? {} : { timeScale }),
    ...(sourceWeights === undefined ? {} : { sourceWeights }),
    ...(lr === undefined ? {} : { lr }),
    ...(seed === undefined ? {} : { seed }),
    ...(warmupSteps === undefined ? {} : { warmupSteps }),
    ...(hasLimit(overrides) ? {} : { timeSeconds: 12 * 3600 }),
    checkpointEverySeconds: 600,
    ...overrides,
  };
  const backend = checkBackend(options.backend ?? 'wasm');
  // On the CPU backends a new run splits each step between the cores unless told otherwise.
  const workers =
    overrides.workers ?? (CPU_BACKENDS.has(backend) ? autoWorkers(batchSize, defaultBlasThreads()) : 1);
  trainOptions = { ...trainOptions, workers };
  if (workers > 1 && overrides.microBatchSteps === undefined) {
    // Split each batch into a multiple of `workers` equal passes (saved, so a resume splits alike).
    trainOptions = {
      ...trainOptions,
      microBatchSteps: microBatchStepsForWorkers(batchSize, length, workers),
    };
  }
  resolveTrainOptions(trainOptions);
  const name = `${basename(datasetArg).replace(/\.howl$/i, '')}-${arch}${options.infill ? '-infill' : ''}`;
  const dir = options.out ?? join('runs', name);
  if (holdsRun(dir)) {
    throw new CliError(
      `${dir} already holds a training run; continue it with --resume ${dir}, or choose another --out`,
    );
  }
  return {
    run: runFolder(dir),
    datasetFile: datasetArg,
    backend,
    modelConfig,
    trainOptions,
    ...(options.initFrom === undefined ? {} : { initFrom: options.initFrom }),
  };
}

/** `--infill`: the gap-filling form of an ordered recurrent network. */
function withInfill(config: ModelConfig, infill: boolean, arch: string): ModelConfig {
  if (!infill) return config;
  if (config.type !== 'ordered-rnn') {
    throw new CliError(
      `--infill needs an ordered recurrent network (ordered-lstm, ordered-gru), not ${arch}`,
    );
  }
  return { ...config, infill: true };
}

async function planResume(
  datasetArg: string | undefined,
  resumePath: string,
  options: TrainCommandOptions,
  overrides: TrainOptions,
): Promise<TrainPlan> {
  const conflicting = (
    [
      'arch',
      'infill',
      'initFrom',
      'batch',
      'length',
      'lr',
      'seed',
      'warmup',
      'out',
      'augment',
      'timeScale',
      'sourceWeight',
    ] as const
  ).filter((k) => options[k] !== undefined);
  if (conflicting.length > 0) {
    throw new CliError(
      `--resume continues a run with its own settings; it cannot be combined with ${conflicting.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`,
    );
  }
  const { run, checkpointDir } = resumeTarget(resumePath);
  const resume = await loadCheckpoint(checkpointDir);
  const record = await readRunRecord(run);
  const datasetFile = datasetArg ?? (record === undefined ? undefined : recordedDataset(run, record));
  if (datasetFile === undefined) {
    throw new CliError(
      `${run.dir} does not record its dataset (it was made by an older Howl); name it: howl train DATA.howl --resume ${resumePath}`,
    );
  }
  const saved: Record<string, unknown> = { ...(resume.config.training as TrainOptions) };
  // New limits replace all the saved ones; without new ones, the saved limits still hold.
  if (hasLimit(overrides)) for (const key of ['steps', 'epochs', 'timeSeconds']) delete saved[key];
  const trainOptions: TrainOptions = { ...(saved as TrainOptions), ...overrides };
  resolveTrainOptions(trainOptions);
  return {
    run,
    datasetFile,
    backend: checkBackend(options.backend ?? record?.backend ?? 'wasm'),
    modelConfig: resume.config.model,
    trainOptions,
    resume,
  };
}

/**
 * Whether a resumed run has already reached one of its limits (as the trainer counts them), and
 * the line that says so and names the flag that extends it.
 *
 * @param plan - a resumed run's plan
 * @returns the line, or `undefined` when the run has work left
 */
export function limitReached(plan: TrainPlan): string | undefined {
  const state = plan.resume?.state;
  if (state === undefined) return undefined;
  const o = resolveTrainOptions(plan.trainOptions);
  const again = `howl train --resume ${plan.run.dir}`;
  const at = `${plan.run.dir} has already trained ${state.step} steps`;
  if (o.steps !== undefined && state.step >= o.steps) {
    return `${at} (its limit: --steps ${o.steps}); to train on, give a higher total, e.g. ${again} --steps ${2 * state.step}`;
  }
  if (o.epochs !== undefined && state.epoch >= o.epochs - 1e-9) {
    return `${at}, ${state.epoch.toFixed(2)} epochs (its limit: --epochs ${o.epochs}); to train on, give a higher total, e.g. ${again} --epochs ${2 * Math.ceil(state.epoch)}`;
  }
  if (o.timeSeconds !== undefined && state.elapsedSeconds >= o.timeSeconds) {
    return `${at} in ${formatDuration(state.elapsedSeconds)} (its limit: --time ${formatDuration(o.timeSeconds)}); to train on, give a longer total, e.g. ${again} --time ${formatDuration(2 * state.elapsedSeconds)}`;
  }
  return undefined;
}
