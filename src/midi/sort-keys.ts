/** Bits sorted per counting pass: 3 passes cover 32-bit keys with 2,048 buckets each. */
const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;

/**
 * The stable sort order of unsigned 32-bit keys: `order[n]` is the index of the n-th smallest key, and
 * equal keys keep their index order. A least-significant-digit radix sort (three counting passes of
 * 11 bits, a pass skipped when every key has the same digit there), linear in the number of keys, so
 * a 500,000-note file sorts in milliseconds where a comparison sort takes far longer.
 *
 * @param keys Keys, each an integer in 0 .. 2^32 - 1; not modified.
 * @returns The permutation that sorts them.
 * @example
 * stableOrder(Uint32Array.of(5, 1, 5, 0)); // Int32Array [3, 1, 0, 2]
 */
export function stableOrder(keys: Uint32Array): Int32Array {
  const n = keys.length;
  let order = new Int32Array(n);
  let spare = new Int32Array(n);
  // Keys travel with their indices, so every pass reads both arrays in order.
  let key = Uint32Array.from(keys);
  let spareKey = new Uint32Array(n);
  let largest = 0;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (key[i]! > largest) largest = key[i]!;
  }
  const counts = new Int32Array(BUCKETS);
  for (let shift = 0; shift < 32 && largest >>> shift !== 0; shift += DIGIT_BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(key[i]! >>> shift) & (BUCKETS - 1)]!++;
    if (counts[(key[0]! >>> shift) & (BUCKETS - 1)] === n) continue;
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = counts[b]!;
      counts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = key[i]!;
      const at = counts[(k >>> shift) & (BUCKETS - 1)]!++;
      spare[at] = order[i]!;
      spareKey[at] = k;
    }
    [order, spare] = [spare, order];
    [key, spareKey] = [spareKey, key];
  }
  return order;
}
