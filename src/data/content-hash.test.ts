import { test as propTest, fc } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { CONTENT_HASH_PATTERN, contentHash, contentHash64, hash64ToHex } from './content-hash.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** FNV-1a 64 written the obvious way with BigInt, to check the two-halves version against. */
function fnv1a64BigInt(bytes: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of bytes) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

describe('contentHash', () => {
  test('matches the published FNV-1a 64 test vectors', () => {
    expect(contentHash(ascii(''))).toBe('cbf29ce484222325');
    expect(contentHash(ascii('a'))).toBe('af63dc4c8601ec8c');
    expect(contentHash(ascii('foobar'))).toBe('85944171f73967e8');
  });

  propTest.prop([fc.uint8Array({ maxLength: 300 })])('equals a BigInt FNV-1a 64', (bytes) => {
    expect(contentHash(bytes)).toBe(fnv1a64BigInt(bytes));
  });

  test('returns 16 hex digits and depends only on the bytes, not on the view', () => {
    const buffer = new Uint8Array(64).map((_, i) => i * 7);
    const view = buffer.subarray(3, 40);
    const copy = new Uint8Array(view);
    expect(contentHash(view)).toMatch(CONTENT_HASH_PATTERN);
    expect(contentHash(view)).toBe(contentHash(copy));
  });

  test('a one-bit change changes the hash', () => {
    const bytes = new Uint8Array(1000).fill(0x55);
    const before = contentHash(bytes);
    bytes[500] = 0x54;
    expect(contentHash(bytes)).not.toBe(before);
  });

  test('hashes several MB in well under a second', () => {
    const bytes = new Uint8Array(8 << 20).map((_, i) => (i * 2654435761) >>> 24);
    const start = performance.now();
    contentHash64(bytes);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  test('hash64ToHex pads both halves', () => {
    expect(hash64ToHex(1, 2)).toBe('0000000100000002');
  });
});
