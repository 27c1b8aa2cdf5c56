import type { V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import type { Rng } from '../random/rng.js';

/**
 * Ranges of the velocity-curve augmentation. Pianos and players differ most in how key speed maps
 * to MIDI velocity: a Disklavier, a sequencer's hand-set velocities and another make of piano put
 * the same touch at different numbers. Bending each example's velocities through a random curve
 * teaches the network the shape of dynamics rather than one instrument's numbers.
 */
export const VELOCITY_CURVE_RANGES = {
  /** Exponent on the volume in [0, 1]: log-uniform in [2/3, 3/2]. */
  gamma: [2 / 3, 3 / 2],
  /** Factor after the exponent, uniform in [0.85, 1.15). */
  scale: [0.85, 1.15],
  /** Added last, uniform in [-0.06, 0.06) (about ±8 velocity steps). */
  offset: [-0.06, 0.06],
} as const;

/** One velocity curve: `volume' = offset + scale × volume^gamma`, clamped to [1/127, 1]. */
export interface VelocityCurveParams {
  readonly gamma: number;
  readonly scale: number;
  readonly offset: number;
}

/**
 * Draws a velocity curve: three draws from `rng`, in the order gamma, scale, offset.
 *
 * @param rng - the seeded generator
 * @returns the curve's parameters
 * @example drawVelocityCurve(createRng(1)); // { gamma: …, scale: …, offset: … }
 */
export function drawVelocityCurve(rng: Rng): VelocityCurveParams {
  const { gamma, scale, offset } = VELOCITY_CURVE_RANGES;
  return {
    gamma: Math.exp(rng.uniform(Math.log(gamma[0]), Math.log(gamma[1]))),
    scale: rng.uniform(scale[0], scale[1]),
    offset: rng.uniform(offset[0], offset[1]),
  };
}

/**
 * Bends every row's volume through one curve; delay, duration and pitch are kept.
 *
 * @param rows - V1 rows (volume = velocity / 127); not mutated
 * @param params - the curve
 * @returns new rows, volumes clamped to [1/127, 1] so that every note still sounds
 * @throws InvalidArgumentError if gamma or scale is not a positive finite number, or offset is not finite
 * @example applyVelocityCurve([[0, 1, 0.25, 0]], { gamma: 0.5, scale: 1, offset: 0 }); // [[0, 1, 0.5, 0]]
 */
export function applyVelocityCurve(rows: readonly V1Row[], params: VelocityCurveParams): V1Row[] {
  const { gamma, scale, offset } = params;
  for (const [name, value] of [
    ['gamma', gamma],
    ['scale', scale],
  ] as const) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new InvalidArgumentError(`velocity curve ${name} ${String(value)} is not a positive number`);
    }
  }
  if (!Number.isFinite(offset)) {
    throw new InvalidArgumentError(`velocity curve offset ${String(offset)} is not a finite number`);
  }
  return rows.map(([delay, duration, volume, pitch]): V1Row => [
    delay,
    duration,
    Math.min(1, Math.max(1 / 127, offset + scale * Math.max(0, volume) ** gamma)),
    pitch,
  ]);
}

/**
 * Augments V1 rows with a random velocity curve (`drawVelocityCurve`, then `applyVelocityCurve`).
 *
 * @param rows - V1 rows; not mutated
 * @param rng - the seeded generator; advanced by three draws
 * @returns new rows
 * @example const varied = augmentVelocityCurve(augmentV1(rows, rng), rng);
 */
export function augmentVelocityCurve(rows: readonly V1Row[], rng: Rng): V1Row[] {
  return applyVelocityCurve(rows, drawVelocityCurve(rng));
}

/**
 * The performance augmentation: the original's (`augmentV1`: tempo, transposition, volume) and then
 * a velocity curve, for training on several corpora, pianos and players.
 *
 * @param augmentV1 - the V1 augmenter (passed in, so that this module stays a leaf)
 * @returns an augmenter for `createCropSampler`
 */
export function withVelocityCurve(
  augmentV1: (rows: readonly V1Row[], rng: Rng) => V1Row[],
): (rows: readonly V1Row[], rng: Rng) => V1Row[] {
  return (rows, rng) => augmentVelocityCurve(augmentV1(rows, rng), rng);
}
