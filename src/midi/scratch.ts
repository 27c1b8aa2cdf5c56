/**
 * Working arrays the reader reuses from one file to the next, so that reading a corpus of small
 * files does not allocate (and zero, and collect) a dozen typed arrays per file. Reading is
 * synchronous and never re-entered, so one set per thread (per module instance) is enough; each use
 * has its own `ScratchArray`. Arrays longer than `RETAIN_LIMIT` entries are handed out but not kept,
 * so one huge file does not pin its memory for the rest of the import.
 */

/** The longest array a `ScratchArray` keeps for reuse (1 Mi entries: 8 MiB as Float64). */
export const RETAIN_LIMIT = 1 << 20;

type TypedArray = Float64Array | Int32Array | Uint32Array | Uint8Array;

/**
 * A reusable typed array of one kind.
 *
 * @example
 * const keys = new ScratchArray((n) => new Uint32Array(n));
 * const view = keys.take(100); // 100 entries, contents left from an earlier use
 */
export class ScratchArray<T extends TypedArray> {
  private array: T;

  /** @param make Allocates an array of the given length. */
  constructor(private readonly make: (length: number) => T) {
    this.array = make(0);
  }

  /**
   * An array of exactly `length` entries (a view of the kept one when it is long enough). Its
   * contents are whatever an earlier use left: callers write before they read, or `fill` it.
   *
   * @param length Entries needed.
   * @returns A view of `length` entries, valid until the next `take` of this scratch array.
   */
  take(length: number): T {
    if (this.array.length < length) {
      const fresh = this.make(Math.max(length, Math.min(RETAIN_LIMIT, 2 * this.array.length)));
      if (fresh.length > RETAIN_LIMIT) return fresh.subarray(0, length) as T;
      this.array = fresh;
    }
    return this.array.subarray(0, length) as T;
  }
}

/** Scratch factories by element type. */
export const scratchFloat64 = (): ScratchArray<Float64Array> => new ScratchArray((n) => new Float64Array(n));
export const scratchInt32 = (): ScratchArray<Int32Array> => new ScratchArray((n) => new Int32Array(n));
export const scratchUint32 = (): ScratchArray<Uint32Array> => new ScratchArray((n) => new Uint32Array(n));
export const scratchUint8 = (): ScratchArray<Uint8Array> => new ScratchArray((n) => new Uint8Array(n));
