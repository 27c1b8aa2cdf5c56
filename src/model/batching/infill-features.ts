import { INFILL_FEATURES, writeInfillFeatures } from '../../encoding/infill-input.js';
import { orderedInputFeatures, type PitchEncoding } from '../../encoding/ordered-input.js';
import type { V1Row } from '../../encoding/v1.js';
import {
  encodeOrderedBatch,
  orderedBatchTensors,
  type OrderedBatch,
  type OrderedBatchArrays,
} from './ordered-features.js';
import {
  DEFAULT_INFILL_CONTEXT,
  DEFAULT_INFILL_SCHEDULE,
  trainingSequenceOf,
  type InfillContext,
  type InfillSchedule,
  type TrainingSequence,
} from './infill-windows.js';

/**
 * An infill network's batch (`infill: true`): each crop becomes a training sequence
 * (`trainingSequenceOf`: left to right, or rearranged around a gap), whose rows give the ordered
 * input and targets as for any ordered network (`ordered-features.ts`), with the seven infill
 * floats of the row read appended to each step's input and the unscored steps masked out.
 */

/** Options of an infill batch. */
export interface InfillBatchOptions {
  readonly schedule?: InfillSchedule;
  readonly context?: InfillContext;
}

const sequencesOf = (crops: readonly (readonly V1Row[])[], options: InfillBatchOptions): TrainingSequence[] =>
  crops.map((crop) =>
    trainingSequenceOf(
      crop,
      options.schedule ?? DEFAULT_INFILL_SCHEDULE,
      options.context ?? DEFAULT_INFILL_CONTEXT,
    ),
  );

/**
 * The scored steps of an infill batch of these crops (what `encodeInfillBatch(crops).tokens` is).
 *
 * @param crops - V1 crops
 * @param options - the schedule and context
 * @returns the count
 */
export function infillBatchTokens(
  crops: readonly (readonly V1Row[])[],
  options: InfillBatchOptions = {},
): number {
  return sequencesOf(crops, options).reduce(
    (sum, s) => sum + (s.scored === null ? Math.max(0, s.rows.length - 1) : s.scored.filter(Boolean).length),
    0,
  );
}

/**
 * Builds an infill network's inputs and targets.
 *
 * @param crops - V1 crops of ≥ 2 rows
 * @param encoding - how the input reads pitch
 * @param options - the schedule and context (defaults: the shipped model's)
 * @returns the arrays; `inputs` has `orderedInputFeatures(encoding) + INFILL_FEATURES` floats a step
 * @throws InvalidArgumentError as `encodeOrderedBatch`
 */
export function encodeInfillBatch(
  crops: readonly (readonly V1Row[])[],
  encoding: PitchEncoding = 'one-hot',
  options: InfillBatchOptions = {},
): OrderedBatchArrays {
  const sequences = sequencesOf(crops, options);
  const a = encodeOrderedBatch(
    sequences.map((s) => s.rows),
    encoding,
  );
  const { batch: B, steps: T } = a;
  const width = orderedInputFeatures(encoding);
  const wide = width + INFILL_FEATURES;
  const inputs = new Float32Array(B * T * wide);
  const mask = a.mask.slice();
  let tokens = 0;
  sequences.forEach((sequence, b) => {
    for (let t = 0; t < T; t++) {
      const k = b * T + t;
      if (!mask[k]) continue;
      inputs.set(a.inputs.subarray(k * width, (k + 1) * width), k * wide);
      writeInfillFeatures(sequence.inputs?.[t] ?? null, inputs, k * wide + width);
      if (sequence.scored !== null && !sequence.scored[t]) mask[k] = 0;
      else tokens++;
    }
  });
  return { ...a, inputs, mask, tokens };
}

/**
 * Builds a tensor batch for an infill network.
 *
 * @param crops - V1 crops of ≥ 2 rows
 * @param encoding - how the input reads pitch
 * @param options - the schedule and context
 * @returns the batch; call `dispose()` when done
 */
export function buildInfillBatch(
  crops: readonly (readonly V1Row[])[],
  encoding: PitchEncoding = 'one-hot',
  options: InfillBatchOptions = {},
): OrderedBatch {
  return orderedBatchTensors(
    encodeInfillBatch(crops, encoding, options),
    orderedInputFeatures(encoding) + INFILL_FEATURES,
  );
}
