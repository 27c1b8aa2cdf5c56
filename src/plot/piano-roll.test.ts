import { describe, expect, it } from 'vitest';
import type { Note } from '../score/note.js';
import { pianoRollSvg, velocityColor } from './piano-roll.js';

const notes: Note[] = [
  { pitch: 60, velocity: 100, time: 0, duration: 0.5 },
  { pitch: 64, velocity: 40, time: 0.5, duration: 0.5 },
  { pitch: 79, velocity: 127, time: 1, duration: 2 },
  { pitch: 50, velocity: 1, time: 2.5, duration: 0 },
];

/** The attributes of every element named `tag` with `class="note"`-like filters. */
function elements(svg: string, pattern: RegExp): Record<string, string>[] {
  return [...svg.matchAll(pattern)].map((m) =>
    Object.fromEntries([...(m[0] ?? '').matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}

describe('pianoRollSvg', () => {
  const svg = pianoRollSvg(notes, { width: 800, rowHeight: 5, title: 'a <test> & "roll"' });

  it('is one SVG document with one rectangle per note', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(elements(svg, /<rect class="note"[^>]*>/g)).toHaveLength(4);
    expect(svg).toContain('a &lt;test&gt; &amp; &quot;roll&quot;');
  });

  it('spans whole octaves from C of the lowest note to B of the highest, labelled at each C', () => {
    const labels = [...svg.matchAll(/>(C-?\d)</g)].map((m) => m[1]);
    expect(labels).toEqual(['C3', 'C4', 'C5']); // 50 = D3 ... 79 = G5, rows C3..B5
    const height = Number(/height="(\d+)"/.exec(svg)?.[1]);
    expect(height).toBe(32 + 36 * 5 + 36);
  });

  it('places notes by time and pitch: higher pitch higher up, later onset further right', () => {
    const rects = elements(svg, /<rect class="note"[^>]*>/g).map((r) => ({
      x: Number(r['x']),
      y: Number(r['y']),
      width: Number(r['width']),
      fill: r['fill'],
    }));
    const byFill = (v: number) => rects.find((r) => r.fill === velocityColor(v))!;
    const c4 = byFill(100);
    const e4 = byFill(40);
    const g5 = byFill(127);
    const d3 = byFill(1);
    expect(e4.x).toBeGreaterThan(c4.x);
    expect(e4.y).toBe(c4.y - 4 * 5);
    expect(g5.y).toBeLessThan(e4.y);
    expect(d3.y).toBeGreaterThan(c4.y);
    expect(g5.width).toBeCloseTo(4 * c4.width, 0);
    expect(d3.width).toBe(1); // zero-length notes stay visible
  });

  it('shades by velocity: louder is darker', () => {
    const lightness = (v: number) => Number(/(\d+)%\)$/.exec(velocityColor(v))?.[1]);
    expect(lightness(127)).toBeLessThan(lightness(64));
    expect(lightness(64)).toBeLessThan(lightness(1));
  });

  it('has a time axis in seconds with round ticks', () => {
    const ticks = [...svg.matchAll(/<text [^>]*text-anchor="middle">([\d.]+)<\/text>/g)].map((m) =>
      Number(m[1]),
    );
    expect(ticks[0]).toBe(0);
    expect(ticks.at(-1)).toBeLessThanOrEqual(3);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(svg).toContain('time (s)');
  });

  it('draws an empty roll when there are no notes', () => {
    const empty = pianoRollSvg([]);
    expect(elements(empty, /<rect class="note"[^>]*>/g)).toHaveLength(0);
    expect(empty).toContain('no notes');
    expect(empty).toContain('>C4<');
  });
});
