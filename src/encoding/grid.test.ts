import { describe, expect, test } from 'vitest';
import {
  TIME_BINS,
  VELOCITY_BINS,
  timeBin,
  timeBinEdges,
  toGrid,
  velocityBin,
  volumeBinEdges,
} from './grid.js';

describe('the shared grid', () => {
  test('delay and duration: 400 bins of 10 ms and an overflow bin', () => {
    expect(TIME_BINS).toBe(401);
    expect(timeBin(0)).toBe(0);
    expect(timeBin(0.0099)).toBe(0);
    expect(timeBin(0.01)).toBe(1);
    expect(timeBin(0.29)).toBe(29); // 0.28999999999999998 as a double
    expect(timeBin(0.255)).toBe(25);
    expect(timeBin(3.999)).toBe(399);
    expect(timeBin(4)).toBe(400);
    expect(timeBin(60)).toBe(400);
    expect(timeBin(-0.004)).toBe(0); // the 10 ms onset rounding can make a delay slightly negative
    expect(() => timeBin(NaN)).toThrow(/NaN/);
  });

  test('time bins cover the whole line without gaps, and each value lies in its own bin', () => {
    expect(timeBinEdges(0)).toEqual([-Infinity, 0.01]);
    expect(timeBinEdges(400)).toEqual([4, Infinity]);
    for (let b = 1; b < TIME_BINS; b++) expect(timeBinEdges(b)[0]).toBe(timeBinEdges(b - 1)[1]);
    for (const x of [0.005, 0.123, 1.5, 3.995, 4.5]) {
      const [low, high] = timeBinEdges(timeBin(x));
      expect(x >= low && x < high).toBe(true);
    }
  });

  test('velocity: 32 bins of 4; volume edges are where round(volume × 127) changes bin', () => {
    expect(velocityBin(0)).toBe(0);
    expect(velocityBin(3)).toBe(0);
    expect(velocityBin(4)).toBe(1);
    expect(velocityBin(64)).toBe(16);
    expect(velocityBin(127)).toBe(31);
    expect(volumeBinEdges(0)[0]).toBe(-Infinity);
    expect(volumeBinEdges(31)[1]).toBe(Infinity);
    for (let b = 1; b < VELOCITY_BINS; b++) expect(volumeBinEdges(b)[0]).toBe(volumeBinEdges(b - 1)[1]);
    for (let v = 1; v <= 127; v++) {
      const [low, high] = volumeBinEdges(velocityBin(v));
      expect(v / 127 >= low && v / 127 < high).toBe(true);
    }
  });

  test('toGrid bins V1 rows', () => {
    const grid = toGrid([
      [0, 0.5, 100 / 127, 0],
      [0.25, 5, 1, -60],
    ]);
    expect([...grid.pitch]).toEqual([60, 0]);
    expect([...grid.delay]).toEqual([0, 25]);
    expect([...grid.duration]).toEqual([50, 400]);
    expect([...grid.velocity]).toEqual([25, 31]);
    expect(() => toGrid([[0, 1, 1, 60]])).toThrow(/pitch 60/);
  });
});
