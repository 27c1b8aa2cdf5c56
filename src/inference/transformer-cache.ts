import { InvalidArgumentError } from '../errors.js';

/**
 * The transformer step's key/value cache (`transformer-step.ts`), one per batch row: each layer's
 * keys and values for the notes fed, in buffers of whole notes that grow up to a limit and then drop
 * the oldest notes a window at a time. Plain functions over a `RowCache` and the `CacheShape` every
 * row shares; `attend` (`transformer-layers.ts`) reads and writes the buffers.
 */

/** What every row's cache has in common. */
export interface CacheShape {
  /** Layers (a key buffer and a value buffer each). */
  readonly layers: number;
  /** Floats per note and layer (the model's width). */
  readonly d: number;
  /** Notes a step attends over. */
  readonly window: number;
  /** Notes kept before the window, for `rewind` (may be `Infinity`). */
  readonly history: number;
  /** The most notes a buffer holds before it drops the oldest. */
  readonly limit: number;
  /** Capacity of a fresh buffer, in notes. */
  readonly initialCapacity: number;
  /** Notes a saved state holds: the last `window − 1` (all the next step reads). */
  readonly keptForNext: number;
  /** Floats of a saved state: the notes fed, then per layer the kept keys and values. */
  readonly stateSize: number;
}

/** A row's cache: keys and values of each layer for notes `base .. base + length − 1`. */
export interface RowCache {
  /** Notes fed to the row. */
  fed: number;
  /** The note number of the buffers' first entry. */
  base: number;
  /** Capacity of the buffers, in notes. */
  capacity: number;
  /** Per layer, `[capacity, d]`. */
  keys: Float32Array[];
  values: Float32Array[];
}

/**
 * The cache shape of a transformer.
 *
 * @param layers - its layers
 * @param d - its width
 * @param window - its attention window
 * @param history - notes to keep before the window
 */
export function cacheShape(layers: number, d: number, window: number, history: number): CacheShape {
  // The buffers grow to the window plus the history before it, and to at least two windows, so
  // that dropping the oldest notes (a copy of a window) happens once per window, not every note.
  const limit = Math.max(2 * window, window + history);
  const keptForNext = window - 1;
  return {
    layers,
    d,
    window,
    history,
    limit,
    initialCapacity: Math.min(limit, 64),
    keptForNext,
    stateSize: 1 + 2 * layers * keptForNext * d,
  };
}

/** An empty row cache (nothing fed). */
export function newRowCache(shape: CacheShape, capacity = shape.initialCapacity): RowCache {
  const { layers, d } = shape;
  return {
    fed: 0,
    base: 0,
    capacity,
    keys: Array.from({ length: layers }, () => new Float32Array(capacity * d)),
    values: Array.from({ length: layers }, () => new Float32Array(capacity * d)),
  };
}

/** Makes room for one more note in a row's buffers: grow up to `limit`, else drop the oldest. */
export function makeRoom(shape: CacheShape, cache: RowCache): void {
  const { layers, d, limit } = shape;
  const used = cache.fed - cache.base;
  if (used < cache.capacity) return;
  if (cache.capacity < limit) {
    const capacity = Math.min(cache.capacity * 2, limit);
    for (let l = 0; l < layers; l++) {
      const keys = new Float32Array(capacity * d);
      keys.set(cache.keys[l]!);
      cache.keys[l] = keys;
      const values = new Float32Array(capacity * d);
      values.set(cache.values[l]!);
      cache.values[l] = values;
    }
    cache.capacity = capacity;
    return;
  }
  // Keep the last window − 1 notes (all the next step reads), at the buffers' start.
  const keep = Math.min(used, shape.window - 1);
  const from = (used - keep) * d;
  for (let l = 0; l < layers; l++) {
    cache.keys[l]!.copyWithin(0, from, used * d);
    cache.values[l]!.copyWithin(0, from, used * d);
  }
  cache.base = cache.fed - keep;
}

/** A row's state: the notes fed, then its last `window − 1` notes' keys and values per layer. */
export function saveRowCache(shape: CacheShape, cache: RowCache): Float32Array {
  const { layers, d, keptForNext } = shape;
  const state = new Float32Array(shape.stateSize);
  state[0] = cache.fed;
  const kept = Math.min(cache.fed - cache.base, keptForNext);
  const from = (cache.fed - cache.base - kept) * d;
  // Oldest first; a row with fewer notes leaves zeros at the front of each block.
  for (let l = 0; l < layers; l++) {
    const at = 1 + 2 * l * keptForNext * d + (keptForNext - kept) * d;
    state.set(cache.keys[l]!.subarray(from, from + kept * d), at);
    state.set(cache.values[l]!.subarray(from, from + kept * d), at + keptForNext * d);
  }
  return state;
}

/**
 * A row cache from a state `saveRowCache` made.
 *
 * @throws InvalidArgumentError for a state of the wrong size
 */
export function loadRowCache(shape: CacheShape, state: Float32Array): RowCache {
  const { layers, d, keptForNext, limit } = shape;
  if (state.length !== shape.stateSize) {
    throw new InvalidArgumentError(`state of ${state.length} floats, expected ${shape.stateSize}`);
  }
  const fed = state[0]!;
  const kept = Math.min(fed, keptForNext);
  // Room for the kept notes and the next one (makeRoom grows it from there).
  const cache = newRowCache(shape, Math.max(shape.initialCapacity, Math.min(limit, kept + 1)));
  cache.fed = fed;
  cache.base = fed - kept;
  for (let l = 0; l < layers; l++) {
    const at = 1 + 2 * l * keptForNext * d + (keptForNext - kept) * d;
    cache.keys[l]!.set(state.subarray(at, at + kept * d));
    cache.values[l]!.set(state.subarray(at + keptForNext * d, at + keptForNext * d + kept * d));
  }
  return cache;
}

/**
 * The row's cache after going back to its first `length` notes: the same cache, shortened, or a
 * fresh one for 0.
 *
 * @throws InvalidArgumentError when `length` is not in 0..fed, or goes back past what the buffers keep
 */
export function rewindRowCache(shape: CacheShape, cache: RowCache, length: number): RowCache {
  if (!(Number.isSafeInteger(length) && length >= 0 && length <= cache.fed)) {
    throw new InvalidArgumentError(`rewind: ${length} is not in 0..${cache.fed} (the notes fed)`);
  }
  if (length === 0) return newRowCache(shape);
  if (Math.max(0, length - shape.keptForNext) < cache.base) {
    throw new InvalidArgumentError(
      `rewind: cannot go back to note ${length}: this network keeps notes from ${cache.base} on (history ${shape.history})`,
    );
  }
  cache.fed = length;
  return cache;
}
