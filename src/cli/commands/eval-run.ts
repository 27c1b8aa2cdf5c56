import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { decodeDataset, type Dataset } from '../../data/dataset-format.js';
import type { Split } from '../../data/split.js';
import { evaluateModel, type EvalProgress, type EvalResult } from '../../eval/evaluate.js';
import { DEFAULT_SAMPLING } from '../../generate/sampling.js';
import { buildReport, type ReportContext, type ReportFile } from '../../eval/report.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { defaultModelDir, loadModel, type LoadedModel } from '../../node/load-model.js';
import { readInputFile } from '../../node/read-input-file.js';
import {
  chordsOption,
  createProgressLine,
  parseNumberOption,
  timingTemperatureOption,
  type TimingTemperatures,
  reproducingCommand,
} from '../cli-helpers.js';
import { CliError } from '../cli-error.js';

/** `howl eval`'s options as commander parses them (strings; checked in `runEval`). */
export interface EvalCommandOptions {
  model?: string;
  data: string;
  split: string;
  out?: string;
  pieces?: string;
  notes?: string;
  seed?: string;
  fitNotes?: string;
  baselineData?: string;
  temperature?: string;
  topP?: string;
  timingTemperature?: string;
  chords?: string;
  infill?: boolean;
  gaps?: string;
  minGap?: string;
  maxGap?: string;
  referenceModel?: string;
}

/** The model's name for the report: its folder's, or the run's when given `run/best`. */
export function modelNameOf(modelPath: string): string {
  const full = resolve(modelPath);
  const name = basename(full);
  return name === 'best' || name === 'checkpoint' ? basename(dirname(full)) : name;
}

const fmt = (x: number): string => x.toFixed(3);
const int = (x: number): string => Math.round(x).toLocaleString('en-US');

function progressText(p: EvalProgress, split: Split, pieces: number): string {
  switch (p.phase) {
    case 'fit':
      return `fitting the timing Gaussians on training notes ${int(p.done)}/${int(p.total)}`;
    case 'score':
      return `scoring ${split} notes ${int(p.done)}/${int(p.total)}`;
    case 'generate':
      return `generating ${pieces} pieces: note ${int(p.done)}/${int(p.total)}`;
    case 'compare':
      return 'comparing with the held-out music';
  }
}

/** The command line that reproduces a run, for the report. */
function commandLine(options: EvalCommandOptions, modelPath: string, out: string): string {
  const parts: readonly string[] = [
    'howl eval',
    `--model ${modelPath}`,
    `--data ${options.data}`,
    `--split ${options.split}`,
  ];
  const optional: readonly (readonly [string, string | undefined])[] = [
    ['--pieces', options.pieces],
    ['--notes', options.notes],
    ['--seed', options.seed],
    ['--fit-notes', options.fitNotes],
    ['--baseline-data', options.baselineData],
    ['--temperature', options.temperature],
    ['--top-p', options.topP],
    ['--timing-temperature', options.timingTemperature],
    ['--chords', options.chords],
  ];
  return reproducingCommand(parts, optional, out);
}

/** The pitch and timing sampling flags of `howl eval`. */
interface SamplingFlags extends TimingTemperatures {
  readonly temperature?: number;
  readonly topP?: number;
}

/** `howl eval`'s options, checked and with their defaults. */
interface EvalSettings {
  readonly split: Split;
  readonly pieces: number;
  readonly notes: number;
  readonly seed: number;
  readonly fitNotes: number;
  /** The sampling flags given (laid over the model's `sampling.json` and `DEFAULT_SAMPLING`). */
  readonly sampling: SamplingFlags;
  readonly modelPath: string;
  readonly out: string;
}

/** Checks the options that need no file read (the model and the datasets come later). */
function parseEvalSettings(options: EvalCommandOptions): EvalSettings {
  const infillOnly = (['gaps', 'minGap', 'maxGap', 'referenceModel'] as const).filter(
    (k) => options[k] !== undefined,
  );
  if (infillOnly.length > 0) {
    throw new CliError(
      `${infillOnly.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} go with --infill`,
    );
  }
  if (options.split !== 'validation' && options.split !== 'train') {
    throw new CliError(`--split ${options.split} is not validation or train`);
  }
  const split: Split = options.split;
  const pieces = parseNumberOption(options.pieces, '--pieces', { integer: true, min: 0, max: 1024 }) ?? 20;
  const notes =
    parseNumberOption(options.notes, '--notes', { integer: true, min: 1, max: 1_000_000 }) ?? 1000;
  const seed = parseNumberOption(options.seed, '--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) ?? 1;
  const fitNotes = parseNumberOption(options.fitNotes, '--fit-notes', { integer: true, min: 1 }) ?? 100_000;
  const temperature = parseNumberOption(options.temperature, '--temperature', {
    min: Number.MIN_VALUE,
    expected: 'a number > 0',
  });
  const topP = parseNumberOption(options.topP, '--top-p', {
    min: Number.MIN_VALUE,
    max: 1,
    expected: 'a number in (0, 1]',
  });
  const sampling: SamplingFlags = {
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
    ...timingTemperatureOption(options.timingTemperature),
  };
  const modelPath = options.model ?? defaultModelDir();
  const out = options.out ?? join('eval', modelNameOf(modelPath));
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new CliError(`--out ${out} is a file, not a folder`);
  }
  return { split, pieces, notes, seed, fitNotes, sampling, modelPath, out };
}

