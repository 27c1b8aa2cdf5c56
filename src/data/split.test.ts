import { test as propTest, fc } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { createRng } from '../random/rng.js';
import { contentHash } from './content-hash.js';
import { hashToUnit, splitOf } from './split.js';

function randomBytes(seed: number, count: number): Uint8Array[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () =>
    Uint8Array.from({ length: rng.int(1, 2000) }, () => rng.int(0, 255)),
  );
}

describe('splitOf', () => {
  propTest.prop([fc.uint8Array({ maxLength: 200 }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'is a pure function of the content',
    (bytes, fraction) => {
      const hash = contentHash(bytes);
      expect(splitOf(hash, fraction)).toBe(splitOf(contentHash(new Uint8Array(bytes)), fraction));
    },
  );

  test('holds out about 10% of 1,000 random files by default', () => {
    const held = randomBytes(1, 1000).filter((b) => splitOf(contentHash(b)) === 'validation');
    // Binomial(1000, 0.1): sd ≈ 9.5; ±4 sd.
    expect(held.length).toBeGreaterThan(62);
    expect(held.length).toBeLessThan(138);
  });

  test('holds out about 10% of near-identical files (one byte differs at the end)', () => {
    const base = new Uint8Array(5000).fill(7);
    let held = 0;
    for (let i = 0; i < 1000; i++) {
      const bytes = new Uint8Array(base);
      bytes[4998] = i & 0xff;
      bytes[4999] = i >> 8;
      if (splitOf(contentHash(bytes)) === 'validation') held++;
    }
    expect(held).toBeGreaterThan(62);
    expect(held).toBeLessThan(138);
  });

  test('respects other fractions and the ends 0 and 1', () => {
    const hashes = randomBytes(2, 1000).map(contentHash);
    const held = hashes.filter((h) => splitOf(h, 0.3) === 'validation').length;
    expect(held).toBeGreaterThan(240);
    expect(held).toBeLessThan(360);
    expect(hashes.every((h) => splitOf(h, 0) === 'train')).toBe(true);
    expect(hashes.every((h) => splitOf(h, 1) === 'validation')).toBe(true);
  });

  test('a larger fraction only moves files from train to validation', () => {
    for (const hash of randomBytes(3, 300).map(contentHash)) {
      if (splitOf(hash, 0.1) === 'validation') expect(splitOf(hash, 0.2)).toBe('validation');
    }
  });

  test('is stable across releases (golden values)', () => {
    expect(hashToUnit('cbf29ce484222325')).toMatchInlineSnapshot(`0.7395161201711744`);
    expect(hashToUnit('af63dc4c8601ec8c')).toMatchInlineSnapshot(`0.46622476167976856`);
  });

  test('rejects malformed hashes and fractions', () => {
    expect(() => splitOf('xyz')).toThrow(/content hash "xyz"/);
    expect(() => splitOf('cbf29ce484222325', 1.5)).toThrow(/validation fraction 1.5/);
    expect(() => splitOf('cbf29ce484222325', Number.NaN)).toThrow(/validation fraction NaN/);
  });
});
