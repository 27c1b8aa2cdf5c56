import { describe, expect, test } from 'vitest';
import type { Note } from '../score/note.js';
import { longestRepeat, longestRun, longestSilence, measureDegeneration } from './degeneration.js';

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
const notesOf = (pitches: readonly number[], step = 0.25): Note[] =>
  pitches.map((pitch, i) => ({ pitch, velocity: 64, time: i * step, duration: step }));

describe('longestRepeat', () => {
  test('a loop is covered entirely', () => {
    const loop = Array.from({ length: 200 }, (_, i) => [60, 62, 64, 65, 67, 65, 64, 62][i % 8]!);
    const r = longestRepeat(loop);
    expect(r.length).toBe(192);
    expect(r.coverage).toBe(1);
  });

  test('a repeated section (A B A) is covered by its two copies', () => {
    const a = range(30, 20);
    const b = range(70, 10);
    const r = longestRepeat([...a, ...b, ...a]);
    expect(r.length).toBe(20);
    expect(r.starts).toEqual([0, 30]);
    expect(r.coverage).toBeCloseTo(40 / 50, 12);
  });

  test('no 16-note repeat: coverage 0; shorter repeats do not count', () => {
    expect(longestRepeat(range(0, 100)).coverage).toBe(0);
    const short = [...range(0, 15), ...range(50, 10), ...range(0, 15)];
    expect(longestRepeat(short)).toEqual({ length: 0, starts: [], coverage: 0 });
    expect(longestRepeat(short, 15).length).toBe(15);
    expect(longestRepeat([]).coverage).toBe(0);
  });

  test('ties: the pattern covering most wins', () => {
    const x = range(0, 16);
    const y = range(40, 16);
    const r = longestRepeat([...x, 99, ...y, 98, ...y, 97, ...y, 96, ...x]);
    expect(r.length).toBe(16);
    expect(r.starts).toHaveLength(3);
  });
});

describe('stalls', () => {
  test('longestRun and longestSilence', () => {
    expect(longestRun([60, 60, 62, 62, 62, 60])).toBe(3);
    expect(longestRun([])).toBe(0);
    const gap: Note[] = [
      { pitch: 60, velocity: 64, time: 0, duration: 5 },
      { pitch: 62, velocity: 64, time: 1, duration: 1 },
      { pitch: 64, velocity: 64, time: 17, duration: 1 },
    ];
    expect(longestSilence(gap)).toBe(12);
    expect(longestSilence([])).toBe(0);
  });

  test('ten equal pitches in a row, or a silence over 10 s, is a stall', () => {
    expect(measureDegeneration(notesOf([...range(40, 5), ...Array<number>(10).fill(60)])).stalled).toBe(true);
    expect(measureDegeneration(notesOf([...range(40, 5), ...Array<number>(9).fill(60)])).stalled).toBe(false);
    const silent = notesOf(range(40, 10));
    silent.push({ pitch: 70, velocity: 64, time: silent[9]!.time + 0.25 + 10.5, duration: 1 });
    const measured = measureDegeneration(silent);
    expect(measured.longestSilence).toBeCloseTo(10.5, 9);
    expect(measured.stalled).toBe(true);
  });
});
