import { fileIndicesOf, fileNotes, type Dataset } from '../data/dataset-format.js';
import type { Split } from '../data/split.js';
import { encodeV1, type V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import { generateCandidates } from '../generate/candidates.js';
import {
  DEFAULT_SAMPLING,
  resolveSampling,
  type ResolvedSampling,
  type SamplingOptions,
} from '../generate/sampling.js';
import { createStepNetwork } from '../inference/create-step-network.js';
import type { StepNetwork } from '../inference/step-network.js';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import type { ModelConfig } from '../model/config.js';
import type { Note } from '../score/note.js';
import { fitBaselines, scoreBaselines, type Baselines } from './baselines.js';
import { ATTRIBUTES, toGrid, type Attribute } from '../encoding/grid.js';
import { fitGaussianWidths, gridNll, targetsOf, type GaussianWidths } from './likelihood.js';
import { predictPieces } from './predict.js';
import { withRepetition } from './repetition-fit.js';
import type { RepetitionConfig } from '../generate/repetition-cache.js';
import { compareMusic } from './similarity.js';
import type { BaselineScores, EvalResult, LikelihoodResult, MusicResult } from './eval-result.js';

/**
 * `evaluateModel`: the whole ruler in one call, platform-neutral (the CLI adds files and a report).
 *
 * 1. Baselines are counted on the training split; the model's Gaussian widths are fitted on a
 *    sample of training pieces (`fitNotes`).
 * 2. The model and the baselines score every held-out piece on the shared grid.
 * 3. The model generates `pieces` × `notes` with fixed seeds and its default sampling, and the
 *    pieces are compared with the held-out ones.
 */

/** The sampling `howl generate` uses by default (`DEFAULT_SAMPLING`: temperature 1, top-p 0.95). */
export const DEFAULT_EVAL_SAMPLING: SamplingOptions = DEFAULT_SAMPLING;

/** Options of `evaluateModel`. */
export interface EvaluateOptions {
  /** The held-out side scored and compared with (default `'validation'`). */
  readonly split?: Split;
  /** Pieces to generate (default 20; 0 skips the comparison with real music). */
  readonly pieces?: number;
  /** Notes per generated piece (default 1000). */
  readonly notes?: number;
  /** Seed of the first generated piece; piece i uses seed + i (default 1). */
  readonly seed?: number;
  /** Pitch sampling (default `DEFAULT_EVAL_SAMPLING`). */
  readonly sampling?: SamplingOptions;
  /** Training notes the Gaussian widths are fitted on, at most (default 100,000). */
  readonly fitNotes?: number;
  /** Pieces the network reads at once when scoring (default 32). */
  readonly batch?: number;
  /**
   * The dataset whose training split the count baselines and timing widths are fitted on (default:
   * the evaluated dataset). Give the model's own training data when scoring it on another corpus,
   * so that "beats the baseline" means it learned more than counting what it saw.
   */
  readonly baselineData?: Dataset;
  /**
   * The model's repetition cache (`repetition.json`): the held-out notes are scored with it mixed
   * in (and without it, reported beside), and the generated pieces are written with it.
   */
  readonly repetition?: RepetitionConfig;
  /** Called as the work advances (for a progress bar). */
  readonly onProgress?: (progress: EvalProgress) => void;
}

/** Where `evaluateModel` is. */
export interface EvalProgress {
  readonly phase: 'fit' | 'score' | 'generate' | 'compare';
  readonly done: number;
  readonly total: number;
}

export type { BaselineScores, EvalResult, LikelihoodResult, MusicResult } from './eval-result.js';

/** The pieces of one split with 2 notes or more: V1 rows, notes, and content hashes. */
interface SplitPieces {
  readonly rows: V1Row[][];
  readonly notes: Note[][];
  readonly hashes: string[];
}

function piecesOf(dataset: Dataset, split: Split): SplitPieces {
  const indices = fileIndicesOf(dataset, split).filter((i) => dataset.files[i]!.noteCount >= 2);
  const notes = indices.map((i) => fileNotes(dataset, i));
  return { rows: notes.map((n) => encodeV1(n)), notes, hashes: indices.map((i) => dataset.files[i]!.hash) };
}

/** Seconds from a piece's first onset to its last. */
function spanSeconds(notes: readonly Note[]): number {
  let first = Infinity;
  let last = -Infinity;
  for (const { time } of notes) {
    first = Math.min(first, time);
    last = Math.max(last, time);
  }
  return notes.length > 1 ? last - first : 0;
}

/** Training pieces in a fixed order (by content hash, so independent of import order) up to `budget` notes. */
function fitSample(rows: readonly V1Row[][], hashes: readonly string[], budget: number): V1Row[][] {
  const order = rows
    .map((_, i) => i)
    .sort((a, b) => (hashes[a]! < hashes[b]! ? -1 : hashes[a]! > hashes[b]! ? 1 : a - b));
  const sample: V1Row[][] = [];
  let notes = 0;
  for (const i of order) {
    if (notes >= budget) break;
    sample.push(rows[i]!);
    notes += rows[i]!.length - 1;
  }
  return sample;
}

/**
 * The report's verdict line: a model that does not beat the bigram baseline on pitch is broken.
 *
 * @param modelPitch - the model's pitch NLL, nats per note
 * @param bigramPitch - the bigram baseline's
 * @returns one sentence, starting with `BROKEN:` when the model does not beat the bigram
 * @example pitchVerdict(3.2, 3.5); // 'The model beats the bigram pitch baseline by 0.300 nats/note.'
 */
export function pitchVerdict(modelPitch: number, bigramPitch: number): string {
  return modelPitch < bigramPitch
    ? `The model beats the bigram pitch baseline by ${(bigramPitch - modelPitch).toFixed(3)} nats/note.`
    : `BROKEN: the model does not beat the bigram pitch baseline (${modelPitch.toFixed(3)} vs ${bigramPitch.toFixed(3)} nats/note).`;
}

const now = (): number => performance.now() / 1000;

function checkCount(value: number, name: string, min: number, max: number): void {
  if (!(Number.isSafeInteger(value) && value >= min && value <= max)) {
    throw new InvalidArgumentError(`${name} ${value} is not a whole number in ${min}..${max}`);
  }
}

type Progress = (progress: EvalProgress) => void;

/** What the fitting phase gives the scoring phase. */
interface Fitted {
  readonly baselines: Baselines;
  readonly widths: GaussianWidths | null;
  /** The training pieces and notes the widths were fitted on. */
  readonly pieces: number;
  readonly notes: number;
  readonly seconds: number;
}

/** 1. Fit: baselines on every training note, Gaussian widths on a sample. */
function fitPhase(
  config: ModelConfig,
  createNetwork: (batch: number) => StepNetwork,
  train: SplitPieces,
  fitNotes: number,
  batch: number,
  progress: Progress,
): Fitted {
  const t0 = now();
  const baselines = fitBaselines(train.rows.map((rows) => toGrid(rows)));
  // Only a regression head needs widths; binned outputs are probabilities already.
  const sample = config.type === 'original-lstm' ? fitSample(train.rows, train.hashes, fitNotes) : [];
  const fitPredictions = predictPieces(createNetwork, sample, {
    batch,
    onProgress: (done, total) => progress({ phase: 'fit', done, total }),
  });
  const widths = sample.length ? fitGaussianWidths(fitPredictions, targetsOf(sample)) : null;
  return { baselines, widths, pieces: sample.length, notes: fitPredictions.count, seconds: now() - t0 };
}

/** 2. Score the held-out pieces, with the model and with the baselines. */
function scorePhase(
  createNetwork: (batch: number) => StepNetwork,
  heldOut: SplitPieces,
  fitted: Fitted,
  batch: number,
  progress: Progress,
  repetition: RepetitionConfig | undefined,
): { likelihood: LikelihoodResult; seconds: number } {
  const { baselines, widths } = fitted;
  const t0 = now();
  const networkPredictions = predictPieces(createNetwork, heldOut.rows, {
    batch,
    onProgress: (done, total) => progress({ phase: 'score', done, total }),
  });
  const cached = repetition !== undefined && networkPredictions.binned !== null;
  const predictions = cached
    ? withRepetition(networkPredictions, heldOut.rows, repetition)
    : networkPredictions;
  const modelNll = gridNll(predictions, targetsOf(heldOut.rows), widths);
  const withoutRepetition = cached ? gridNll(networkPredictions, targetsOf(heldOut.rows), widths) : undefined;
  const base = scoreBaselines(
    baselines,
    heldOut.rows.map((rows) => toGrid(rows)),
  );
  const baselineScores: BaselineScores = {
    ...base,
    total: base.bigramPitch + base.delay + base.duration + base.velocity,
  };
  const scoreSeconds = now() - t0;
  const reference: Record<Attribute, number> = {
    pitch: base.bigramPitch,
    delay: base.delay,
    duration: base.duration,
    velocity: base.velocity,
  };
  const beatsBigram = modelNll.pitch < base.bigramPitch;
  const verdict = pitchVerdict(modelNll.pitch, base.bigramPitch);
  const seconds = heldOut.notes.reduce((sum, notes) => sum + spanSeconds(notes), 0);
  const bitsPerSecond = (natsPerNote: number): number =>
    seconds > 0 ? (natsPerNote * predictions.count) / seconds / Math.LN2 : NaN;
  const likelihood: LikelihoodResult = {
    pieces: heldOut.rows.length,
    notes: predictions.count,
    seconds,
    bitsPerSecond: { model: bitsPerSecond(modelNll.total), baseline: bitsPerSecond(baselineScores.total) },
    model: modelNll,
    baselines: baselineScores,
    widths,
    fit: { pieces: fitted.pieces, notes: fitted.notes, baselineNotes: baselines.notes },
    beatsBigram,
    worseThanBaseline: ATTRIBUTES.filter((a) => modelNll[a] >= reference[a]),
    verdict,
    ...(withoutRepetition === undefined ? {} : { withoutRepetition }),
  };
  return { likelihood, seconds: scoreSeconds };
}

/** How many pieces `generatePhase` makes, how long, and how. */
interface GenerateSettings {
  readonly pieceCount: number;
  readonly notesPerPiece: number;
  readonly seed: number;
  readonly sampling: ResolvedSampling;
  readonly repetition: RepetitionConfig | undefined;
}

/** 3. Generate `pieceCount` pieces (none: `music` is null) and compare them with the held-out music. */
function generatePhase(
  config: ModelConfig,
  weights: WeightMap,
  heldOut: SplitPieces,
  settings: GenerateSettings,
  progress: Progress,
): { music: MusicResult | null; generate: number; compare: number } {
  const { pieceCount, notesPerPiece, seed, sampling, repetition } = settings;
  if (!(pieceCount > 0)) return { music: null, generate: 0, compare: 0 };
  let t0 = now();
  const generator = createStepNetwork(config, weights, pieceCount);
  const candidates = generateCandidates(generator, {
    count: pieceCount,
    // Each piece's random first note counts as one of its notes.
    notes: notesPerPiece - 1,
    seed,
    sampling,
    ...(repetition === undefined ? {} : { repetition }),
    onStep: (made) => progress({ phase: 'generate', done: made, total: notesPerPiece }),
  }).sort((a, b) => a.seed - b.seed);
  const generateSeconds = now() - t0;
  t0 = now();
  progress({ phase: 'compare', done: 0, total: 1 });
  const generated = candidates.map((c) =>
    [...c.start, ...c.notes].map(({ pitch, velocity, time, duration }) => ({
      pitch,
      velocity,
      time,
      duration,
    })),
  );
  const similarity = compareMusic(heldOut.notes, generated);
  const compareSeconds = now() - t0;
  const music: MusicResult = {
    ...similarity,
    pieces: pieceCount,
    notesPerPiece,
    seeds: candidates.map((c) => c.seed),
    sampling,
    repetition: repetition !== undefined && config.type !== 'original-lstm',
    notesPerSecond: (pieceCount * notesPerPiece) / Math.max(generateSeconds, 1e-9),
  };
  return { music, generate: generateSeconds, compare: compareSeconds };
}

/**
 * Evaluates a trained model on a dataset: likelihood of held-out pieces on the shared grid against
 * trivial baselines, and how close its generated music is to the held-out music.
 *
 * @param config - the model's configuration (`loadModel(path).config.model`)
 * @param weights - its weights by name (`loadModel(path).weights`)
 * @param dataset - a dataset with both splits (`decodeDataset`)
 * @param options - split, generation settings, fitting budget, progress callback
 * @returns every number of the report
 * @throws InvalidArgumentError when the held-out or the training split has no piece of 2 notes,
 *   or an option is out of range
 * @example
 * const { config, weights } = await loadModel('models/piano-lstm192');
 * const result = evaluateModel(config.model, weights, decodeDataset(bytes), { pieces: 20, notes: 1000 });
 * result.likelihood.model.total; // nats per note
 */
export function evaluateModel(
  config: ModelConfig,
  weights: WeightMap,
  dataset: Dataset,
  options: EvaluateOptions = {},
): EvalResult {
  const split = options.split ?? 'validation';
  const pieceCount = options.pieces ?? 20;
  const notesPerPiece = options.notes ?? 1000;
  const seed = options.seed ?? 1;
  const fitNotes = options.fitNotes ?? 100_000;
  const batch = options.batch ?? 32;
  checkCount(pieceCount, 'pieces', 0, 1024);
  checkCount(notesPerPiece, 'notes per piece', 1, 1_000_000);
  checkCount(seed, 'seed', 0, 2 ** 32 - 1);
  checkCount(fitNotes, 'fitting notes', 1, Number.MAX_SAFE_INTEGER);
  checkCount(batch, 'batch', 1, 4096);
  const sampling = resolveSampling(options.sampling ?? DEFAULT_EVAL_SAMPLING);
  const progress = options.onProgress ?? (() => undefined);

  const heldOut = piecesOf(dataset, split);
  if (heldOut.rows.length === 0) {
    throw new InvalidArgumentError(`the ${split} split has no piece of 2 notes or more to score`);
  }
  const train = piecesOf(options.baselineData ?? dataset, 'train');
  if (train.rows.length === 0) {
    throw new InvalidArgumentError(
      'the train split has no piece of 2 notes or more to fit the baselines and the timing widths on',
    );
  }

  const createNetwork = (b: number): StepNetwork => createStepNetwork(config, weights, b);
  const fitted = fitPhase(config, createNetwork, train, fitNotes, batch, progress);
  const { repetition } = options;
  const scored = scorePhase(createNetwork, heldOut, fitted, batch, progress, repetition);
  const generated = generatePhase(
    config,
    weights,
    heldOut,
    { pieceCount, notesPerPiece, seed, sampling, repetition },
    progress,
  );
  return {
    model: config,
    split,
    likelihood: scored.likelihood,
    music: generated.music,
    seconds: {
      fit: fitted.seconds,
      score: scored.seconds,
      generate: generated.generate,
      compare: generated.compare,
    },
  };
}
