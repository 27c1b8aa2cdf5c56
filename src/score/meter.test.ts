import { describe, expect, it } from 'vitest';
import {
  barSeconds,
  beatsBetween,
  beatSeconds,
  checkBeatGrid,
  DEFAULT_BEAT_GRID,
  divisionSeconds,
  firstDownbeat,
  snapTime,
  type BeatGrid,
} from './meter.js';

const grid = (bpm: number, numerator: number, denominator: number, offset = 0): BeatGrid => ({
  bpm,
  meter: { numerator, denominator },
  offset,
});

describe('beat grids', () => {
  it('measures beats and bars in seconds (the tempo counts quarter notes, as MIDI does)', () => {
    expect(beatSeconds(DEFAULT_BEAT_GRID)).toBe(0.5);
    expect(barSeconds(DEFAULT_BEAT_GRID)).toBe(2);
    expect(beatSeconds(grid(90, 3, 4))).toBeCloseTo(2 / 3, 12);
    expect(beatSeconds(grid(120, 6, 8))).toBe(0.25); // eighth-note beats
    expect(barSeconds(grid(120, 6, 8))).toBe(1.5);
    expect(divisionSeconds(120, 16)).toBe(0.125);
    expect(divisionSeconds(120, 8, true)).toBeCloseTo(1 / 6, 12);
  });

  it('snaps to the nearest grid point through the offset', () => {
    expect(snapTime(0.3, 0.25)).toBe(0.25);
    expect(snapTime(0.3, 0.25, 0.1)).toBe(0.35);
    expect(snapTime(-0.1, 0.25, 0.1)).toBeCloseTo(-0.15, 12);
  });

  it('lists the beats between two times with their bar and place, bars counted from the offset', () => {
    const beats = beatsBetween(grid(120, 3, 4, 1), 0, 2.6);
    expect(beats.map((b) => [b.time, b.bar, b.beat])).toEqual([
      [0, 0, 1], // a pickup: bar 0
      [0.5, 0, 2],
      [1, 1, 0],
      [1.5, 1, 1],
      [2, 1, 2],
      [2.5, 2, 0],
    ]);
    expect(beatsBetween(DEFAULT_BEAT_GRID, 0, 1000, 10)).toHaveLength(10);
  });

  it('finds the first downbeat at or after 0', () => {
    expect(firstDownbeat(grid(120, 4, 4, 5.5))).toBeCloseTo(1.5, 12);
    expect(firstDownbeat(grid(120, 4, 4, -0.5))).toBeCloseTo(1.5, 12);
    expect(firstDownbeat(grid(120, 4, 4, 4))).toBe(0);
  });

  it('checks a grid', () => {
    expect(() => checkBeatGrid(DEFAULT_BEAT_GRID)).not.toThrow();
    expect(() => checkBeatGrid(grid(10, 4, 4))).toThrow('tempo 10 bpm is not in 20..400');
    expect(() => checkBeatGrid(grid(120, 0, 4))).toThrow(/numerator 0/);
    expect(() => checkBeatGrid(grid(120, 4, 6))).toThrow(/denominator 6/);
    expect(() => checkBeatGrid(grid(120, 4, 4, Infinity))).toThrow(/offset/);
  });
});
