import { describe, expect, it } from 'vitest';
import type { BeatGrid } from '../../src/public/index.js';
import type { Viewport } from './roll-geometry.js';
import { gridLines } from './roll-grid.js';

const view = (pxPerSecond: number, startTime = 0, width = 400): Viewport => ({
  startTime,
  pxPerSecond,
  topPitch: 72,
  pxPerSemitone: 10,
  width,
  height: 200,
});
const waltz: BeatGrid = { bpm: 120, meter: { numerator: 3, denominator: 4 }, offset: 0.25 };

describe('the grid lines of the roll', () => {
  it('draws bars, numbered from bar 1 at the offset, and beats between', () => {
    // 100 px a second: beats every 50 px, bars (1.5 s) every 150 px.
    const lines = gridLines(view(100), waltz, null);
    expect(lines.map((l) => [Math.round(l.x), l.kind, l.label])).toEqual([
      [25, 'bar', 1],
      [75, 'beat', undefined],
      [125, 'beat', undefined],
      [175, 'bar', 2],
      [225, 'beat', undefined],
      [275, 'beat', undefined],
      [325, 'bar', 3],
      [375, 'beat', undefined],
    ]);
  });

  it('adds snap steps between beats when snapping, and counts bars before bar 1 as 0, -1', () => {
    const lines = gridLines(view(100, 0, 100), waltz, { step: 0.25, offset: 0.25 });
    expect(lines.map((l) => [Math.round(l.x), l.kind])).toEqual([
      [0, 'step'],
      [25, 'bar'],
      [50, 'step'],
      [75, 'beat'],
      [100, 'step'],
    ]);
    const before = gridLines(view(100, 0, 400), { ...waltz, offset: 3.25 }, null);
    expect(before.filter((l) => l.kind === 'bar').map((l) => l.label)).toEqual([-1, 0, 1]);
  });

  it('thins out when zoomed out: no beats under 6 px, bars by powers of two, labels 28 px apart', () => {
    // 2 px a second: beats 1 px apart (none), bars 3 px (every 2nd), labels every 16th bar.
    const lines = gridLines(view(2, 0, 200), waltz, { step: 0.125, offset: 0 });
    expect(lines.every((l) => l.kind === 'bar')).toBe(true);
    const gaps = lines.slice(1).map((l, i) => Math.round(l.x - lines[i]!.x));
    expect(new Set(gaps)).toEqual(new Set([6]));
    const labels = lines.filter((l) => l.label !== undefined).map((l) => l.label);
    expect(labels).toEqual([1, 17, 33, 49, 65]); // 3 px bars: a label every 16th (48 px)
  });
});
