import { existsSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { decodeDataset, type Dataset } from '../../data/dataset-format.js';
import { datasetIdentity } from '../../data/dataset-identity.js';
import { HowlError } from '../../errors.js';
import { architectureName, describeArchitecture, type ModelConfig } from '../../model/config.js';
import { createModel } from '../../model/create-model.js';
import { initWeightsFrom } from '../../model/init-weights.js';
import type { Model } from '../../model/model.js';
import { loadModel } from '../../node/load-model.js';
import { writeFileAtomic, WriteFileError } from '../../node/atomic-write.js';
import { describeFsError, fileSystemFailure } from '../../node/file-system-errors.js';
import { saveCheckpoint } from '../../node/checkpoint-store.js';
import {
  createGradientWorkers,
  GradientWorkerError,
  type GradientWorkers,
} from '../../node/gradient-workers.js';
import { readInputFile } from '../../node/read-input-file.js';
import { truncateMetrics, writeRunRecord, type RunFolder } from '../../node/run-folder.js';
import { nativeStatus, setNativeThreads } from '../../node/native-loader.js';
import { setupNodeBackend } from '../../node/tf-backend.js';
import { renderLossPlot } from '../../train/loss-plot.js';
import { finiteOrNull, formatDuration, metricsLine, type MetricsRecord } from '../../train/metrics.js';
import {
  resolveTrainOptions,
  type ResolvedTrainOptions,
  type TrainOptions,
} from '../../train/train-options.js';
import { train, type TrainCallbacks, type TrainResult } from '../../train/trainer.js';
import { CliError } from '../cli-error.js';
import type { TrainCommandOptions } from './train-flags.js';
import { createTrainProgress, type TrainProgress } from './train-progress.js';
import { limitReached, planTrain, type TrainPlan } from './train-settings.js';

/** The dataset, checked against the run it resumes. */
async function readDataset(plan: TrainPlan): Promise<Dataset> {
  const file = plan.datasetFile;
  const dataset = decodeDataset(await readInputFile(file), file);
  if (dataset.totals.trainFiles === 0) throw new CliError(`${file} has no training files`);
  const identity = datasetIdentity(dataset);
  const trainedOn = (plan.resume?.config.training as TrainOptions | undefined)?.dataset;
  if (trainedOn !== undefined && trainedOn.fingerprint !== identity.fingerprint) {
    throw new CliError(
      `${file} is not the data this run trained on (${trainedOn.trainFiles} training and ` +
        `${trainedOn.validationFiles} validation files, fingerprint ${trainedOn.fingerprint}; this one: ` +
        `${identity.trainFiles} and ${identity.validationFiles}, ${identity.fingerprint}); resume with that dataset, or start a new run`,
    );
  }
  return dataset;
}

/** The signal that asked training to stop, if any; `release()` removes the handlers. */
interface CaughtSignals {
  readonly signal: 'SIGINT' | 'SIGTERM' | undefined;
  release(): void;
}

/** Ctrl-C and SIGTERM ask the trainer to stop after the step (with a checkpoint); a second one leaves at once. */
function catchSignals(): CaughtSignals {
  let signal: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (name: 'SIGINT' | 'SIGTERM'): void => {
    if (signal) process.exit(name === 'SIGINT' ? 130 : 143);
    signal = name;
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    get signal() {
      return signal;
    },
    release() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

const partsOf = (parts: Readonly<Record<string, number>>): Record<string, number | null> =>
  Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, finiteOrNull(v)]));

/** `metrics.jsonl`, appended line by line in order. */
interface MetricsLog {
  /** Queues a line; after a failed write, later lines are dropped. */
  log(record: MetricsRecord): void;
  /** Resolves when every line queued so far is written (or has failed). */
  settled(): Promise<void>;
  /** The first write that failed (a full disk), as a `WriteFileError`: training stops, and says so. */
  readonly failure: unknown;
}

function openMetricsLog(run: RunFolder): MetricsLog {
  let writes = Promise.resolve();
  let failure: unknown;
  return {
    log(record) {
      writes = writes
        .then(() => (failure === undefined ? appendFile(run.metrics, metricsLine(record)) : undefined))
        .catch((error: unknown) => {
          failure = new WriteFileError(run.metrics, describeFsError(error, run.metrics), { cause: error });
        });
    },
    settled: () => writes,
    get failure() {
      return failure;
    },
  };
}

