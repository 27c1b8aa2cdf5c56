import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import { createRng } from '../random/rng.js';
import { applyAugmentV1, augmentV1, augmentV1WithTimeRange, drawAugmentV1 } from './v1.js';

const rows: V1Row[] = [
  [0, 1, 1, 0],
  [0.25, 0.5, 0.5, -60],
  [0.5, 0, 64 / 127, 59],
  [0, 2, 0.1, 50],
];

const arbRow = fc.tuple(
  fc.double({ min: -0.01, max: 10, noNaN: true }),
  fc.double({ min: 0, max: 10, noNaN: true }),
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.integer({ min: -60, max: 59 }),
);

describe('applyAugmentV1', () => {
  it('scales time and volume and shifts pitch with octave clamping (exact example)', () => {
    expect(applyAugmentV1(rows, { timeScale: 2, pitchShift: 3, volumeScale: 0.5 })).toEqual([
      [0, 2, 0.5, 3],
      [0.5, 1, 0.25, -57],
      [1, 0, 32 / 127, 50], // 59 + 3 = 62 (D9) -> D8 = 50
      [0, 4, 0.05, 53],
    ]);
    expect(applyAugmentV1(rows, { timeScale: 1, pitchShift: -11, volumeScale: 1 }).map((r) => r[3])).toEqual([
      -11,
      -59,
      48,
      39, // -60 - 11 = -71 (C#-2) -> C#-1 = -59
    ]);
  });

  it('rejects bad parameters naming the value', () => {
    expect(() => applyAugmentV1(rows, { timeScale: Number.NaN, pitchShift: 0, volumeScale: 1 })).toThrow(
      'timeScale NaN is not a finite number >= 0',
    );
    expect(() => applyAugmentV1(rows, { timeScale: 1, pitchShift: 0.5, volumeScale: 1 })).toThrow(
      'pitchShift 0.5 is not an integer',
    );
    expect(() => applyAugmentV1(rows, { timeScale: 1, pitchShift: 0, volumeScale: -1 })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('drawAugmentV1', () => {
  it('draws within the original ranges and covers every shift', () => {
    const rng = createRng(2021);
    const shifts = new Set<number>();
    let [minTime, maxTime, minVolume, maxVolume] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < 20_000; i++) {
      const { timeScale, pitchShift, volumeScale } = drawAugmentV1(rng);
      expect(Number.isInteger(pitchShift)).toBe(true);
      shifts.add(pitchShift);
      [minTime, maxTime] = [Math.min(minTime, timeScale), Math.max(maxTime, timeScale)];
      [minVolume, maxVolume] = [Math.min(minVolume, volumeScale), Math.max(maxVolume, volumeScale)];
    }
    expect([...shifts].sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i - 11));
    expect(minTime).toBeGreaterThanOrEqual(0.5);
    expect(minTime).toBeLessThan(0.51);
    expect(maxTime).toBeLessThan(2);
    expect(maxTime).toBeGreaterThan(1.99);
    expect(minVolume).toBeGreaterThanOrEqual(0.8);
    expect(minVolume).toBeLessThan(0.801);
    expect(maxVolume).toBeLessThan(1);
    expect(maxVolume).toBeGreaterThan(0.999);
  });
});

describe('augmentV1', () => {
  it('is reproducible: the same seed gives the same output', () => {
    expect(augmentV1(rows, createRng(7))).toEqual(augmentV1(rows, createRng(7)));
    expect(augmentV1(rows, createRng(7))).not.toEqual(augmentV1(rows, createRng(8)));
  });

  it('equals applying the drawn parameters, and advances the generator', () => {
    const a = createRng(99);
    const b = createRng(99);
    expect(augmentV1(rows, a)).toEqual(applyAugmentV1(rows, drawAugmentV1(b)));
    expect(a.getState()).toEqual(b.getState());
  });

  it('leaves an empty input empty', () => {
    expect(augmentV1([], createRng(1))).toEqual([]);
  });
});

describe('augmentV1WithTimeRange', () => {
  it('draws the time factor in the given range, with the same shift and volume as augmentV1', () => {
    const narrow = augmentV1WithTimeRange([0.8, 1.25]);
    let low = Infinity;
    let high = -Infinity;
    for (let seed = 0; seed < 400; seed++) {
      const out = narrow([[1, 1, 1, 0]], createRng(seed));
      const original = augmentV1([[1, 1, 1, 0]], createRng(seed));
      const [delay, duration, volume, pitch] = out[0] as V1Row;
      expect(duration).toBe(delay);
      expect([volume, pitch]).toEqual([original[0]?.[2], original[0]?.[3]]);
      low = Math.min(low, delay);
      high = Math.max(high, delay);
    }
    expect(low).toBeGreaterThanOrEqual(0.8);
    expect(high).toBeLessThan(1.25);
    expect(high - low).toBeGreaterThan(0.4);
  });

  it('equals augmentV1 on the original range, and refuses a bad range', () => {
    expect(augmentV1WithTimeRange([0.5, 2])(rows, createRng(3))).toEqual(augmentV1(rows, createRng(3)));
    expect(() => augmentV1WithTimeRange([1.2, 0.9])).toThrow(InvalidArgumentError);
    expect(() => augmentV1WithTimeRange([0, 1])).toThrow(/not 0 < low <= high/);
  });
});

test.prop([fc.array(arbRow, { maxLength: 100 }), fc.integer()])(
  'one draw per call applies to every row; pitches stay in -60..59 with their pitch class; input unchanged',
  (input, seed) => {
    const before = structuredClone(input);
    const params = drawAugmentV1(createRng(seed));
    const out = augmentV1(input, createRng(seed));
    expect(input).toEqual(before);
    expect(out).toHaveLength(input.length);
    out.forEach(([delay, duration, volume, pitch], i) => {
      const [d0, l0, v0, p0] = input[i] as V1Row;
      expect(delay).toBe(d0 * params.timeScale);
      expect(duration).toBe(l0 * params.timeScale);
      expect(volume).toBe(v0 * params.volumeScale);
      expect(volume).toBeLessThanOrEqual(1);
      expect(pitch).toBeGreaterThanOrEqual(-60);
      expect(pitch).toBeLessThanOrEqual(59);
      expect((((pitch - p0 - params.pitchShift) % 12) + 12) % 12).toBe(0);
      // Within range it is a plain shift; only notes pushed out move by whole octaves.
      if (p0 + params.pitchShift >= -60 && p0 + params.pitchShift <= 59)
        expect(pitch).toBe(p0 + params.pitchShift);
    });
  },
);
