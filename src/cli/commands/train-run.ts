import { existsSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { decodeDataset, type Dataset } from '../../data/dataset-format.js';
import { datasetIdentity } from '../../data/dataset-identity.js';
import { HowlError } from '../../errors.js';
import { architectureName } from '../../model/config.js';
import { createModel } from '../../model/create-model.js';
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
import { setupNodeBackend } from '../../node/tf-backend.js';
import { renderLossPlot } from '../../train/loss-plot.js';
import { finiteOrNull, formatDuration, metricsLine, type MetricsRecord } from '../../train/metrics.js';
import { resolveTrainOptions, type TrainOptions } from '../../train/train-options.js';
import { train } from '../../train/trainer.js';
import { CliError } from '../cli-error.js';
import type { TrainCommandOptions } from './train-flags.js';
import { createTrainProgress } from './train-progress.js';
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

/** Ctrl-C and SIGTERM ask the trainer to stop after the step (with a checkpoint); a second one leaves at once. */
function catchSignals(): { readonly signal: 'SIGINT' | 'SIGTERM' | undefined; release(): void } {
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

  await setupNodeBackend(backend).catch((error: unknown) => {
    throw new CliError(
      error instanceof HowlError ? error.message : `cannot start the ${backend} backend: ${String(error)}`,
    );
  });
  await mkdir(run.dir, { recursive: true });
  await writeRunRecord(run, plan.datasetFile, backend);
  // Steps logged after the checkpoint by a run that was killed are trained again: log them once.
  if (resume) await truncateMetrics(run, resume.state.step);
  let writes = Promise.resolve();
  let writeFailure: unknown; // a metrics line could not be written (a full disk): stop, and say so
  const log = (record: MetricsRecord): void => {
    writes = writes
      .then(() => (writeFailure === undefined ? appendFile(run.metrics, metricsLine(record)) : undefined))
      .catch((error: unknown) => {
        writeFailure = new WriteFileError(run.metrics, describeFsError(error, run.metrics), { cause: error });
      });
  };

  const signals = catchSignals();
  let threads: GradientWorkers | undefined;
  if (resolved.workers > 1) {
    threads = await createGradientWorkers({ workers: resolved.workers, model: modelConfig, backend }).catch(
      (error: unknown) => {
        signals.release();
        throw new CliError(error instanceof HowlError ? error.message : String(error));
      },
    );
  }
  const model = createModel(modelConfig, { seed: trainOptions.seed ?? 1 });
  const progress = createTrainProgress({ totalSteps: resolved.steps });
  progress.say(
    `${resume ? 'resuming' : 'training'} ${architectureName(modelConfig)} on ` +
      `${dataset.totals.trainFiles} training files, ${dataset.totals.validationFiles} validation files; ` +
      `batch ${resolved.batchSize} × ${resolved.length} notes` +
      (threads ? ` on ${threads.workers} worker threads` : '') +
      `; run folder ${run.dir}` +
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
        shouldStop: () => signals.signal !== undefined || writeFailure !== undefined,
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
    await writes;
    signals.release();
    model.dispose();
  }
  log({
    type: 'event',
    step: result.state.step,
    message: `${result.reason}: ${result.message}`,
    time: new Date().toISOString(),
  });
  await writes;
  if (writeFailure !== undefined) throw writeFailed(writeFailure, run) ?? writeFailure;
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
