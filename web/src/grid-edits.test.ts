import { describe, expect, it } from 'vitest';
import type { BeatGrid, Note } from '../../src/public/index.js';
import { createEditor, select, setRange, undo, type EditorState } from './editor-state.js';
import {
  copySelection,
  cutSelection,
  duplicateSelection,
  pasteClip,
  quantiseSelection,
  type QuantiseSettings,
} from './grid-edits.js';

const note = (pitch: number, time: number, duration = 0.2): Note => ({ pitch, velocity: 80, time, duration });
const grid: BeatGrid = { bpm: 120, meter: { numerator: 4, denominator: 4 }, offset: 0 };
const sixteenths: QuantiseSettings = { division: 16, triplet: false, strength: 1, ends: false };
/** Played a little off the sixteenth grid (0.125 s at 120 bpm). */
const played = (): EditorState =>
  createEditor([note(60, 0.02), note(62, 0.27), note(64, 0.49), note(65, 0.64, 0.3)]);
const times = (s: EditorState): number[] => s.notes.map((n) => Number(n.time.toFixed(6)));
const byPitch = (s: EditorState, pitch: number): Note => s.notes.find((n) => n.pitch === pitch)!;

describe('quantising the selection', () => {
  it('moves only the selected notes, as one undo step', () => {
    const s = select(played(), [1, 2, 3]);
    const q = quantiseSelection(s, grid, sixteenths);
    expect(times(q)).toEqual([0, 0.25, 0.5, 0.64]);
    expect(q.past).toHaveLength(1);
    expect(q.selected).toEqual(s.selected);
    expect(times(undo(q))).toEqual(times(s));
  });

  it('moves half way at 50 %, and follows triplets, ends and the offset', () => {
    const all = select(played(), [1, 2, 3, 4]);
    expect(times(quantiseSelection(all, grid, { ...sixteenths, strength: 0.5 }))).toEqual([
      0.01, 0.26, 0.495, 0.6325,
    ]);
    const triplets = quantiseSelection(all, grid, { ...sixteenths, division: 8, triplet: true });
    expect(times(triplets)).toEqual([0, 0.333333, 0.5, 0.666667]);
    const ends = quantiseSelection(all, grid, { ...sixteenths, ends: true });
    expect(Number(byPitch(ends, 65).duration.toFixed(6))).toBe(0.375); // end 0.94 → 1, onset 0.625
    expect(times(quantiseSelection(all, { ...grid, offset: 0.05 }, sixteenths))).toEqual([
      0.05, 0.3, 0.55, 0.675,
    ]);
  });

  it('keeps the notes sorted when quantising reorders them, and makes no step without a change', () => {
    const s = select(createEditor([note(60, 0.1), note(62, 0.13)]), [1, 2]);
    const q = quantiseSelection(s, grid, { ...sixteenths, division: 4 });
    expect(q.notes.map((n) => n.time)).toEqual([0, 0]);
    expect(quantiseSelection(q, grid, { ...sixteenths, division: 4 })).toBe(q);
    expect(quantiseSelection(played(), grid, sixteenths)).toEqual(played()); // nothing selected
  });
});

describe('copy, cut, paste and duplicate', () => {
  const piece = (): EditorState => createEditor([note(60, 1), note(64, 1.5, 0.5), note(67, 3)]);

  it('copies the selection from its first onset, and pastes it at the cursor, selected, one step', () => {
    const s = select(piece(), [1, 2]);
    const copied = copySelection(s, null)!;
    expect(copied.start).toBe(1);
    expect(copied.clip.notes.map((n) => [n.pitch, n.time])).toEqual([
      [60, 0],
      [64, 0.5],
    ]);
    expect(copied.clip.length).toBe(1);
    const pasted = pasteClip({ ...s, cursor: 5 }, copied.clip, 5);
    expect(pasted.notes.map((n) => [n.pitch, n.time])).toEqual([
      [60, 1],
      [64, 1.5],
      [67, 3],
      [60, 5],
      [64, 5.5],
    ]);
    expect([...pasted.selected]).toEqual([4, 5]);
    expect(pasted.cursor).toBe(6); // pasting again follows on
    expect(pasted.past).toHaveLength(1);
    expect(undo(pasted).notes).toHaveLength(3);
    expect(copySelection(piece(), null)).toBeNull();
  });

  it('on a grid, copies from the nearest grid point and rounds the length up to whole steps', () => {
    const s = select(createEditor([note(60, 1.02), note(64, 1.4)]), [1, 2]);
    const copied = copySelection(s, { step: 0.5, offset: 0 })!;
    expect(copied.start).toBe(1);
    expect(copied.clip.notes.map((n) => Number(n.time.toFixed(6)))).toEqual([0.02, 0.4]);
    expect(copied.clip.length).toBe(1); // the last end, 1.6 s, rounds up to 2 s
  });

  it('cuts: the clip, and the notes gone in one step', () => {
    const cut = cutSelection(select(piece(), [3]), null)!;
    expect(cut.clip.notes).toEqual([{ ...note(67, 0) }]);
    expect(cut.state.notes.map((n) => n.pitch)).toEqual([60, 64]);
    expect(undo(cut.state).notes).toHaveLength(3);
    expect(cutSelection(piece(), null)).toBeNull();
  });

  it('duplicates right after the selection, selecting the copy so that again goes on', () => {
    const s = { ...select(piece(), [1, 2]), cursor: 0.25 };
    const once = duplicateSelection(s, null);
    expect(once.notes.map((n) => [n.pitch, n.time])).toEqual([
      [60, 1],
      [64, 1.5],
      [60, 2],
      [64, 2.5],
      [67, 3],
    ]);
    expect(once.cursor).toBe(0.25);
    const twice = duplicateSelection(once, null);
    expect(twice.notes.filter((n) => n.pitch === 60).map((n) => n.time)).toEqual([1, 2, 3]);
    // On a bar grid a one-beat figure is repeated a bar later.
    const bar = duplicateSelection(s, { step: 2, offset: 1 });
    expect(bar.notes.filter((n) => n.pitch === 60).map((n) => n.time)).toEqual([1, 3]);
  });

  it('keeps a range apart from the notes and undo', () => {
    const s = setRange(piece(), 4, 2);
    expect(s.range).toEqual({ start: 2, end: 4 });
    expect(s.past).toHaveLength(0);
    expect(setRange(s, 3, 3).range).toBeNull();
    expect(setRange(s, null).range).toBeNull();
  });
});
