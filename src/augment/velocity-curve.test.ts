import { describe, expect, it } from 'vitest';
import type { V1Row } from '../encoding/v1.js';
import { createRng } from '../random/rng.js';
import { augmentV1 } from './v1.js';
import {
  applyVelocityCurve,
  drawVelocityCurve,
  VELOCITY_CURVE_RANGES,
  withVelocityCurve,
} from './velocity-curve.js';

const rows: V1Row[] = [
  [0, 0.5, 0.25, 0],
  [0.1, 0.2, 1, 12],
  [0.2, 0.3, 0, -5],
];

describe('applyVelocityCurve', () => {
  it('computes offset + scale × volume^gamma, clamped, and keeps the other columns', () => {
    const out = applyVelocityCurve(rows, { gamma: 0.5, scale: 1.1, offset: -0.05 });
    expect(out[0]).toEqual([0, 0.5, -0.05 + 1.1 * 0.5, 0]);
    expect(out[1]).toEqual([0.1, 0.2, 1, 12]); // 1.05 clamped to 1
    expect(out[2]![2]).toBeCloseTo(1 / 127); // a silent note still sounds
    expect(rows[0]![2]).toBe(0.25); // input untouched
  });

  it('refuses a non-positive gamma or scale and a non-finite offset', () => {
    expect(() => applyVelocityCurve(rows, { gamma: 0, scale: 1, offset: 0 })).toThrow(/gamma 0/);
    expect(() => applyVelocityCurve(rows, { gamma: 1, scale: -1, offset: 0 })).toThrow(/scale -1/);
    expect(() => applyVelocityCurve(rows, { gamma: 1, scale: 1, offset: NaN })).toThrow(/offset NaN/);
  });

  it('is the identity for gamma 1, scale 1, offset 0 on volumes in range', () => {
    expect(applyVelocityCurve(rows.slice(0, 2), { gamma: 1, scale: 1, offset: 0 })).toEqual(rows.slice(0, 2));
  });
});

describe('drawVelocityCurve', () => {
  it('draws within the documented ranges and covers both sides of 1 for gamma', () => {
    const rng = createRng(3);
    const draws = Array.from({ length: 500 }, () => drawVelocityCurve(rng));
    const { gamma, scale, offset } = VELOCITY_CURVE_RANGES;
    for (const d of draws) {
      expect(d.gamma).toBeGreaterThanOrEqual(gamma[0] - 1e-12);
      expect(d.gamma).toBeLessThan(gamma[1]);
      expect(d.scale).toBeGreaterThanOrEqual(scale[0]);
      expect(d.scale).toBeLessThan(scale[1]);
      expect(d.offset).toBeGreaterThanOrEqual(offset[0]);
      expect(d.offset).toBeLessThan(offset[1]);
    }
    expect(draws.some((d) => d.gamma < 0.8)).toBe(true);
    expect(draws.some((d) => d.gamma > 1.25)).toBe(true);
  });
});

describe('withVelocityCurve', () => {
  it('applies V1 and then a curve, reproducibly from the seed', () => {
    const augment = withVelocityCurve(augmentV1);
    const a = augment(rows, createRng(9));
    const b = augment(rows, createRng(9));
    expect(a).toEqual(b);
    const v1Only = augmentV1(rows, createRng(9));
    expect(a.map((r) => r[3])).toEqual(v1Only.map((r) => r[3])); // same transposition
    expect(a.map((r) => r[2])).not.toEqual(v1Only.map((r) => r[2])); // bent volumes
  });
});
