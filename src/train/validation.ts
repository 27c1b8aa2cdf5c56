import * as tf from '@tensorflow/tfjs';
import { createCropSampler, type CropSampler } from '../data/crops.js';
import type { Dataset } from '../data/dataset-format.js';
import type { V1Row } from '../encoding/v1.js';
import type { Model } from '../model/model.js';
import { createRng } from '../random/rng.js';
import type { ResolvedTrainOptions } from './train-options.js';

/** The validation loss: fixed crops of the validation split, and a model's mean loss over crops. */

/** The seed of the validation crops: fixed, so every run and every resume sees the same ones. */
export const VALIDATION_SEED = 0x5eed;

/**
 * The run's validation crops: `validationCrops` crops of the validation split, drawn with
 * `VALIDATION_SEED`, not augmented; none when the dataset has no usable validation files.
 *
 * @param dataset - the dataset
 * @param options - the crop length and how many crops
 * @returns crops of at least 2 notes
 */
export function drawValidationCrops(
  dataset: Dataset,
  options: Pick<ResolvedTrainOptions, 'length' | 'validationCrops'>,
): V1Row[][] {
  if (options.validationCrops === 0) return [];
  let sampler: CropSampler;
  try {
    sampler = createCropSampler(dataset, {
      split: 'validation',
      length: options.length,
      rng: createRng(VALIDATION_SEED),
    });
  } catch {
    return [];
  }
  return sampler.nextBatch(options.validationCrops).filter((crop) => crop.length >= 2);
}

/**
 * The token-weighted mean loss (and parts) of `model` over crops, in batches, without dropout.
 *
 * @param model - the model
 * @param crops - V1 crops of at least 2 notes
 * @param batchSize - crops per forward pass
 * @returns the loss and its parts
 */
export async function evaluate(
  model: Model,
  crops: readonly (readonly V1Row[])[],
  batchSize: number,
): Promise<{ loss: number; parts: Record<string, number> }> {
  let tokens = 0;
  let loss = 0;
  const parts: Record<string, number> = {};
  for (let i = 0; i < crops.length; i += batchSize) {
    const batch = model.makeBatch(crops.slice(i, i + batchSize));
    try {
      const result = model.loss(batch, { training: false });
      const names = Object.keys(result.parts);
      const stacked = tf.stack([result.total, ...names.map((n) => result.parts[n] as tf.Scalar)]);
      tf.dispose([result.total, ...Object.values(result.parts)]);
      const values = await stacked.data(); // asynchronous: a GPU backend may not read synchronously
      stacked.dispose();
      loss += (values[0] ?? NaN) * batch.tokens;
      names.forEach((n, j) => (parts[n] = (parts[n] ?? 0) + (values[j + 1] ?? NaN) * batch.tokens));
      tokens += batch.tokens;
    } finally {
      batch.dispose();
    }
  }
  for (const n of Object.keys(parts)) parts[n] = (parts[n] ?? 0) / Math.max(1, tokens);
  return { loss: loss / Math.max(1, tokens), parts };
}
