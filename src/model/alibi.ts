/**
 * The transformer's position scheme and constants, shared by the tfjs model (`transformer.ts`) and
 * its step network (`src/inference/transformer-step.ts`); no TensorFlow.js here.
 */

/** Layer norm's variance floor. */
export const NORM_EPSILON = 1e-5;

/**
 * ALiBi's slope of each head (Press et al., ICLR 2022): the geometric series 2^(-8/H), 2^(-16/H), …
 * so head h adds `−slope[h] · (i − j)` to the score of query i on key j.
 *
 * @param heads - attention heads
 * @returns the slopes, from 2^(-8/H) down to 2^(-8)
 * @example alibiSlopes(4); // [0.25, 0.0625, 0.015625, 0.00390625]
 */
export function alibiSlopes(heads: number): Float64Array {
  const slopes = new Float64Array(heads);
  for (let h = 0; h < heads; h++) slopes[h] = 2 ** ((-8 * (h + 1)) / heads);
  return slopes;
}
