import { scratchInt32, scratchUint32 } from './scratch.js';

/** Bits sorted per counting pass: 3 passes cover 32-bit keys with 2,048 buckets each. */
const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;
/** Below this many keys an insertion sort beats the counting passes. */
const SMALL = 24;

const spareOrder = scratchInt32();
const keyCopy = scratchUint32();
const spareKeys = scratchUint32();
const counts = new Int32Array(BUCKETS);

/**
 * Writes into `order` the stable sort order of `keys`: `order[n]` is the index of the n-th smallest
 * key, equal keys keeping their index order. A least-significant-digit radix sort (counting passes of
 * 11 bits, a pass skipped when every key has the same digit there; an insertion sort for a few keys),
 * linear in the number of keys. Already sorted keys cost one pass.
 *
 * @param keys Keys, each an integer in 0 .. 2^32 - 1; not modified.
 * @param order Receives the permutation; as long as `keys`.
 * @returns `order`.
 */
export function stableOrderInto(keys: Uint32Array, order: Int32Array): Int32Array {
  const n = keys.length;
  let largest = 0;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    order[i] = i;
    if (k >= largest) largest = k;
    else sorted = false;
  }
  if (sorted) return order;
  if (n < SMALL) {
    for (let i = 1; i < n; i++) {
      const k = keys[i]!;
      let j = i - 1;
      while (j >= 0 && keys[order[j]!]! > k) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = i;
    }
    return order;
  }
  // Keys travel with their indices, so every pass reads both arrays in order.
  let from = order;
  let to = spareOrder.take(n);
  let key = keyCopy.take(n);
  key.set(keys);
  let toKey = spareKeys.take(n);
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
      to[at] = from[i]!;
      toKey[at] = k;
    }
    const swapOrder = from;
    from = to;
    to = swapOrder;
    const swapKey = key;
    key = toKey;
    toKey = swapKey;
  }
  if (from !== order) order.set(from);
  return order;
}

/**
 * The stable sort order of unsigned 32-bit keys: `order[n]` is the index of the n-th smallest key, and
 * equal keys keep their index order (`stableOrderInto` into a new array), linear in the number of
 * keys, so a 500,000-note file sorts in milliseconds where a comparison sort takes far longer.
 *
 * @param keys Keys, each an integer in 0 .. 2^32 - 1; not modified.
 * @returns The permutation that sorts them.
 * @example
 * stableOrder(Uint32Array.of(5, 1, 5, 0)); // Int32Array [3, 1, 0, 2]
 */
export function stableOrder(keys: Uint32Array): Int32Array {
  return stableOrderInto(keys, new Int32Array(keys.length));
}

const tickKeys = scratchUint32();

/**
 * The order of `values` (non-negative integers, e.g. ticks), stable: by (value, index). A radix sort
 * when every value fits 32 bits, else a comparison sort.
 *
 * @param values Non-negative integers; not modified.
 * @param order Receives the permutation; as long as `values`.
 * @returns `order`.
 */
export function stableOrderOfValues(values: Float64Array, order: Int32Array): Int32Array {
  const n = values.length;
  let latest = 0;
  for (let i = 0; i < n; i++) if (values[i]! > latest) latest = values[i]!;
  if (latest <= 0xffffffff) {
    const keys = tickKeys.take(n);
    for (let i = 0; i < n; i++) keys[i] = values[i]!;
    return stableOrderInto(keys, order);
  }
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => values[a]! - values[b]! || a - b);
}
