/**
 * A fast, deterministic, non-cryptographic 64-bit hash of bytes: two MurmurHash3 (x86, 32-bit) lanes
 * with different seeds, computed in one pass over little-endian 32-bit words (about ten times the
 * speed of a byte-at-a-time hash in JavaScript). It names a MIDI file by its content (the dataset's
 * `hash`, which decides its split) and checks a dataset file for corruption. Not for security: anyone
 * can make two inputs collide on purpose. MurmurHash3 is Austin Appleby's public-domain design; this
 * is our own implementation of it.
 */

/** Seed of the high 32 bits. */
const SEED_HIGH = 0x686f776c; // "howl"
/** Seed of the low 32 bits. */
const SEED_LOW = 0x9747b28c;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** A 64-bit hash as its two 32-bit halves (unsigned). */
export interface Hash64 {
  /** Bits 63..32. */
  high: number;
  /** Bits 31..0. */
  low: number;
}

function mixWord(word: number): number {
  let k = Math.imul(word, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixState(h: number, k: number): number {
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * MurmurHash3's 32-bit finaliser: every input bit affects every output bit.
 *
 * @param x - a 32-bit integer
 * @returns the mixed value, unsigned
 * @example fmix32(1); // 0x514e28b7
 */
export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function finish(h: number, length: number): number {
  return fmix32(h ^ length);
}

/** The last 1-3 bytes of `bytes` after the whole words, as one little-endian word (0 if none). */
function tailWord(bytes: Uint8Array, from: number): number {
  let k = 0;
  for (let i = bytes.length - 1; i >= from; i--) k = (k << 8) | bytes[i]!;
  return k;
}

/**
 * MurmurHash3 x86 32-bit of `bytes` with `seed`, as published (e.g. "The quick brown fox jumps over
 * the lazy dog" with seed 0 gives 0x2e4ff723).
 *
 * @param bytes - the data; not modified
 * @param seed - a 32-bit seed
 * @returns an unsigned 32-bit integer
 * @example murmur3x86_32(new TextEncoder().encode('abc'), 0); // 0xb3dd93fa
 */
export function murmur3x86_32(bytes: Uint8Array, seed: number): number {
  const words = bytes.length >>> 2;
  let h = seed | 0;
  for (let w = 0, i = 0; w < words; w++, i += 4) {
    h = mixState(h, mixWord(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)));
  }
  if (bytes.length & 3) h ^= mixWord(tailWord(bytes, words * 4));
  return finish(h, bytes.length);
}

/**
 * Hashes bytes into 64 bits: `high` is `murmur3x86_32(bytes, SEED_HIGH)` and `low` is
 * `murmur3x86_32(bytes, SEED_LOW)`, computed together in one pass.
 *
 * @param bytes - the data; not modified
 * @returns `{ high, low }`, each an unsigned 32-bit integer
 * @example contentHash64(new TextEncoder().encode('a'));
 */
export function contentHash64(bytes: Uint8Array): Hash64 {
  const words = bytes.length >>> 2;
  let high = SEED_HIGH | 0;
  let low = SEED_LOW | 0;
  for (let w = 0, i = 0; w < words; w++, i += 4) {
    const k = mixWord(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    high = mixState(high, k);
    low = mixState(low, k);
  }
  if (bytes.length & 3) {
    const k = mixWord(tailWord(bytes, words * 4));
    high ^= k;
    low ^= k;
  }
  return { high: finish(high, bytes.length), low: finish(low, bytes.length) };
}

/** Whether this platform stores words little-endian (every one Node and browsers run on, in practice). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * `contentHash64` of bytes that arrive in pieces: `update` each piece in order, then `digest`. Gives
 * the same hash as `contentHash64` of the pieces joined, however they are cut, so a file can be
 * checksummed while it is written piece by piece.
 *
 * @example
 * const hasher = new ContentHasher();
 * hasher.update(header);
 * hasher.update(body);
 * hasher.digest(); // = contentHash64(header + body)
 */
export class ContentHasher {
  private high = SEED_HIGH | 0;
  private low = SEED_LOW | 0;
  private length = 0;
  /** Up to 3 bytes left over from the previous piece, little-endian in `carry`. */
  private carry = 0;
  private carried = 0;

  /**
   * Hashes the next piece.
   *
   * @param bytes - the piece; not modified
   */
  update(bytes: Uint8Array): void {
    let i = 0;
    const n = bytes.length;
    this.length += n;
    if (this.carried > 0) {
      while (this.carried < 4 && i < n) this.carry |= bytes[i++]! << (8 * this.carried++);
      if (this.carried < 4) return;
      const k = mixWord(this.carry);
      this.high = mixState(this.high, k);
      this.low = mixState(this.low, k);
      this.carry = 0;
      this.carried = 0;
    }
    let high = this.high;
    let low = this.low;
    if (LITTLE_ENDIAN && (bytes.byteOffset + i) % 4 === 0 && n - i >= 64) {
      // Whole words read as words where they are aligned: the same values, a quarter of the loads.
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (n - i) >>> 2);
      for (let w = 0; w < words.length; w++) {
        const k = mixWord(words[w]!);
        high = mixState(high, k);
        low = mixState(low, k);
      }
      i += words.length * 4;
    }
    for (; i + 4 <= n; i += 4) {
      const k = mixWord(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
      high = mixState(high, k);
      low = mixState(low, k);
    }
    this.high = high;
    this.low = low;
    while (i < n) this.carry |= bytes[i++]! << (8 * this.carried++);
  }

  /**
   * The hash of everything given to `update`.
   *
   * @returns `{ high, low }`, as `contentHash64` of all the bytes would
   */
  digest(): Hash64 {
    let { high, low } = this;
    if (this.carried > 0) {
      const k = mixWord(this.carry);
      high ^= k;
      low ^= k;
    }
    return { high: finish(high, this.length), low: finish(low, this.length) };
  }
}

/**
 * Hashes bytes into 64 bits and returns 16 lower-case hex digits (most significant first), the same
 * on every platform.
 *
 * @param bytes - the data; not modified
 * @returns 16 hex digits
 * @example contentHash(await readFile('song.mid')); // '5b1c0e6f9a2d4c31'
 */
export function contentHash(bytes: Uint8Array): string {
  const { high, low } = contentHash64(bytes);
  return hash64ToHex(high, low);
}

/**
 * Formats a 64-bit hash as 16 lower-case hex digits.
 *
 * @param high - bits 63..32, unsigned
 * @param low - bits 31..0, unsigned
 * @returns 16 hex digits
 * @example hash64ToHex(0xaf63dc4c, 0x8601ec8c); // 'af63dc4c8601ec8c'
 */
export function hash64ToHex(high: number, low: number): string {
  return (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0');
}

/** Matches the 16 hex digits `contentHash` returns. */
export const CONTENT_HASH_PATTERN = /^[0-9a-f]{16}$/;