/** The gradient worker threads, when training on more than one thread. */
async function startThreads(
  workers: number,
  plan: TrainPlan,
  signals: CaughtSignals,
): Promise<GradientWorkers | undefined> {
  if (!(workers > 1)) return undefined;
  // Each worker thread computes its share on one core: one BLAS thread each, here and in them.
  setNativeThreads(1);
  process.env['HOWL_THREADS'] = '1';
  return createGradientWorkers({ workers, model: plan.modelConfig, backend: plan.backend }).catch(
    (error: unknown) => {
      signals.release();
      throw new CliError(error instanceof HowlError ? error.message : String(error));
    },
  );
}

/** The line `howl train` starts with: what it trains, on what, and where it writes. */
function startLine(
  plan: TrainPlan,
  dataset: Dataset,
  resolved: ResolvedTrainOptions,
  threads: GradientWorkers | undefined,
): string {
  const { run, resume, modelConfig } = plan;
  return (
    `${resume ? 'resuming' : 'training'} ${architectureName(modelConfig)} on ` +
    `${dataset.totals.trainFiles} training files, ${dataset.totals.validationFiles} validation files; ` +
    `batch ${resolved.batchSize} × ${resolved.length} notes` +
    (threads ? ` on ${threads.workers} worker threads, one kernel thread each` : '') +
    (nativeStatus() !== undefined ? `; ${nativeStatus()!.description}` : '') +
    `; run folder ${run.dir}` +
    (resume ? `; from step ${resume.state.step}` : '')
  );
}

/** The callbacks that record a run: progress lines, `metrics.jsonl`, `loss.svg` and the checkpoints. */
function recordingCallbacks(
  run: RunFolder,
  progress: TrainProgress,
  metrics: MetricsLog,
): Pick<TrainCallbacks, 'onWarning' | 'onStep' | 'onValidation' | 'onCheckpoint'> {
  const log = (record: MetricsRecord): void => metrics.log(record);
  return {
    onWarning: (message) => progress.warn(message),
    onStep(info) {
      log({
        type: 'step',
        step: info.step,
        epoch: info.epoch,
        loss: finiteOrNull(info.loss),
        parts: partsOf(info.parts),
        lr: info.lr,
        gradNorm: finiteOrNull(info.gradNorm),
        tokensPerSecond: Math.round(info.seconds > 0 ? info.tokens / info.seconds : NaN),
        elapsedSeconds: info.elapsedSeconds,
        skipped: info.skipped,
      });
      progress.step(info);
    },
    async onValidation(info) {
      progress.validation(info.loss);
      log({
        type: 'validation',
        step: info.step,
        epoch: info.epoch,
        loss: finiteOrNull(info.loss),
        parts: partsOf(info.parts),
        trainLoss: finiteOrNull(info.trainLoss),
        best: info.best,
        elapsedSeconds: info.elapsedSeconds,
      });
      progress.say(
        `step ${info.step} epoch ${info.epoch.toFixed(2)}: train ${info.trainLoss.toFixed(4)} ` +
          `validation ${info.loss.toFixed(4)}${info.best ? ' (best)' : ''} after ${formatDuration(info.elapsedSeconds)}`,
      );
      await writeFileAtomic(
        run.lossPlot,
        renderLossPlot(info.curves.train, info.curves.validation, {
          title: `${basename(run.dir)}: loss`,
        }),
      );
    },
    async onCheckpoint(checkpoint, kind) {
      await saveCheckpoint(kind === 'best' ? run.best : run.checkpoint, checkpoint);
    },
  };
}

/** After training: the last metrics line, then an error for a failed write, a divergence or a signal, else the closing line. */
async function reportOutcome(
  result: TrainResult,
  run: RunFolder,
  signals: CaughtSignals,
  progress: TrainProgress,
  metrics: MetricsLog,
): Promise<void> {
  metrics.log({
    type: 'event',
    step: result.state.step,
    message: `${result.reason}: ${result.message}`,
    time: new Date().toISOString(),
  });
  await metrics.settled();
  if (metrics.failure !== undefined) throw writeFailed(metrics.failure, run) ?? metrics.failure;
  if (result.reason === 'diverged')
    throw new CliError(`training diverged: ${result.message} (${run.checkpoint})`);
  if (signals.signal) {
    const interrupted = signals.signal === 'SIGINT';
    throw new CliError(
      `${interrupted ? 'interrupted' : 'terminated'} at step ${result.state.step}; checkpoint saved; ` +
        `continue with: howl train --resume ${run.dir}`,
      interrupted ? 130 : 143,
    );
  }
  const best = result.state.best;
  progress.say(
    `done (${result.message}); checkpoint in ${run.checkpoint}` +
      (best ? `, best validation loss ${best.loss.toFixed(4)} at step ${best.step} in ${run.best}` : ''),
  );
}

