import type { Note, Seconds } from '../../src/public/index.js';
import { HIGHEST_PITCH, LOWEST_PITCH, type EditorNote } from './editor-state.js';

/**
 * The piano roll's coordinates, as plain numbers so they can be tested without a canvas: time runs
 * left to right from `startTime`, pitch bottom to top, one row per semitone. `topPitch` is the
 * (fractional) pitch whose row starts at the top edge.
 */
export interface Viewport {
  readonly startTime: Seconds;
  readonly pxPerSecond: number;
  readonly topPitch: number;
  readonly pxPerSemitone: number;
  /** The note area's size in CSS pixels (without keyboard and ruler). */
  readonly width: number;
  readonly height: number;
}

export const MIN_PX_PER_SECOND = 8;
export const MAX_PX_PER_SECOND = 2000;
export const MIN_PX_PER_SEMITONE = 4;
export const MAX_PX_PER_SEMITONE = 40;
/** Within this many pixels of a note's right end, dragging stretches it. */
export const EDGE_PX = 6;

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

export const timeToX = (v: Viewport, t: Seconds): number => (t - v.startTime) * v.pxPerSecond;
export const xToTime = (v: Viewport, x: number): Seconds => v.startTime + x / v.pxPerSecond;
/** Top edge of pitch `p`'s row. */
export const pitchToY = (v: Viewport, p: number): number => (v.topPitch - p) * v.pxPerSemitone;
/** The pitch whose row holds `y`. */
export const yToPitch = (v: Viewport, y: number): number => Math.ceil(v.topPitch - y / v.pxPerSemitone);
export const endTime = (v: Viewport): Seconds => xToTime(v, v.width);

/** Keeps the view inside the piece's possible range: time ≥ 0, rows within 0..119, zoom in bounds. */
export function clampViewport(v: Viewport): Viewport {
  const pxPerSemitone = clamp(v.pxPerSemitone, MIN_PX_PER_SEMITONE, MAX_PX_PER_SEMITONE);
  const rows = v.height / pxPerSemitone;
  const highestTop = HIGHEST_PITCH;
  const lowestTop = Math.min(highestTop, LOWEST_PITCH - 1 + rows);
  return {
    ...v,
    startTime: Math.max(0, v.startTime),
    pxPerSecond: clamp(v.pxPerSecond, MIN_PX_PER_SECOND, MAX_PX_PER_SECOND),
    pxPerSemitone,
    topPitch: clamp(v.topPitch, lowestTop, highestTop),
  };
}

/** Zooms time by `factor` keeping the instant under `x` in place. */
export function zoomTime(v: Viewport, factor: number, x: number): Viewport {
  const anchor = xToTime(v, x);
  const pxPerSecond = clamp(v.pxPerSecond * factor, MIN_PX_PER_SECOND, MAX_PX_PER_SECOND);
  return clampViewport({ ...v, pxPerSecond, startTime: anchor - x / pxPerSecond });
}

/** Zooms pitch by `factor` keeping the pitch under `y` in place. */
export function zoomPitch(v: Viewport, factor: number, y: number): Viewport {
  const anchor = v.topPitch - y / v.pxPerSemitone;
  const pxPerSemitone = clamp(v.pxPerSemitone * factor, MIN_PX_PER_SEMITONE, MAX_PX_PER_SEMITONE);
  return clampViewport({ ...v, pxPerSemitone, topPitch: anchor + y / pxPerSemitone });
}

/** A grid that drawing, dragging and pasting snap to: every `step` seconds through `offset`. */
export interface SnapGrid {
  readonly step: Seconds;
  readonly offset: Seconds;
}

/** `t` moved to the grid: the nearest point, the one at or before it, or the one at or after it. */
export function snapTo(t: Seconds, snap: SnapGrid, how: 'nearest' | 'floor' | 'ceil' = 'nearest'): Seconds {
  const k = (t - snap.offset) / snap.step;
  const whole = how === 'floor' ? Math.floor(k + 1e-6) : how === 'ceil' ? Math.ceil(k - 1e-6) : Math.round(k);
  return snap.offset + whole * snap.step;
}

/** Index of the first note with onset ≥ `t` (notes sorted by onset). */
export function firstAtOrAfter(notes: readonly Note[], t: Seconds): number {
  let lo = 0;
  let hi = notes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (notes[mid]!.time < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The index range of notes that may be visible: onsets from `startTime - longest` to the view's end.
 * Drawing touches only these, so a long piece costs what its visible part costs.
 *
 * @param longest - the longest duration in the piece
 */
export function visibleRange(v: Viewport, notes: readonly Note[], longest: Seconds): [number, number] {
  return [firstAtOrAfter(notes, v.startTime - longest), firstAtOrAfter(notes, endTime(v) + 1e-9)];
}

/** What is under the pointer: a note's body or its right end (for stretching). */
export interface Hit {
  readonly id: number;
  readonly part: 'body' | 'end';
}

/** The topmost note under (x, y), if any; short notes are at least 4 px wide for the pointer. */
export function hitTest(
  v: Viewport,
  notes: readonly EditorNote[],
  longest: Seconds,
  x: number,
  y: number,
): Hit | null {
  const pitch = yToPitch(v, y);
  const [from, to] = visibleRange(v, notes, longest);
  for (let i = to - 1; i >= from; i--) {
    const n = notes[i]!;
    if (n.pitch !== pitch) continue;
    const x0 = timeToX(v, n.time);
    const x1 = Math.max(x0 + 4, timeToX(v, n.time + n.duration));
    if (x < x0 || x > x1) continue;
    return { id: n.id, part: x1 - x <= EDGE_PX && x1 - x0 > 2 * EDGE_PX ? 'end' : 'body' };
  }
  return null;
}

/** Scrolls just enough to show instant `t` (with a margin), for following generation or playback. */
export function follow(v: Viewport, t: Seconds, margin = 0.15): Viewport {
  const span = v.width / v.pxPerSecond;
  if (t >= v.startTime && t <= v.startTime + span * (1 - margin)) return v;
  return clampViewport({ ...v, startTime: t - span * (t < v.startTime ? margin : 1 - margin * 2) });
}

const NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
/** Whether a MIDI pitch is a black key. */
export const isBlackKey = (pitch: number): boolean => [1, 3, 6, 8, 10].includes(((pitch % 12) + 12) % 12);
/** 'C4' for 60 (scientific pitch notation, as the CLI prints). */
export const pitchName = (pitch: number): string => `${NAMES[pitch % 12]!}${Math.floor(pitch / 12) - 1}`;

/** A tick spacing of 1, 2 or 5 × 10^k seconds that keeps ruler labels at least `minPx` apart. */
export function tickStep(pxPerSecond: number, minPx = 60): Seconds {
  const raw = minPx / pxPerSecond;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

/** '1:05' for 65 s; tenths when the ticks are finer than a second. */
export function formatTime(t: Seconds, step: Seconds = 1): string {
  const minutes = Math.floor(t / 60);
  const seconds = t - minutes * 60;
  const text = step < 1 ? seconds.toFixed(step < 0.1 ? 2 : 1) : Math.round(seconds).toString();
  const padded = seconds < 10 ? `0${text}` : text;
  return `${minutes}:${padded}`;
}
