import { fileIndicesOf, fileNotes, type Dataset } from '../data/dataset-format.js';
import type { Split } from '../data/split.js';
import { TIME_BINS, timeBin, VELOCITY_BINS, velocityBin } from '../encoding/grid.js';
import { InvalidArgumentError } from '../errors.js';
import {
  cutAroundGap,
  feedGapContext,
  gapContextRows,
  gapNoteInput,
  gapRepetitionCache,
  writeGap,
  type GapParts,
  type InfillContextNotes,
  type InfillMode,
} from '../generate/infill.js';
import { rowOf } from '../generate/next-note.js';
import type { RepetitionConfig } from '../generate/repetition-cache.js';
import { mixedLogProbs } from './repetition-fit.js';
import { logProbAt, type SamplingOptions } from '../generate/sampling.js';
import { createStepNetwork } from '../inference/create-step-network.js';
import type { OrderedStepNetwork } from '../inference/step-network.js';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import type { ModelConfig } from '../model/config.js';
import { createRng, type Rng } from '../random/rng.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';
import type { Note, Seconds } from '../score/note.js';
import type { AttributeNll } from './likelihood.js';

/**
 * How well a gap-filling network fills gaps in held-out music (`howl eval --infill`).
 *
 * Gaps are drawn from the held-out pieces: a piece uniformly, a length uniform in
 * [`minSeconds`, `maxSeconds`], a start uniform where the gap has notes in it and at least one note
 * before and after it. For each gap:
 *
 * 1. **Likelihood of the gap's notes**, in nats per note on the shared grid (as `howl eval`): read
 *    around the gap (suffix, then prefix, then the real gap notes one by one, each told the time
 *    left), and read from the prefix alone (the same network, left to right, as it continues any
 *    piece). The same prefix notes in both. The gain is the second minus the first.
 * 2. **Where the written notes end**: the network writes the gap (seed + gap index, the sampling
 *    given), and the gap counts when its last written onset lies within `endTolerance` of the
 *    gap's end. For reference the same is measured for the real notes, and for the network
 *    continuing the prefix alone up to the gap's end.
 */

