/**
 * Mixing a model's distribution with a repetition cache's (`repetition-cache.ts`):
 * `(1 − λ) p_model + λ p_cache`, as one log-probability (scoring) or a row of logits (sampling).
 */

/**
 * `ln((1 − λ) e^logP + λ q)`: a log-probability mixed with the cache's probability.
 *
 * @param logP - the model's log-probability
 * @param lambda - the cache's weight
 * @param q - the cache's probability
 * @returns the mixed log-probability
 */
export function mixLogProb(logP: number, lambda: number, q: number): number {
  return Math.log((1 - lambda) * Math.exp(logP) + lambda * q);
}

/**
 * Mixes a row of logits with the cache's probabilities, as logits (`ln` of the mixed
 * probabilities): what the sampler then draws from, temperature and top-p applied to it. A bin the
 * model rules out (`−∞`, e.g. a masked unison) stays ruled out.
 *
 * @param logits - the model's logits
 * @param offset - the row's first index
 * @param count - bins in the row
 * @param lambda - the cache's weight
 * @param q - the cache's probabilities (`count` of them)
 * @param into - receives the mixed logits (`count` of them)
 * @returns `into`
 */
export function mixLogits(
  logits: Float32Array,
  offset: number,
  count: number,
  lambda: number,
  q: Float64Array,
  into: Float32Array,
): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.exp(logits[offset + i]! - max);
  let cacheMass = 0;
  for (let i = 0; i < count; i++) if (logits[offset + i]! > -Infinity) cacheMass += q[i]!;
  // Votes on ruled-out bins are dropped and the rest renormalised; with none left, the model alone.
  const weight = cacheMass > 0 ? lambda / cacheMass : 0;
  const modelWeight = cacheMass > 0 ? 1 - lambda : 1;
  for (let i = 0; i < count; i++) {
    const l = logits[offset + i]!;
    into[i] =
      l === -Infinity ? -Infinity : Math.log((modelWeight * Math.exp(l - max)) / sum + weight * q[i]!);
  }
  return into;
}
