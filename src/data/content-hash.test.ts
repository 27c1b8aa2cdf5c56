import { test as propTest, fc } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import {
  CONTENT_HASH_PATTERN,
  ContentHasher,
  contentHash,
  contentHash64,
  hash64ToHex,
  murmur3x86_32,
} from './content-hash.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('contentHash', () => {
  test('each lane is MurmurHash3 x86 32 (published test vectors)', () => {
    expect(murmur3x86_32(ascii(''), 0)).toBe(0);
    expect(murmur3x86_32(ascii(''), 1)).toBe(0x514e28b7);
    expect(murmur3x86_32(ascii('The quick brown fox jumps over the lazy dog'), 0)).toBe(0x2e4ff723);
    expect(murmur3x86_32(ascii('Hello, world!'), 1234)).toBe(0xfaf6cdb3);
    expect(murmur3x86_32(ascii('abc'), 0)).toBe(0xb3dd93fa);
  });

  propTest.prop([fc.uint8Array({ maxLength: 300 })])('the fused 64-bit hash equals its two lanes', (bytes) => {
    const { high, low } = contentHash64(bytes);
    expect(high).toBe(murmur3x86_32(bytes, 0x686f776c));
    expect(low).toBe(murmur3x86_32(bytes, 0x9747b28c));
    expect(contentHash(bytes)).toBe(hash64ToHex(high, low));
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

describe('ContentHasher', () => {
  propTest.prop([fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat({ max: 200 }), { maxLength: 8 })])(
    'gives contentHash64 of the whole, however the bytes are cut',
    (bytes, cuts) => {
      const hasher = new ContentHasher();
      let at = 0;
      for (const cut of [...cuts].sort((a, b) => a - b)) {
        const to = Math.min(cut, bytes.length);
        hasher.update(bytes.subarray(at, Math.max(at, to)));
        at = Math.max(at, to);
      }
      hasher.update(bytes.subarray(at));
      expect(hasher.digest()).toEqual(contentHash64(bytes));
    },
  );

  test('no bytes: the hash of nothing', () => {
    expect(new ContentHasher().digest()).toEqual(contentHash64(new Uint8Array(0)));
  });
});
