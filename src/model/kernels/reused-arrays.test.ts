import { describe, expect, test } from 'vitest';
import { handBack, keptFloatBytes, MAX_KEPT_BYTES, takeFloats } from './reused-arrays.js';

describe('reused arrays', () => {
  test('an array handed back is taken again for the same length, with its old values', () => {
    const a = takeFloats(1000);
    a.fill(7);
    const before = keptFloatBytes();
    handBack(a);
    expect(keptFloatBytes()).toBe(before + 4000);
    handBack(a); // twice is once
    expect(keptFloatBytes()).toBe(before + 4000);
    expect(takeFloats(999)).not.toBe(a);
    const again = takeFloats(1000);
    expect(again).toBe(a);
    expect(again[999]).toBe(7);
    expect(keptFloatBytes()).toBe(before);
    expect(takeFloats(1000)).not.toBe(a); // it was taken: a new one
  });

  test('views are not kept; past the cap the kept arrays are dropped', () => {
    const whole = new Float32Array(64);
    const before = keptFloatBytes();
    handBack(whole.subarray(0, 32));
    expect(keptFloatBytes()).toBe(before);
    // Just under the cap alone, over it with what is kept: everything else is dropped. (Its pages
    // are never touched, so it costs address space, not memory.)
    const big = new Float32Array(MAX_KEPT_BYTES / 4 - 8);
    handBack(whole, big);
    expect(keptFloatBytes()).toBe(big.byteLength);
    expect(takeFloats(64)).not.toBe(whole);
    expect(takeFloats(big.length)).toBe(big);
  });
});