/**
 * Runs `howl train` with parsed options: works out the run (`planTrain`), loads the dataset (for
 * `--resume RUN` alone, the one the run folder records), trains, and writes checkpoints,
 * `metrics.jsonl`, `loss.svg` and `run.json` into the run folder (`src/node/run-folder.ts`).
 *
 * @param datasetArg - the `*.howl` dataset; optional with `--resume`
 * @param options - the command's options
 * @throws {CliError} For bad input, with one clear line.
 */
export async function runTrain(datasetArg: string | undefined, options: TrainCommandOptions): Promise<void> {
  const plan = await planTrain(datasetArg, options);
  const { run, resume, modelConfig, backend } = plan;
  const dataset = await readDataset(plan);
  const finished = limitReached(plan);
  if (finished !== undefined) {
    process.stdout.write(finished + '\n');
    return;
  }
  const trainOptions: TrainOptions = { ...plan.trainOptions, dataset: datasetIdentity(dataset) };
  const resolved = resolveTrainOptions(trainOptions);
  if (resolved.workers > 1 && (backend === 'webgpu' || backend === 'webgl')) {
    throw new CliError(
      `--workers ${resolved.workers} splits each step over CPU threads; on --backend ${backend} the GPU computes the step: use --workers 1`,
    );
  }

  await setupNodeBackend(backend).catch((error: unknown) => {
    throw new CliError(
      error instanceof HowlError ? error.message : `cannot start the ${backend} backend: ${String(error)}`,
    );
  });
  await mkdir(run.dir, { recursive: true });
  await writeRunRecord(run, plan.datasetFile, backend);
  // Steps logged after the checkpoint by a run that was killed are trained again: log them once.
  if (resume) await truncateMetrics(run, resume.state.step);
  const metrics = openMetricsLog(run);

  const signals = catchSignals();
  const threads = await startThreads(resolved.workers, plan, signals);
  const model = createModel(modelConfig, { seed: trainOptions.seed ?? 1 });
  const progress = createTrainProgress({ totalSteps: resolved.steps });
  progress.say(startLine(plan, dataset, resolved, threads));
  const initLine = plan.initFrom === undefined ? undefined : await initialise(model, plan.initFrom);
  if (initLine !== undefined) progress.say(initLine);
  metrics.log({
    type: 'event',
    step: resume?.state.step ?? 0,
    message: resume ? 'resumed' : `started${initLine === undefined ? '' : `; ${initLine}`}`,
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
        // A metrics line that could not be written (a full disk) stops training too, and says so.
        shouldStop: () => signals.signal !== undefined || metrics.failure !== undefined,
        ...recordingCallbacks(run, progress, metrics),
      },
      resume,
    );
  } catch (error) {
    if (error instanceof GradientWorkerError) {
      throw new CliError(
        `${error.message}; checkpoints already saved are intact: continue with howl train --resume ${run.dir}`,
      );
    }
    throw writeFailed(error, run) ?? error;
  } finally {
    progress.done();
    await threads?.close();
    await metrics.settled();
    signals.release();
    model.dispose();
  }
  await reportOutcome(result, run, signals, progress, metrics);
}

/** A configuration's fields but `infill`, in a fixed order: what must match to start from another model. */
const networkOf = (config: ModelConfig): string =>
  JSON.stringify(
    Object.entries(config)
      .filter(([key]) => key !== 'infill')
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

/** `--init-from DIR`: the new model starts from DIR's weights; returns the line that says so. */
async function initialise(model: Model, dir: string): Promise<string> {
  const source = await loadModel(dir);
  if (networkOf(model.config) !== networkOf(source.config.model)) {
    throw new CliError(
      `--init-from ${dir}: its network (${describeArchitecture(source.config.model)}) is not the one to train (${describeArchitecture(model.config)})`,
    );
  }
  try {
    const widened = initWeightsFrom(model, source.weights);
    return `starting from the weights of ${dir}${widened > 0 ? ` (${widened} input kernel widened with zero rows)` : ''}`;
  } catch (error) {
    throw new CliError(`--init-from ${dir}: ${(error as Error).message}`);
  }
}

/**
 * A checkpoint, metrics line or plot that could not be written (no space left, a quota, a read-only
 * mount, permissions) as one line: what failed, and what to continue from (checkpoints already
 * saved are intact: a failed save leaves the previous one).
 */
function writeFailed(error: unknown, run: RunFolder): CliError | undefined {
  const what = error instanceof WriteFileError ? error.message : fileSystemFailure(error);
  if (what === undefined) return undefined;
  const from = existsSync(run.checkpoint) ? run.dir : existsSync(run.best) ? run.best : undefined;
  return new CliError(
    from === undefined
      ? `${what}; no checkpoint was saved yet: make room, then start again`
      : `${what}; the last checkpoint saved is intact: make room, then continue with howl train --resume ${from}`,
  );
}
