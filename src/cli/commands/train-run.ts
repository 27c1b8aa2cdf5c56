import { appendFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { decodeDataset, type Dataset } from '../../data/dataset-format.js';
import { datasetIdentity } from '../../data/dataset-identity.js';
import { HowlError } from '../../errors.js';
import type { BackendName } from '../../model/backend.js';
import { architectureName, DEFAULT_PRESET, presetConfig, type ModelConfig } from '../../model/config.js';
import { createModel } from '../../model/model.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { loadCheckpoint, saveCheckpoint } from '../../node/checkpoint-store.js';
import { setupNodeBackend } from '../../node/tf-backend.js';
import type { Checkpoint } from '../../train/checkpoint.js';
import { renderLossPlot } from '../../train/loss-plot.js';
import {
  createMovingAverage,
  estimateRemaining,
  finiteOrNull,
  formatDuration,
  metricsLine,
  parseDuration,
  type MetricsRecord,
} from '../../train/metrics.js';
import {
  microBatchStepsForWorkers,
  resolveTrainOptions,
  train,
  type TrainOptions,
} from '../../train/trainer.js';
import {
  createGradientWorkers,
  GradientWorkerError,
  type GradientWorkers,
} from '../../node/gradient-workers.js';
import { readInputFile } from '../../node/read-input-file.js';
import { createProgressLine, parseNumberOption } from '../cli-helpers.js';
import { CliError } from '../main.js';

import { BACKENDS, type TrainCommandOptions } from './train.js';

async function readDataset(file: string): Promise<Dataset> {
  return decodeDataset(await readInputFile(file), file);
}

/** Where the run folder and the checkpoint to resume are, for `--resume DIR`. */
function resumePaths(dir: string): { runDir: string; checkpointDir: string } {
  if (existsSync(join(dir, 'state.json'))) return { runDir: dirname(resolve(dir)), checkpointDir: dir };
  return { runDir: dir, checkpointDir: join(dir, 'checkpoint') };
}

/**
 * Runs `howl train` with parsed options: loads the dataset (or the checkpoint to resume), trains,
 * and writes checkpoints, `metrics.jsonl` and `loss.svg` into the run folder.
 *
 * @param datasetFile - the `*.howl` dataset
 * @param options - the command's options
 * @throws {CliError} For bad input, with one clear line.
 */
export async function runTrain(datasetFile: string, options: TrainCommandOptions): Promise<void> {
  const steps = parseNumberOption(options.steps, '--steps', { integer: true, min: 1 });
  const epochs = parseNumberOption(options.epochs, '--epochs', {
    min: Number.MIN_VALUE,
    expected: 'a positive number',
  });
  const timeSeconds = options.time === undefined ? undefined : parseDuration(options.time as string);
  const checkpointEverySeconds = parseDuration(options.checkpointEvery);
  const valEvery = parseNumberOption(options.valEvery, '--val-every', { integer: true, min: 0 });
  const valCrops = parseNumberOption(options.valCrops, '--val-crops', { integer: true, min: 0 });
  const patience = parseNumberOption(options.patience, '--patience', { integer: true, min: 1 });
  const microBatchSteps = parseNumberOption(options.microBatchSteps, '--micro-batch-steps', {
    integer: true,
    min: 1,
  });
  const workers = parseNumberOption(options.workers, '--workers', { integer: true, min: 1 });
  const backend = options.backend;
  if (!(BACKENDS as readonly string[]).includes(backend)) {
    throw new CliError(`unknown backend '${backend}'; known: ${BACKENDS.join(', ')}`);
  }
  const limits: TrainOptions = {
    ...(steps === undefined ? {} : { steps }),
    ...(epochs === undefined ? {} : { epochs }),
    ...(timeSeconds === undefined ? {} : { timeSeconds }),
    ...(valEvery === undefined ? {} : { validateEvery: valEvery }),
    ...(valCrops === undefined ? {} : { validationCrops: valCrops }),
    ...(patience === undefined ? {} : { patience }),
    ...(microBatchSteps === undefined ? {} : { microBatchSteps }),
    ...(workers === undefined ? {} : { workers }),
    checkpointEverySeconds,
  };

  let runDir: string;
  let resume: Checkpoint | undefined;
  let modelConfig: ModelConfig;
  let trainOptions: TrainOptions;
  if (options.resume !== undefined) {
    const conflicting = (['arch', 'batch', 'length', 'lr', 'seed', 'warmup', 'out'] as const).filter(
      (k) => options[k] !== undefined,
    );
    if (conflicting.length > 0) {
      throw new CliError(
        `--resume continues a run with its own settings; it cannot be combined with ${conflicting.map((k) => `--${k}`).join(', ')}`,
      );
    }
    const paths = resumePaths(options.resume);
    runDir = paths.runDir;
    resume = await loadCheckpoint(paths.checkpointDir);
    modelConfig = resume.config.model;
    const saved = resume.config.training as TrainOptions;
    const kept: Record<string, unknown> = { ...saved };
    // New limits replace all the saved ones; without new ones, the saved limits still hold.
    if (steps !== undefined || epochs !== undefined || timeSeconds !== undefined) {
      for (const key of ['steps', 'epochs', 'timeSeconds']) delete kept[key];
    }
    trainOptions = { ...(kept as TrainOptions), ...limits };
  } else {
    const arch = options.arch ?? DEFAULT_PRESET;
    modelConfig = presetConfig(arch);
    const batchSize = parseNumberOption(options.batch, '--batch', { integer: true, min: 1 });
    const length = parseNumberOption(options.length, '--length', { integer: true, min: 2 });
    const lr = parseNumberOption(options.lr, '--lr', {
      min: Number.MIN_VALUE,
      expected: 'a positive number',
    });
    const seed = parseNumberOption(options.seed, '--seed', { integer: true, min: 0 });
    const warmupSteps = parseNumberOption(options.warmup, '--warmup', { integer: true, min: 0 });
    const hasLimit = steps !== undefined || epochs !== undefined || timeSeconds !== undefined;
    trainOptions = {
      ...(batchSize === undefined ? {} : { batchSize }),
      ...(length === undefined ? {} : { length }),
      ...(lr === undefined ? {} : { lr }),
      ...(seed === undefined ? {} : { seed }),
      ...(warmupSteps === undefined ? {} : { warmupSteps }),
      ...(hasLimit ? {} : { timeSeconds: 12 * 3600 }),
      ...limits,
    };
    if (workers !== undefined && workers > 1 && microBatchSteps === undefined) {
      // Split each batch into a multiple of `workers` equal passes (saved, so a resume splits alike).
      const shape = resolveTrainOptions(trainOptions);
      trainOptions = {
        ...trainOptions,
        microBatchSteps: microBatchStepsForWorkers(shape.batchSize, shape.length, workers),
      };
    }
    const name = `${basename(datasetFile).replace(/\.howl$/i, '')}-${arch}`;
    runDir = options.out ?? join('runs', name);
    if (existsSync(join(runDir, 'checkpoint')) || existsSync(join(runDir, 'metrics.jsonl'))) {
      throw new CliError(
        `${runDir} already holds a training run; continue it with --resume ${runDir}, or choose another --out`,
      );
    }
  }
  resolveTrainOptions(trainOptions);
  const dataset = await readDataset(datasetFile);
  if (dataset.totals.trainFiles === 0) throw new CliError(`${datasetFile} has no training files`);
  const identity = datasetIdentity(dataset);
  const trainedOn = resume ? (resume.config.training as TrainOptions).dataset : undefined;
  if (trainedOn !== undefined && trainedOn.fingerprint !== identity.fingerprint) {
    throw new CliError(
      `${datasetFile} is not the data this run trained on (${trainedOn.trainFiles} training and ` +
        `${trainedOn.validationFiles} validation files, fingerprint ${trainedOn.fingerprint}; this one: ` +
        `${identity.trainFiles} and ${identity.validationFiles}, ${identity.fingerprint}); resume with that dataset, or start a new run`,
    );
  }
  trainOptions = { ...trainOptions, dataset: identity };

  await setupNodeBackend(backend as BackendName).catch((error: unknown) => {
    throw new CliError(
      error instanceof HowlError ? error.message : `cannot start the ${backend} backend: ${String(error)}`,
    );
  });
  await mkdir(runDir, { recursive: true });
  const metricsFile = join(runDir, 'metrics.jsonl');
  const checkpointDir = join(runDir, 'checkpoint');
  const bestDir = join(runDir, 'best');
  let writes = Promise.resolve();
  const log = (record: MetricsRecord): void => {
    writes = writes.then(() => appendFile(metricsFile, metricsLine(record)));
  };

  let signal: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (name: 'SIGINT' | 'SIGTERM'): void => {
    if (signal) process.exit(name === 'SIGINT' ? 130 : 143); // a second signal: leave now
    signal = name;
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  const resolved = resolveTrainOptions(trainOptions);
  let threads: GradientWorkers | undefined;
  if (resolved.workers > 1) {
    threads = await createGradientWorkers({
      workers: resolved.workers,
      model: modelConfig,
      backend: backend as BackendName,
    }).catch((error: unknown) => {
      throw new CliError(error instanceof HowlError ? error.message : String(error));
    });
  }
  const model = createModel(modelConfig, { seed: trainOptions.seed ?? 1 });
  const progress = createProgressLine();
  const lossAverage = createMovingAverage(0.95);
  const speed = createMovingAverage(0.9);
  let lastValidation = '';
  const say = (text: string): void => {
    progress.done();
    process.stdout.write(text + '\n');
  };
  say(
    `${resume ? 'resuming' : 'training'} ${architectureName(modelConfig)} on ` +
      `${dataset.totals.trainFiles} training files, ${dataset.totals.validationFiles} validation files; ` +
      `batch ${resolved.batchSize} × ${resolved.length} notes` +
      (threads ? ` on ${threads.workers} worker threads` : '') +
      `; run folder ${runDir}` +
      (resume ? `; from step ${resume.state.step}` : ''),
  );
  log({
    type: 'event',
    step: resume?.state.step ?? 0,
    message: resume ? 'resumed' : 'started',
    time: new Date().toISOString(),
  });
  let result;
  try {
    result = await train(
      model,
      dataset,
      trainOptions,
      {
        ...(threads ? { gradients: threads } : {}),
        shouldStop: () => signal !== undefined,
        onWarning: (message) => {
          progress.done();
          process.stderr.write(`howl: warning: ${message}\n`);
        },
        onStep(info) {
          const tps = info.seconds > 0 ? info.tokens / info.seconds : NaN;
          log({
            type: 'step',
            step: info.step,
            epoch: info.epoch,
            loss: finiteOrNull(info.loss),
            parts: Object.fromEntries(Object.entries(info.parts).map(([k, v]) => [k, finiteOrNull(v)])),
            lr: info.lr,
            gradNorm: finiteOrNull(info.gradNorm),
            tokensPerSecond: Math.round(tps),
            elapsedSeconds: info.elapsedSeconds,
            skipped: info.skipped,
          });
          const loss = lossAverage.add(info.loss);
          const rate = speed.add(tps);
          const eta = estimateRemaining(info.progress, info.elapsedSeconds);
          progress.update(
            `step ${info.step}${resolved.steps ? `/${resolved.steps}` : ''} ep ${info.epoch.toFixed(2)} ` +
              `loss ${loss.toFixed(4)}${lastValidation} ${Math.round(rate).toLocaleString('en-US')} tok/s ` +
              `lr ${info.lr.toExponential(1)} ${formatDuration(info.elapsedSeconds)}` +
              (Number.isFinite(eta) ? ` ETA ${formatDuration(eta)}` : ''),
          );
        },
        async onValidation(info) {
          lastValidation = ` val ${info.loss.toFixed(4)}`;
          log({
            type: 'validation',
            step: info.step,
            epoch: info.epoch,
            loss: finiteOrNull(info.loss),
            parts: Object.fromEntries(Object.entries(info.parts).map(([k, v]) => [k, finiteOrNull(v)])),
            trainLoss: finiteOrNull(info.trainLoss),
            best: info.best,
            elapsedSeconds: info.elapsedSeconds,
          });
          say(
            `step ${info.step} epoch ${info.epoch.toFixed(2)}: train ${info.trainLoss.toFixed(4)} ` +
              `validation ${info.loss.toFixed(4)}${info.best ? ' (best)' : ''} after ${formatDuration(info.elapsedSeconds)}`,
          );
          await writeFileAtomic(
            join(runDir, 'loss.svg'),
            renderLossPlot(info.curves.train, info.curves.validation, { title: `${basename(runDir)}: loss` }),
          );
        },
        async onCheckpoint(checkpoint, kind) {
          await saveCheckpoint(kind === 'best' ? bestDir : checkpointDir, checkpoint);
        },
      },
      resume,
    );
  } catch (error) {
    if (error instanceof GradientWorkerError) {
      throw new CliError(
        `${error.message}; checkpoints already saved are intact: continue with howl train ${datasetFile} --resume ${runDir}`,
      );
    }
    throw error;
  } finally {
    progress.done();
    await threads?.close();
    await writes;
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    model.dispose();
  }
  log({
    type: 'event',
    step: result.state.step,
    message: `${result.reason}: ${result.message}`,
    time: new Date().toISOString(),
  });
  await writes;
  if (result.reason === 'diverged')
    throw new CliError(`training diverged: ${result.message} (${checkpointDir})`);
  if (signal) {
    throw new CliError(
      `${signal === 'SIGINT' ? 'interrupted' : 'terminated'} at step ${result.state.step}; checkpoint saved; ` +
        `continue with: howl train ${datasetFile} --resume ${runDir}`,
      signal === 'SIGINT' ? 130 : 143,
    );
  }
  const best = result.state.best;
  say(
    `done (${result.message}); checkpoint in ${checkpointDir}` +
      (best ? `, best validation loss ${best.loss.toFixed(4)} at step ${best.step} in ${bestDir}` : ''),
  );
}
