import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { HowlError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';

/**
 * The folder of one `howl train` run, in one place for the trainer (`howl train`, `--resume`) and
 * the model loader (`howl generate --model`, `howl eval`, `howl export`):
 *
 * | path | what |
 * |---|---|
 * | `checkpoint/` | the latest checkpoint: every `--checkpoint-every`, on Ctrl-C and at the end |
 * | `best/` | the checkpoint with the best validation loss so far |
 * | `metrics.jsonl` | one JSON object a line: every step, validation and event, each step once |
 * | `loss.svg` | training and validation loss, redrawn at every validation |
 * | `run.json` | what the run trains on: the dataset (relative to the folder) and the backend |
 *
 * A checkpoint folder holds `config.json`, `weights.json`, `weights.bin` and `state.json`
 * (`src/model/checkpoint/checkpoint.ts`).
 */
export interface RunFolder {
  readonly dir: string;
  readonly checkpoint: string;
  readonly best: string;
  readonly metrics: string;
  readonly lossPlot: string;
  readonly record: string;
}

/** What `run.json` holds. */
export interface RunRecord {
  /** The `*.howl` dataset, relative to the run folder (as `runFolder(dir).dir`). */
  readonly dataset: string;
  /** The TensorFlow.js backend the run trained with, kept when it resumes. */
  readonly backend?: string;
}

/** A run folder's `run.json` that cannot be read as one. */
export class RunFolderError extends HowlError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('run-folder', message, options);
  }
}

/**
 * The paths of the run folder `dir`.
 *
 * @param dir - the run folder, e.g. `runs/piano-ordered-lstm`
 * @returns its files' paths (nothing is read or created)
 * @example runFolder('runs/piano').best; // 'runs/piano/best'
 */
export function runFolder(dir: string): RunFolder {
  return {
    dir,
    checkpoint: join(dir, 'checkpoint'),
    best: join(dir, 'best'),
    metrics: join(dir, 'metrics.jsonl'),
    lossPlot: join(dir, 'loss.svg'),
    record: join(dir, 'run.json'),
  };
}

/** Whether `dir` is a checkpoint folder itself (it has the checkpoint's `config.json`). */
export function isCheckpointFolder(dir: string): boolean {
  return existsSync(join(dir, 'config.json'));
}

/**
 * Whether `dir` already holds a training run (a checkpoint or a metrics log), so a new run must
 * not start there.
 */
export function holdsRun(dir: string): boolean {
  const run = runFolder(dir);
  return existsSync(run.checkpoint) || existsSync(run.metrics);
}

/**
 * Where `--resume PATH` continues: PATH is a run folder (its `checkpoint/` is loaded), or a
 * checkpoint folder inside one (`runs/x/best`: that checkpoint is loaded; the run folder is its
 * parent, and the run goes on writing `runs/x/checkpoint`).
 *
 * @param path - what the person gave
 * @returns the run folder and the checkpoint folder to load
 */
export function resumeTarget(path: string): { run: RunFolder; checkpointDir: string } {
  if (existsSync(join(path, 'state.json')))
    return { run: runFolder(dirname(resolve(path))), checkpointDir: path };
  const run = runFolder(path);
  return { run, checkpointDir: run.checkpoint };
}

/**
 * The checkpoint a model is read from: `path` itself when it is a checkpoint folder, else a run
 * folder's best-validation checkpoint (`best/`), else its latest (`checkpoint/`).
 *
 * @param path - a checkpoint folder or a run folder
 * @returns the checkpoint folder (`path` unchanged when none is found, so the loader names it)
 */
export function modelCheckpointDir(path: string): string {
  if (isCheckpointFolder(path)) return path;
  const run = runFolder(path);
  for (const dir of [run.best, run.checkpoint]) if (isCheckpointFolder(dir)) return dir;
  return path;
}

/**
 * Reads a run folder's `run.json`.
 *
 * @param run - the run folder
 * @returns the record, or `undefined` when the folder has none (runs made before Howl kept it)
 * @throws RunFolderError when the file is there but is not a run record
 */
export async function readRunRecord(run: RunFolder): Promise<RunRecord | undefined> {
  let text: string;
  try {
    text = await readFile(run.record, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RunFolderError(`cannot read ${run.record}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RunFolderError(`${run.record}: not JSON`, { cause: error });
  }
  const record = value as Partial<RunRecord> | null;
  if (
    typeof record?.dataset !== 'string' ||
    (record.backend !== undefined && typeof record.backend !== 'string')
  ) {
    throw new RunFolderError(`${run.record}: not a run record (it needs a "dataset" path)`);
  }
  return { dataset: record.dataset, ...(record.backend === undefined ? {} : { backend: record.backend }) };
}

/**
 * Writes `run.json` atomically: the dataset's path relative to the run folder (so a run folder
 * moved with its dataset, or copied beside it, still finds it) and the backend.
 *
 * @param run - the run folder (it must exist)
 * @param datasetFile - the dataset, relative to the working folder or absolute
 * @param backend - the backend name
 */
export async function writeRunRecord(run: RunFolder, datasetFile: string, backend: string): Promise<void> {
  const dataset = relative(resolve(run.dir), resolve(datasetFile)).split(sep).join('/');
  const record: RunRecord = { dataset, backend };
  await writeFileAtomic(run.record, JSON.stringify(record, null, 2) + '\n');
}

/**
 * The dataset a run record names, as a path from the working folder.
 *
 * @param run - the run folder
 * @param record - its record
 * @returns the dataset's path
 */
export function recordedDataset(run: RunFolder, record: RunRecord): string {
  const path = resolve(run.dir, record.dataset);
  const fromHere = relative(process.cwd(), path);
  return fromHere === '' || fromHere.startsWith('..') ? path : fromHere;
}

/**
 * The lines of a metrics log up to `step`: a resumed run goes on from its checkpoint's step, so
 * the records a killed run wrote after that checkpoint are dropped (the resumed run writes those
 * steps again), and every step is in the log once. Lines that are not JSON (a line cut off by the
 * kill) are dropped too.
 *
 * @param text - the log's text
 * @param step - the checkpoint's step
 * @returns the kept text and how many lines were dropped
 * @example metricsUpToStep('{"type":"step","step":1}\n{"type":"step","step":2}\n', 1).dropped; // 1
 */
export function metricsUpToStep(text: string, step: number): { text: string; dropped: number } {
  const kept: string[] = [];
  let dropped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let recordStep: unknown;
    try {
      recordStep = (JSON.parse(line) as { step?: unknown }).step;
    } catch {
      recordStep = undefined;
    }
    if (typeof recordStep === 'number' && recordStep <= step) kept.push(line + '\n');
    else dropped++;
  }
  return { text: kept.join(''), dropped };
}

/**
 * Cuts a run's `metrics.jsonl` back to a checkpoint's step (`metricsUpToStep`), rewriting it
 * atomically, and only when something is dropped.
 *
 * @param run - the run folder
 * @param step - the step of the checkpoint the run resumes from
 * @returns the lines dropped
 */
export async function truncateMetrics(run: RunFolder, step: number): Promise<number> {
  let text: string;
  try {
    text = await readFile(run.metrics, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const result = metricsUpToStep(text, step);
  if (result.dropped > 0) await writeFileAtomic(run.metrics, result.text);
  return result.dropped;
}
