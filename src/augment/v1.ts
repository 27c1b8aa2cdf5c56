import type { V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import type { Rng } from '../random/rng.js';
import { clampPitch } from '../score/clamp-pitch.js';

/**
 * The original system's augmentation "V1" (docs/original-system.md §4), applied afresh to every
 * training example's V1 rows. One set of parameters is drawn per call and applied to every row alike.
 */

/** The ranges the original draws from: time and volume factors uniform, pitch shift an integer. */
export const AUGMENT_V1_RANGES = {
  /** Factor on delay and duration, uniform in [0.5, 2.0). */
  timeScale: [0.5, 2.0],
  /** Semitones added to every pitch, an integer uniform in [-11, 11]. */
  pitchShift: [-11, 11],
  /** Factor on volume, uniform in [0.8, 1.0). */
  volumeScale: [0.8, 1.0],
} as const;

/** One draw of augmentation V1's parameters. */
export interface AugmentV1Params {
  /** Multiplies every delay and duration. */
  readonly timeScale: number;
  /** Semitones added to every pitch before octave clamping. */
  readonly pitchShift: number;
  /** Multiplies every volume. */
  readonly volumeScale: number;
}

/**
 * Draws augmentation V1's parameters, in this order: `timeScale` = `rng.uniform(0.5, 2)`,
 * `pitchShift` = `rng.int(-11, 11)`, `volumeScale` = `rng.uniform(0.8, 1)`. Three draws from `rng`,
 * so the same generator state always gives the same parameters.
 *
 * @param rng - the seeded generator; advanced by three draws
 * @param timeRange - the time factor's range, `[low, high)` (default the original's [0.5, 2));
 *   the same draws from `rng` whatever the range
 * @returns the drawn parameters
 * @example
 * const params = drawAugmentV1(createRng(7));
 */
export function drawAugmentV1(
  rng: Rng,
  timeRange: readonly [number, number] = AUGMENT_V1_RANGES.timeScale,
): AugmentV1Params {
  const [timeLow, timeHigh] = timeRange;
  const [shiftLow, shiftHigh] = AUGMENT_V1_RANGES.pitchShift;
  const [volumeLow, volumeHigh] = AUGMENT_V1_RANGES.volumeScale;
  const timeScale = rng.uniform(timeLow, timeHigh);
  const pitchShift = rng.int(shiftLow, shiftHigh);
  const volumeScale = rng.uniform(volumeLow, volumeHigh);
  return { timeScale, pitchShift, volumeScale };
}

/**
 * Applies given augmentation V1 parameters to rows: `delay * timeScale`, `duration * timeScale`,
 * `volume * volumeScale`, and `pitch + pitchShift` clamped by octave into -60..59 keeping the pitch
 * class (`clampPitch(pitch + shift + 60) - 60`, the original's clamping).
 *
 * Any parameters are accepted, not only those `drawAugmentV1` draws, so callers can apply a chosen
 * transposition or tempo change.
 *
 * @param rows - V1 rows; not mutated
 * @param params - the factors and shift to apply
 * @returns new rows
 * @throws InvalidArgumentError if a factor is not finite and >= 0 or the shift is not an integer
 * @example
 * applyAugmentV1([[0.5, 1, 1, 58]], { timeScale: 2, pitchShift: 3, volumeScale: 0.8 });
 * // [[1, 2, 0.8, 49]]  (58 + 3 = 61 is above B8, so it drops an octave)
 */
export function applyAugmentV1(rows: readonly V1Row[], params: AugmentV1Params): V1Row[] {
  const { timeScale, pitchShift, volumeScale } = params;
  if (!(Number.isFinite(timeScale) && timeScale >= 0)) {
    throw new InvalidArgumentError(`timeScale ${String(timeScale)} is not a finite number >= 0`);
  }
  if (!(Number.isFinite(volumeScale) && volumeScale >= 0)) {
    throw new InvalidArgumentError(`volumeScale ${String(volumeScale)} is not a finite number >= 0`);
  }
  if (!Number.isInteger(pitchShift)) {
    throw new InvalidArgumentError(`pitchShift ${String(pitchShift)} is not an integer`);
  }
  return rows.map(([delay, duration, volume, pitch]): V1Row => [
    delay * timeScale,
    duration * timeScale,
    volume * volumeScale,
    clampPitch(pitch + pitchShift + 60) - 60,
  ]);
}

/**
 * Augments V1 rows as the original does for each training example: draws one time factor in
 * [0.5, 2), one pitch shift in [-11, 11] and one volume factor in [0.8, 1) from `rng`
 * (`drawAugmentV1`) and applies them to every row (`applyAugmentV1`).
 *
 * @param rows - V1 rows; not mutated
 * @param rng - the seeded generator; advanced by three draws
 * @returns new, augmented rows
 * @example
 * const rng = createRng(42);
 * const example = augmentV1(encodeV1(score.notes), rng);
 */
export function augmentV1(rows: readonly V1Row[], rng: Rng): V1Row[] {
  return applyAugmentV1(rows, drawAugmentV1(rng));
}

/**
 * Augmentation V1 with another range for the time factor, for corpora of real performances whose
 * tempo is part of what the model should learn: the original's [0.5, 2) averages 1.25 and so teaches
 * a slower pace than the data's, where for example [0.8, 1.25) stays near the players' own tempi.
 *
 * @param timeRange - the time factor's range, `[low, high)`, 0 < low <= high
 * @returns an augmenter like `augmentV1`
 * @throws InvalidArgumentError if the range is not positive and ordered
 * @example const augment = augmentV1WithTimeRange([0.8, 1.25]);
 */
export function augmentV1WithTimeRange(
  timeRange: readonly [number, number],
): (rows: readonly V1Row[], rng: Rng) => V1Row[] {
  const [low, high] = timeRange;
  if (!(Number.isFinite(low) && Number.isFinite(high) && low > 0 && low <= high)) {
    throw new InvalidArgumentError(`time range [${low}, ${high}) is not 0 < low <= high`);
  }
  return (rows, rng) => applyAugmentV1(rows, drawAugmentV1(rng, timeRange));
}
