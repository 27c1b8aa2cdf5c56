/**
 * A fast, deterministic, non-cryptographic 64-bit hash of bytes: FNV-1a 64, computed with two 32-bit
 * halves so that it needs neither `BigInt` nor platform-dependent typed-array views. It names a MIDI
 * file by its content (the dataset's `hash`, which decides its split) and checks a dataset file for
 * corruption. Not for security: anyone can make two inputs collide on purpose.
 */

/** FNV-1a 64 offset basis 0xcbf29ce484222325, as two 32-bit halves. */
const OFFSET_HIGH = 0xcbf29ce4;
const OFFSET_LOW = 0x84222325;
/** The low part of the FNV 64 prime 0x100000001b3 (= 2^40 + 0x1b3). */
const PRIME_LOW = 0x1b3;

/** A 64-bit hash as its two 32-bit halves (unsigned). */
export interface Hash64 {
  /** Bits 63..32. */
  high: number;
  /** Bits 31..0. */
  low: number;
}

/**
 * Hashes bytes with FNV-1a 64 and returns the two 32-bit halves.
 *
 * @param bytes - the data; not modified
 * @returns `{ high, low }`, each an unsigned 32-bit integer
 * @example contentHash64(new TextEncoder().encode('a')); // { high: 0xaf63dc4c, low: 0x8601ec8c }
 */
export function contentHash64(bytes: Uint8Array): Hash64 {
  let high = OFFSET_HIGH;
  let low = OFFSET_LOW;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    low ^= bytes[i] as number;
    // (high·2^32 + low) · (2^40 + 0x1b3) mod 2^64, with every partial product exact in a double.
    const a = (low & 0xffff) * PRIME_LOW;
    const b = (low >>> 16) * PRIME_LOW + (a >>> 16);
    high = (Math.imul(high, PRIME_LOW) + (low << 8) + (b >>> 16)) >>> 0;
    low = (((b & 0xffff) << 16) | (a & 0xffff)) >>> 0;
  }
  return { high, low };
}

/**
 * Hashes bytes with FNV-1a 64 and returns 16 lower-case hex digits (most significant first), the
 * same on every platform and the same as other FNV-1a 64 implementations.
 *
 * @param bytes - the data; not modified
 * @returns e.g. `'af63dc4c8601ec8c'` for the single byte `'a'`
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