/** The model, the dataset and the baselines' dataset, each checked against what `howl eval` needs. */
async function loadEvalInputs(
  options: EvalCommandOptions,
  settings: EvalSettings,
): Promise<{ model: LoadedModel; dataset: Dataset; baselineData: Dataset | undefined }> {
  const { split, modelPath } = settings;
  const model = await loadModel(modelPath);
  if (options.timingTemperature !== undefined && model.config.model.type === 'original-lstm') {
    throw new CliError(
      '--timing-temperature: this model predicts timing as one value (a regression head), so there is no timing distribution to sample',
    );
  }
  const dataset: Dataset = decodeDataset(await readInputFile(options.data), options.data);
  const usable = (s: Split): boolean => dataset.files.some((f) => f.split === s && f.noteCount >= 2);
  if (!usable(split)) {
    throw new CliError(
      `${options.data}: the ${split} split has no pieces to score${
        split === 'validation' ? ' (import with --validation above 0, or use --split train)' : ''
      }`,
    );
  }
  const baselineData: Dataset | undefined =
    options.baselineData === undefined
      ? undefined
      : decodeDataset(await readInputFile(options.baselineData), options.baselineData);
  const fitOn = baselineData ?? dataset;
  if (!fitOn.files.some((f) => f.split === 'train' && f.noteCount >= 2)) {
    throw new CliError(
      `${options.baselineData ?? options.data}: the train split has no pieces to fit the baselines on`,
    );
  }
  return { model, dataset, baselineData };
}

/** What the report says about where its numbers came from. */
function reportContextOf(
  options: EvalCommandOptions,
  settings: EvalSettings,
  model: LoadedModel,
): ReportContext {
  const { modelPath, out } = settings;
  return {
    modelName: modelNameOf(modelPath),
    modelPath,
    dataPath: options.data,
    ...(options.baselineData === undefined ? {} : { baselineDataPath: options.baselineData }),
    command: commandLine(options, modelPath, out),
    created: new Date().toISOString(),
    ...(model.training === undefined ? {} : { training: model.training }),
  };
}

/** The lines `howl eval` prints when it is done: the headline numbers and the files written. */
function summaryLines(
  result: EvalResult,
  dataPath: string,
  settings: EvalSettings,
  files: readonly ReportFile[],
  began: number,
): string[] {
  const { modelPath, split, out } = settings;
  const { likelihood: l, music } = result;
  const m = l.model;
  const b = l.baselines;
  const lines = [
    `model      ${modelPath}`,
    `data       ${dataPath}, ${split} split: ${l.pieces} piece${l.pieces === 1 ? '' : 's'}, ${int(l.notes)} notes scored`,
    `nats/note  pitch ${fmt(m.pitch)}  delay ${fmt(m.delay)}  duration ${fmt(m.duration)}  velocity ${fmt(m.velocity)}  total ${fmt(m.total)}`,
    `baselines  pitch ${fmt(b.bigramPitch)} (bigram; unigram ${fmt(b.unigramPitch)})  delay ${fmt(b.delay)}  duration ${fmt(b.duration)}  velocity ${fmt(b.velocity)}  total ${fmt(b.total)}`,
    `bits/s     model ${l.bitsPerSecond.model.toFixed(1)}, baseline ${l.bitsPerSecond.baseline.toFixed(1)} (${(l.seconds / 3600).toFixed(2)} h of music)`,
    `verdict    ${l.verdict}`,
  ];
  if (music) {
    lines.push(
      `music      mean overlapped area ${music.meanOverlappedArea === null ? '–' : fmt(music.meanOverlappedArea)} ` +
        `(${music.pieces} pieces × ${int(music.notesPerPiece)} notes); ${music.generated.stalled} of ${music.pieces} pieces stall`,
    );
  }
  lines.push(
    `wrote      ${join(out, 'report.md')} (+ ${files
      .filter((f) => f.name !== 'report.md')
      .map((f) => f.name)
      .join(', ')}) in ${((performance.now() - began) / 1000).toFixed(1)} s`,
  );
  return lines;
}

/**
 * Runs `howl eval`: checks the options, loads the model and the dataset, evaluates, and writes the
 * report folder (`report.md`, `report.json`, `nll.svg`, `histograms.svg`). Nothing is written
 * until every number is computed; each file is written atomically.
 *
 * @param options - the parsed command-line options
 * @throws CliError / HowlError with one clear line for bad options, a missing or corrupt model or
 *   dataset, or an empty split
 */
export async function runEval(options: EvalCommandOptions): Promise<void> {
  const began = performance.now();
  const settings = parseEvalSettings(options);
  const { split, pieces, out } = settings;
  const { model, dataset, baselineData } = await loadEvalInputs(options, settings);

  const line = createProgressLine();
  let result;
  try {
    result = evaluateModel(model.config.model, model.weights, dataset, {
      split,
      pieces,
      notes: settings.notes,
      seed: settings.seed,
      fitNotes: settings.fitNotes,
      ...(baselineData ? { baselineData } : {}),
      ...(model.repetition === undefined ? {} : { repetition: model.repetition }),
      sampling: {
        ...DEFAULT_SAMPLING,
        ...model.sampling,
        ...settings.sampling,
        ...chordsOption(options.chords),
      },
      onProgress: (p) => line.update(progressText(p, split, pieces)),
    });
  } finally {
    line.done();
  }

  const files = buildReport(result, reportContextOf(options, settings, model));
  await mkdir(out, { recursive: true }).catch((error: unknown) => {
    throw new CliError(`cannot create the folder ${out}: ${(error as Error).message}`);
  });
  for (const file of files) await writeFileAtomic(join(out, file.name), file.content);
  process.stdout.write(`${summaryLines(result, options.data, settings, files, began).join('\n')}\n`);
}
