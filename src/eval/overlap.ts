import { InvalidArgumentError } from '../errors.js';

/**
 * The Overlapped Area of two histograms (after L.-C. Yang & A. Lerch, "On the evaluation of
 * generative models in music", Neural Computing and Applications 32:4773–4784, 2020, online 2018,
 * doi:10.1007/s00521-018-3849-7): both are
 * normalised to sum to 1 and the area they share is Σ min(p_i, q_i). 1 means identical
 * distributions, 0 disjoint ones. Yang & Lerch smooth with a kernel density estimate first; here
 * the histograms' bins (`features.ts`) are already coarse enough to be read as they are.
 *
 * @param a - counts (or any non-negative weights) per bin
 * @param b - the other histogram, same bins
 * @returns the overlap in [0, 1], or NaN when either histogram is empty
 * @throws InvalidArgumentError when the lengths differ or a count is negative or not finite
 * @example overlappedArea([1, 1, 0], [0, 2, 2]); // 0.5: they share the middle bin's half
 */
export function overlappedArea(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new InvalidArgumentError(`histograms of ${a.length} and ${b.length} bins cannot be compared`);
  }
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!(x >= 0 && y >= 0 && Number.isFinite(x) && Number.isFinite(y))) {
      throw new InvalidArgumentError(`bin ${i}: counts must be finite and >= 0 (got ${x}, ${y})`);
    }
    sumA += x;
    sumB += y;
  }
  if (sumA === 0 || sumB === 0) return NaN;
  let shared = 0;
  for (let i = 0; i < a.length; i++) shared += Math.min(a[i]! / sumA, b[i]! / sumB);
  return Math.min(1, shared);
}
