import { describe, expect, test } from 'vitest';
import { erf, erfc, erfcx, logBinProbability, logUpperTail } from './erf.js';

/** log ∫ φ over [a, b] by Simpson's rule on 4000 intervals, relative to φ's largest value there. */
function logIntegral(a: number, b: number): number {
  const n = 4000;
  const h = (b - a) / n;
  const peak = a > 0 ? a : b < 0 ? b : 0;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const z = a + i * h;
    const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
    sum += w * Math.exp(-0.5 * (z * z - peak * peak));
  }
  return Math.log((sum * h) / 3) - 0.5 * peak * peak - 0.5 * Math.log(2 * Math.PI);
}

describe('erf', () => {
  test('matches tabulated values to its documented 1.2e-7', () => {
    // Values from Abramowitz & Stegun / high-precision references.
    const table: [number, number][] = [
      [0, 0],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [-1, -0.8427007929497149],
    ];
    for (const [x, value] of table) expect(Math.abs(erf(x) - value)).toBeLessThan(1.2e-7);
  });

  test('erfc keeps its relative accuracy far in the tail', () => {
    const table: [number, number][] = [
      [3, 2.209049699858544e-5],
      [5, 1.537459794428035e-12],
      [10, 2.088487583762545e-45],
      [20, 5.395865611607901e-176],
    ];
    for (const [x, value] of table) expect(Math.abs(erfc(x) / value - 1)).toBeLessThan(1.2e-7);
    expect(Math.abs(erfc(-3) - (2 - 2.209049699858544e-5))).toBeLessThan(2.21e-5 * 1.2e-7);
    expect(erfcx(0)).toBeCloseTo(1, 6);
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
  });

  test('logUpperTail is finite where the probability underflows', () => {
    expect(logUpperTail(0)).toBeCloseTo(Math.log(0.5), 6);
    expect(Math.abs(logUpperTail(5) - Math.log(2.866515718791939e-7))).toBeLessThan(2e-7);
    // Mills ratio asymptotics: log Q(z) = −z²/2 − log(z √(2π)) + log(1 − 1/z² + 3/z⁴ − 15/z⁶ …).
    const z = 50;
    const asymptotic =
      -0.5 * z * z - Math.log(z * Math.sqrt(2 * Math.PI)) + Math.log1p(-1 / z ** 2 + 3 / z ** 4);
    expect(Math.abs(logUpperTail(z) - asymptotic)).toBeLessThan(1e-6);
    expect(logUpperTail(-40)).toBeCloseTo(0, 12);
    expect(logUpperTail(Infinity)).toBe(-Infinity);
  });
});

describe('logBinProbability', () => {
  test('is within 1e-5 (relative) of numerical integration, narrow and wide bins, near and far', () => {
    const bins: [number, number][] = [
      [-1, 1],
      [0.1, 0.11],
      [-0.005, 0.005],
      [2, 2.05],
      [-3.2, -3.15],
      [0.5, 3],
      [-4, 0.2],
      [6, 6.01],
      [12, 12.5],
      [-20, -19.99],
      [30, 30.3],
      [1e-4, 2e-4],
    ];
    for (const [a, b] of bins) {
      const exact = logIntegral(a, b);
      expect(Math.abs(logBinProbability(a, b) - exact), `[${a}, ${b}]`).toBeLessThan(1e-5);
    }
  });

  test('infinite edges: the two halves of the line, and a far tail', () => {
    expect(Math.exp(logBinProbability(-Infinity, 0))).toBeCloseTo(0.5, 7);
    expect(Math.exp(logBinProbability(0, Infinity))).toBeCloseTo(0.5, 7);
    expect(logBinProbability(-Infinity, Infinity)).toBeCloseTo(0, 7);
    expect(logBinProbability(40, Infinity)).toBeCloseTo(logUpperTail(40), 10);
    expect(Number.isFinite(logBinProbability(-Infinity, -40))).toBe(true);
    expect(logBinProbability(1, 1)).toBe(-Infinity);
  });
});
