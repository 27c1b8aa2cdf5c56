import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { overlappedArea } from './overlap.js';

describe('overlappedArea', () => {
  test('identical histograms overlap 1, disjoint ones 0, whatever their totals', () => {
    expect(overlappedArea([1, 2, 3], [1, 2, 3])).toBeCloseTo(1, 12);
    expect(overlappedArea([1, 2, 3], [10, 20, 30])).toBeCloseTo(1, 12);
    expect(overlappedArea([1, 0, 0], [0, 5, 5])).toBe(0);
  });

  test('half overlap', () => {
    expect(overlappedArea([1, 1, 0], [0, 1, 1])).toBeCloseTo(0.5, 12);
    expect(overlappedArea([3, 1], [1, 3])).toBeCloseTo(0.5, 12);
  });

  test('symmetric and in [0, 1]', () => {
    const counts = fc.array(fc.nat(100), { minLength: 5, maxLength: 5 });
    fc.assert(
      fc.property(counts, counts, (a, b) => {
        const oa = overlappedArea(a, b);
        if (a.every((x) => x === 0) || b.every((x) => x === 0)) return Number.isNaN(oa);
        return oa >= 0 && oa <= 1 && Math.abs(oa - overlappedArea(b, a)) < 1e-12;
      }),
    );
  });

  test('an empty histogram gives NaN; mismatched or negative counts are errors', () => {
    expect(overlappedArea([0, 0], [1, 2])).toBeNaN();
    expect(() => overlappedArea([1], [1, 2])).toThrow(/1 and 2 bins/);
    expect(() => overlappedArea([1, -1], [1, 2])).toThrow(/bin 1/);
  });
});
