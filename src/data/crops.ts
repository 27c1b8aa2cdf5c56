import { encodeV1, type V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import type { Rng } from '../random/rng.js';
import { fileIndicesOf, fileNotes, type Dataset } from './dataset-format.js';
import type { Split } from './split.js';

/** The original system's crop length, in notes (docs/original-system.md §6). */
export const DEFAULT_CROP_LENGTH = 768;

/** Crops per training round for each song, as in the original (a round is 4 × the songs). */
export const CROPS_PER_SONG_PER_ROUND = 4;

/** Augments the V1 rows of one crop, drawing from `rng`; must not mutate `rows`. */
export type CropAugmenter = (rows: readonly V1Row[], rng: Rng) => V1Row[];

/** Options for `createCropSampler`. */
export interface CropSamplerOptions {
  /** Which side of the held-out split to draw from. */
  split: Split;
  /** Notes per crop (default 768); songs with fewer notes give whole-song, shorter crops. */
  length?: number;
  /** The seeded generator every choice is drawn from; the sampler advances it. */
  rng: Rng;
  /** Applied to every crop after encoding, with the same `rng`, e.g. `augmentV1`. */
  augment?: CropAugmenter;
  /**
   * Weights of the dataset's sources, by tag (`dataset.sourceTags`). Without them files are drawn
   * uniformly, so each source gives crops in proportion to its files. With them a source is drawn
   * first, in proportion to its weight (1 for a tag not named; 0 leaves it out), then a file of it
   * uniformly: `{ asap: 1, 'piano-midi-de': 1 }` gives half the crops to each corpus.
   */
  sourceWeights?: Readonly<Record<string, number>>;
}

/** Draws random training examples from a dataset. */
export interface CropSampler {
  /** One crop: up to `length` consecutive notes of a random file, V1-encoded, then augmented. */
  next(): V1Row[];
  /** `batchSize` crops, drawn one after another (the same as calling `next` that many times). */
  nextBatch(batchSize: number): V1Row[][];
  /** Number of files in the chosen split. */
  readonly fileCount: number;
  /** Crops in one training round, 4 × the files, as the original counted them. */
  readonly roundSize: number;
}

/**
 * The V1 rows of `length` consecutive notes of one file, starting at note `start`. The crop is
 * encoded on its own, so its first row has delay 0, as the original encoded each cropped example.
 *
 * @param dataset - the dataset
 * @param fileIndex - index into `dataset.files`
 * @param start - first note, within the file
 * @param length - notes wanted; fewer when the file ends first
 * @returns new V1 rows
 * @example cropV1(dataset, 0, 100, 768)[0][0]; // 0
 */
export function cropV1(dataset: Dataset, fileIndex: number, start: number, length: number): V1Row[] {
  return encodeV1(fileNotes(dataset, fileIndex, start, start + length));
}

/**
 * Creates a sampler of random crops, the original system's training examples (docs/original-system.md §6).
 *
 * Each crop draws, from `rng` and in this order: a file, uniformly among the split's files (with
 * replacement, so a round of `roundSize` crops visits each song 4 times on average, not exactly);
 * a start note, uniformly among those that leave `length` notes (songs shorter than `length` are
 * taken whole); then whatever `augment` draws. The same seed therefore gives the same crops.
 * Uniform per-file choice, not per-note, follows the original: a short piece is as likely as a
 * long one.
 *
 * @param dataset - the dataset to draw from
 * @param options - split, length (default 768), rng and optional augmenter
 * @returns the sampler
 * @throws InvalidArgumentError if the split has no files or `length` is not a positive integer
 * @example
 * const sampler = createCropSampler(dataset, { split: 'train', rng: createRng(1), augment: augmentV1 });
 * const batch = sampler.nextBatch(64); // 64 crops of up to 768 rows
 */
export function createCropSampler(dataset: Dataset, options: CropSamplerOptions): CropSampler {
  const { split, rng, augment } = options;
  const length = options.length ?? DEFAULT_CROP_LENGTH;
  if (!Number.isSafeInteger(length) || length < 1) {
    throw new InvalidArgumentError(`crop length ${String(length)} is not a positive integer`);
  }
  const files = fileIndicesOf(dataset, split).filter((i) => (dataset.files[i]?.noteCount ?? 0) > 0);
  if (files.length === 0) {
    throw new InvalidArgumentError(`the dataset has no ${split} files with notes to crop`);
  }

  const drawFile = options.sourceWeights
    ? weightedFileDraw(dataset, files, options.sourceWeights, rng)
    : (): number => files[rng.int(0, files.length - 1)] as number;
  const next = (): V1Row[] => {
    const fileIndex = drawFile();
    const noteCount = dataset.files[fileIndex]?.noteCount ?? 0;
    const start = rng.int(0, Math.max(0, noteCount - length));
    const rows = cropV1(dataset, fileIndex, start, length);
    return augment ? augment(rows, rng) : rows;
  };

  return {
    next,
    nextBatch(batchSize: number): V1Row[][] {
      if (!Number.isSafeInteger(batchSize) || batchSize < 0) {
        throw new InvalidArgumentError(`batch size ${String(batchSize)} is not a non-negative integer`);
      }
      return Array.from({ length: batchSize }, next);
    },
    fileCount: files.length,
    roundSize: CROPS_PER_SONG_PER_ROUND * files.length,
  };
}

/** A draw of a file: a source by weight, then one of its files uniformly. */
function weightedFileDraw(
  dataset: Dataset,
  files: readonly number[],
  weights: Readonly<Record<string, number>>,
  rng: Rng,
): () => number {
  for (const [tag, weight] of Object.entries(weights)) {
    if (!dataset.sourceTags.includes(tag)) {
      throw new InvalidArgumentError(
        `source weight for "${tag}": the dataset's sources are ${dataset.sourceTags.map((t) => `"${t}"`).join(', ')}`,
      );
    }
    if (!(Number.isFinite(weight) && weight >= 0)) {
      throw new InvalidArgumentError(`source weight ${String(weight)} for "${tag}" is not a number >= 0`);
    }
  }
  const bySource = dataset.sourceTags
    .map((tag, source) => ({
      weight: weights[tag] ?? 1,
      files: files.filter((i) => dataset.files[i]?.source === source),
    }))
    .filter((s) => s.weight > 0 && s.files.length > 0);
  const total = bySource.reduce((sum, s) => sum + s.weight, 0);
  if (total === 0) throw new InvalidArgumentError('every source with files has weight 0');
  return () => {
    let u = rng.next() * total;
    let chosen = bySource[bySource.length - 1]!;
    for (const source of bySource) {
      if (u < source.weight) {
        chosen = source;
        break;
      }
      u -= source.weight;
    }
    return chosen.files[rng.int(0, chosen.files.length - 1)] as number;
  };
}
