import { describe, expect, it } from 'vitest';
import type { EditorNote } from './editor-state.js';
import {
  clampViewport,
  firstAtOrAfter,
  follow,
  formatTime,
  hitTest,
  isBlackKey,
  pitchName,
  pitchToY,
  tickStep,
  timeToX,
  visibleRange,
  xToTime,
  yToPitch,
  zoomTime,
  type Viewport,
} from './roll-geometry.js';

const view: Viewport = {
  startTime: 10,
  pxPerSecond: 100,
  topPitch: 72,
  pxPerSemitone: 10,
  width: 800,
  height: 240,
};
const n = (id: number, pitch: number, time: number, duration: number): EditorNote => ({
  id,
  pitch,
  time,
  duration,
  velocity: 80,
});

describe('roll geometry', () => {
  it('maps time and pitch to pixels and back', () => {
    expect(timeToX(view, 12.5)).toBe(250);
    expect(xToTime(view, 250)).toBe(12.5);
    expect(pitchToY(view, 72)).toBe(0);
    expect(pitchToY(view, 60)).toBe(120);
    expect(yToPitch(view, 0)).toBe(72);
    expect(yToPitch(view, 9.9)).toBe(72);
    expect(yToPitch(view, 10.1)).toBe(71);
  });

  it('finds visible notes by binary search, including long notes begun before the view', () => {
    const notes = [n(1, 60, 0, 11), n(2, 60, 5, 1), n(3, 60, 12, 1), n(4, 60, 19, 1)];
    expect(firstAtOrAfter(notes, 5)).toBe(1);
    expect(visibleRange(view, notes, 11)).toEqual([0, 3]); // view is 10..18 s
    expect(visibleRange(view, notes, 1)).toEqual([2, 3]);
  });

  it('hits a note body or its right end', () => {
    const notes = [n(1, 70, 11, 1), n(2, 70, 11.5, 0.001)];
    expect(hitTest(view, notes, 1, 150, 25)).toEqual({ id: 2, part: 'body' }); // the later note is on top
    expect(hitTest(view, notes, 1, 120, 25)).toEqual({ id: 1, part: 'body' });
    expect(hitTest(view, notes, 1, 198, 25)).toEqual({ id: 1, part: 'end' });
    expect(hitTest(view, notes, 1, 120, 35)).toBeNull(); // the row below
  });

  it('zooms around the pointer and keeps the view in range', () => {
    const zoomed = zoomTime(view, 2, 400); // 14 s stays under x = 400
    expect(xToTime(zoomed, 400)).toBeCloseTo(14, 9);
    expect(zoomed.pxPerSecond).toBe(200);
    const clamped = clampViewport({ ...view, startTime: -3, topPitch: 500, pxPerSemitone: 1000 });
    expect(clamped).toMatchObject({ startTime: 0, topPitch: 119, pxPerSemitone: 40 });
    expect(clampViewport({ ...view, topPitch: -50 }).topPitch).toBe(23); // 24 rows down to pitch 0
  });

  it('follows an instant that leaves the view', () => {
    expect(follow(view, 12)).toBe(view);
    expect(follow(view, 30).startTime).toBeCloseTo(30 - 8 * 0.7, 9);
    expect(follow(view, 2).startTime).toBeCloseTo(2 - 8 * 0.15, 9);
  });

  it('names keys and ticks', () => {
    expect(pitchName(60)).toBe('C4');
    expect(pitchName(0)).toBe('C-1');
    expect(isBlackKey(61)).toBe(true);
    expect(isBlackKey(64)).toBe(false);
    expect(tickStep(100)).toBe(1);
    expect(tickStep(20)).toBe(5);
    expect(tickStep(1000)).toBe(0.1);
    expect(formatTime(65)).toBe('1:05');
    expect(formatTime(1.5, 0.5)).toBe('0:01.5');
  });
});