/** Options of `evaluateInfill`. */
export interface InfillEvalOptions extends InfillContextNotes {
  /** Which side of the dataset's split (default `'validation'`). */
  readonly split?: Split;
  /** Gaps drawn (default 100). */
  readonly gaps?: number;
  /** Gap lengths, seconds (default 4 and 16). */
  readonly minSeconds?: Seconds;
  readonly maxSeconds?: Seconds;
  /** Seed of the gaps' draw and of the fills (gap i is written with seed + i; default 1). */
  readonly seed?: number;
  /** How close to the gap's end the last written onset must be, seconds (default 0.5). */
  readonly endTolerance?: Seconds;
  /** Sampling of the written notes (default: `resolveSampling`'s, temperature 1, no truncation). */
  readonly sampling?: SamplingOptions;
  /**
   * Another ordered network (e.g. the ordinary model the infill one was fine-tuned from), scored on
   * the same gaps from the prefix alone: whether the gain is the suffix's, or a weaker prefix-alone
   * reading of the infill network.
   */
  readonly reference?: { readonly config: ModelConfig; readonly weights: WeightMap };
  /** The model's repetition cache: fed the piece around the gap (`gapRepetitionCache`) and mixed in. */
  readonly repetition?: RepetitionConfig;
  /** Called after each gap. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One gap's figures. */
export interface GapFigures {
  /** The dataset file's path. */
  readonly file: string;
  readonly from: Seconds;
  readonly to: Seconds;
  /** Real notes in the gap. */
  readonly notes: number;
  /** Nats per note of the gap's real notes: read around the gap, and from the prefix alone. */
  readonly infillNll: number;
  readonly prefixNll: number;
  /** Notes written around the gap, and the last one's onset (`null`: none). */
  readonly written: number;
  readonly lastOnset: Seconds | null;
  /** The real notes' last onset. */
  readonly realLastOnset: Seconds;
  /** Notes the prefix-alone continuation wrote, and its last onset. */
  readonly prefixWritten: number;
  readonly prefixLastOnset: Seconds | null;
}

/** What `evaluateInfill` measured. */
export interface InfillEvalResult {
  readonly gaps: number;
  /** Pieces the gaps came from. */
  readonly pieces: number;
  /** Real notes in all the gaps (the notes scored). */
  readonly notes: number;
  /** Nats per gap note, read around the gap and from the prefix alone. */
  readonly infill: AttributeNll;
  readonly prefix: AttributeNll;
  /** `prefix.total − infill.total`: what reading the suffix (and the time left) is worth. */
  readonly gain: number;
  /**
   * The gain by where the note lies in the gap: its first, second, third and last quarter (by
   * onset), nats per note.
   */
  readonly gainByQuarter: readonly number[];
  /** The reference network's nats per gap note from the prefix alone (`null` without one). */
  readonly reference: AttributeNll | null;
  /** Share of gaps whose last onset is within `endTolerance` of the gap's end. */
  readonly endWithin: {
    readonly infill: number;
    readonly prefix: number;
    readonly real: number;
  };
  /** Notes written per gap against the real notes, on average. */
  readonly notesPerGap: { readonly infill: number; readonly prefix: number; readonly real: number };
  readonly endTolerance: Seconds;
  readonly minSeconds: Seconds;
  readonly maxSeconds: Seconds;
  readonly perGap: readonly GapFigures[];
}

/** A gap drawn from a piece. */
interface DrawnGap {
  readonly fileIndex: number;
  readonly from: Seconds;
  readonly to: Seconds;
  readonly parts: GapParts;
}

/**
 * Draws `count` gaps from the split's pieces (see the file's comment).
 *
 * @throws InvalidArgumentError when the split has no piece long enough
 */
function drawGaps(
  dataset: Dataset,
  split: Split,
  count: number,
  minSeconds: Seconds,
  maxSeconds: Seconds,
  rng: Rng,
): DrawnGap[] {
  const files = fileIndicesOf(dataset, split).filter((i) => (dataset.files[i]?.noteCount ?? 0) >= 3);
  const notesOf = new Map<number, Note[]>();
  const gaps: DrawnGap[] = [];
  for (let tries = 0; gaps.length < count && tries < 1000 * count; tries++) {
    const fileIndex = files[rng.int(0, files.length - 1)];
    if (fileIndex === undefined) break;
    let notes = notesOf.get(fileIndex);
    if (notes === undefined) notesOf.set(fileIndex, (notes = fileNotes(dataset, fileIndex)));
    const length = rng.uniform(minSeconds, maxSeconds);
    const first = notes[0]!.time;
    const last = notes[notes.length - 1]!.time;
    const room = last - first - length;
    if (!(room > 0)) continue;
    const from = first + room * rng.next();
    const to = from + length;
    const parts = cutAroundGap(notes, from, to);
    if (parts.before.length === 0 || parts.inside.length === 0 || parts.after.length === 0) continue;
    gaps.push({ fileIndex, from, to, parts });
  }
  if (gaps.length < count) {
    throw new InvalidArgumentError(
      `the ${split} split has too few pieces longer than ${maxSeconds} s to draw ${count} gaps (${gaps.length} found)`,
    );
  }
  return gaps;
}

/** Sums of −log p per attribute, and of the total per quarter of the gap (by onset) with its notes. */
interface NllSums {
  pitch: number;
  delay: number;
  duration: number;
  velocity: number;
  readonly quarters: Float64Array;
  readonly quarterNotes: Float64Array;
}

/** Reads a gap's context, then scores its real notes one by one; adds each attribute's −log p to `sums`. */
function scoreGap(
  network: OrderedStepNetwork,
  gap: DrawnGap,
  mode: InfillMode,
  context: InfillContextNotes,
  sums: NllSums,
  repetition?: RepetitionConfig,
): number {
  const { from, to, parts } = gap;
  const read = gapContextRows(parts, from, to, mode, context);
  feedGapContext(network, read);
  const cache = repetition === undefined ? undefined : gapRepetitionCache(repetition, parts, mode);
  let previous = parts.before[parts.before.length - 1]!.time;
  let total = 0;
  for (const note of parts.inside) {
    const row = rowOf(note, previous, 'gap note');
    const delayBin = timeBin(row[0]);
    const pitch = row[3] + 60;
    const { duration, velocity } = network.restLogitsGiven(0, delayBin, pitch);
    const logP = {
      delay: logProbAt(network.delayLogits, 0, delayBin, TIME_BINS),
      pitch: logProbAt(network.pitchLogitsGiven(0, delayBin), 0, pitch, PITCH_COUNT),
      duration: logProbAt(duration, 0, timeBin(row[1]), TIME_BINS),
      velocity: logProbAt(velocity, 0, velocityBin(row[2] * 127), VELOCITY_BINS),
    };
    const mixed = cache === undefined ? logP : mixedLogProbs(cache, logP, row);
    const delay = -mixed.delay;
    const pitchNll = -mixed.pitch;
    const durationNll = -mixed.duration;
    const velocityNll = -mixed.velocity;
    cache?.push(row);
    sums.delay += delay;
    sums.pitch += pitchNll;
    sums.duration += durationNll;
    sums.velocity += velocityNll;
    const nll = delay + pitchNll + durationNll + velocityNll;
    total += nll;
    const quarter = Math.min(3, Math.floor((4 * (note.time - from)) / (to - from)));
    sums.quarters[quarter] = sums.quarters[quarter]! + nll;
    sums.quarterNotes[quarter] = sums.quarterNotes[quarter]! + 1;
    network.setInfill?.(0, gapNoteInput(read, note.time, from, to));
    network.step([row]);
    previous = note.time;
  }
  return total / parts.inside.length;
}

const perNote = (sums: NllSums, notes: number): AttributeNll => {
  const n = Math.max(1, notes);
  const nll = {
    pitch: sums.pitch / n,
    delay: sums.delay / n,
    duration: sums.duration / n,
    velocity: sums.velocity / n,
  };
  return { ...nll, total: nll.pitch + nll.delay + nll.duration + nll.velocity };
};

/** The options `evaluateInfill` checks and fills in. */
function settingsOf(options: InfillEvalOptions) {
  const count = options.gaps ?? 100;
  const minSeconds = options.minSeconds ?? 4;
  const maxSeconds = options.maxSeconds ?? 16;
  if (!(Number.isSafeInteger(count) && count >= 1)) {
    throw new InvalidArgumentError(`gaps ${count} is not a whole number >= 1`);
  }
  if (!(minSeconds > 0 && maxSeconds >= minSeconds)) {
    throw new InvalidArgumentError(`gap lengths ${minSeconds}..${maxSeconds} s are not 0 < min <= max`);
  }
  const context: InfillContextNotes = {
    ...(options.prefixNotes === undefined ? {} : { prefixNotes: options.prefixNotes }),
    ...(options.suffixNotes === undefined ? {} : { suffixNotes: options.suffixNotes }),
  };
  return {
    count,
    minSeconds,
    maxSeconds,
    seed: options.seed ?? 1,
    tolerance: options.endTolerance ?? 0.5,
    context,
  };
}

/** The running sums of the three readings. */
interface Sums {
  readonly infill: NllSums;
  readonly prefix: NllSums;
  readonly reference: NllSums;
}

const zeroSums = (): NllSums => ({ pitch: 0, delay: 0, duration: 0, velocity: 0, ...quarterSums() });
const quarterSums = () => ({ quarters: new Float64Array(4), quarterNotes: new Float64Array(4) });

/** One gap: its notes scored both ways (and by the reference), then written both ways. */
function measureGap(
  network: OrderedStepNetwork,
  reference: OrderedStepNetwork | undefined,
  gap: DrawnGap,
  seed: number,
  options: InfillEvalOptions,
  context: InfillContextNotes,
  sums: Sums,
): Omit<GapFigures, 'file'> {
  const infillNll = scoreGap(network, gap, 'infill', context, sums.infill, options.repetition);
  const prefixNll = scoreGap(network, gap, 'prefix', context, sums.prefix, options.repetition);
  if (reference !== undefined) scoreGap(reference, gap, 'prefix', context, sums.reference);
  const write = (mode: InfillMode) =>
    writeGap(network, gap.parts, {
      from: gap.from,
      to: gap.to,
      mode,
      rng: createRng(seed),
      ...context,
      ...(options.sampling === undefined ? {} : { sampling: options.sampling }),
      ...(options.repetition === undefined ? {} : { repetition: options.repetition }),
    }).notes;
  const written = write('infill');
  const continued = write('prefix');
  return {
    from: gap.from,
    to: gap.to,
    notes: gap.parts.inside.length,
    infillNll,
    prefixNll,
    written: written.length,
    lastOnset: written.at(-1)?.time ?? null,
    realLastOnset: gap.parts.inside.at(-1)!.time,
    prefixWritten: continued.length,
    prefixLastOnset: continued.at(-1)?.time ?? null,
  };
}

/**
 * Measures a gap-filling network on held-out music (see the file's comment).
 *
 * @param config - the model's configuration (an ordered network with `infill: true`)
 * @param weights - its weights
 * @param dataset - the dataset whose split is scored
 * @param options - split, gaps, lengths, seed, tolerance, sampling, context, a reference model
 * @returns the figures, overall and per gap
 * @throws InvalidArgumentError for a model that does not fill gaps, a reference that is not an
 *   ordered network, or a split without long enough pieces
 * @example const result = evaluateInfill(model.config.model, model.weights, dataset, { gaps: 100 });
 */
export function evaluateInfill(
  config: ModelConfig,
  weights: WeightMap,
  dataset: Dataset,
  options: InfillEvalOptions = {},
): InfillEvalResult {
  if (config.type !== 'ordered-rnn' || !config.infill) {
    throw new InvalidArgumentError(
      'this model does not fill gaps (it was not trained with --infill); use models/piano-asap-infill',
    );
  }
  const { count, minSeconds, maxSeconds, seed, tolerance, context } = settingsOf(options);
  const reference =
    options.reference && createStepNetwork(options.reference.config, options.reference.weights, 1);
  if (reference !== undefined && reference.kind !== 'ordered') {
    throw new InvalidArgumentError(
      'the reference model must be an ordered network (delay, pitch, duration, velocity on the grid)',
    );
  }
  const split = options.split ?? 'validation';
  const gaps = drawGaps(dataset, split, count, minSeconds, maxSeconds, createRng(seed));
  const network = createStepNetwork(config, weights, 1);
  const sums: Sums = { infill: zeroSums(), prefix: zeroSums(), reference: zeroSums() };
  const perGap: GapFigures[] = gaps.map((gap, i) => {
    const figures = measureGap(network, reference, gap, seed + i, options, context, sums);
    options.onProgress?.(i + 1, gaps.length);
    return { file: dataset.files[gap.fileIndex]!.path, ...figures };
  });
  const notes = gaps.reduce((sum, g) => sum + g.parts.inside.length, 0);
  const infill = perNote(sums.infill, notes);
  const prefix = perNote(sums.prefix, notes);
  const within = (onset: (g: GapFigures) => Seconds | null): number =>
    perGap.filter((g) => {
      const t = onset(g);
      return t !== null && g.to - t <= tolerance;
    }).length / perGap.length;
  const mean = (f: (g: GapFigures) => number): number => perGap.reduce((s, g) => s + f(g), 0) / perGap.length;
  return {
    gaps: perGap.length,
    pieces: new Set(gaps.map((g) => g.fileIndex)).size,
    notes,
    infill,
    prefix,
    gain: prefix.total - infill.total,
    gainByQuarter: [0, 1, 2, 3].map(
      (q) =>
        sums.prefix.quarters[q]! / Math.max(1, sums.prefix.quarterNotes[q]!) -
        sums.infill.quarters[q]! / Math.max(1, sums.infill.quarterNotes[q]!),
    ),
    reference: reference === undefined ? null : perNote(sums.reference, notes),
    endWithin: {
      infill: within((g) => g.lastOnset),
      prefix: within((g) => g.prefixLastOnset),
      real: within((g) => g.realLastOnset),
    },
    notesPerGap: {
      infill: mean((g) => g.written),
      prefix: mean((g) => g.prefixWritten),
      real: mean((g) => g.notes),
    },
    endTolerance: tolerance,
    minSeconds,
    maxSeconds,
    perGap,
  };
}
