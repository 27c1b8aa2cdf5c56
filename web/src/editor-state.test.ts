import { describe, expect, it } from 'vitest';
import type { Note } from '../../src/public/index.js';
import {
  addNote,
  appendGenerated,
  beginGeneration,
  changeVelocity,
  createEditor,
  cursorIndex,
  deleteNotes,
  endGeneration,
  generationEnd,
  generationPrefix,
  moveNotes,
  notesInRect,
  pieceEnd,
  playStart,
  redo,
  replacePiece,
  scaleNotes,
  select,
  selectAll,
  setCursor,
  setVelocity,
  stretchNotes,
  undo,
  HISTORY_LIMIT,
  type EditorState,
} from './editor-state.js';

const note = (pitch: number, time: number, duration = 0.5, velocity = 80): Note => ({
  pitch,
  velocity,
  time,
  duration,
});
const piece = (): EditorState => createEditor([note(60, 0), note(64, 0.5), note(67, 1), note(72, 1.5)]);
const pitches = (s: EditorState): number[] => s.notes.map((n) => n.pitch);
const ids = (...list: number[]): Set<number> => new Set(list);

describe('editor state', () => {
  it('sorts by onset, keeping the given order of notes that start together', () => {
    const s = createEditor([note(70, 1), note(50, 0), note(40, 0)]);
    expect(pitches(s)).toEqual([50, 40, 70]);
    expect(s.notes.map((n) => n.id)).toEqual([2, 3, 1]);
  });

  it('deletes the selection, and undo/redo restore notes and selection', () => {
    const start = select(piece(), [2, 3]);
    const deleted = deleteNotes(start);
    expect(pitches(deleted)).toEqual([60, 72]);
    expect(deleted.selected.size).toBe(0);
    const undone = undo(deleted);
    expect(pitches(undone)).toEqual([60, 64, 67, 72]);
    expect([...undone.selected]).toEqual([2, 3]);
    expect(pitches(redo(undone))).toEqual([60, 72]);
    const once = undo(deleted);
    expect(undo(once)).toBe(once); // nothing more to undo: unchanged
    expect(start.notes).toHaveLength(4); // the input was not mutated
  });

  it('moves notes in time and pitch, re-sorting, and keeps the group inside the range', () => {
    const s = moveNotes(piece(), ids(1), 0.75, 2);
    expect(s.notes.map((n) => [n.pitch, n.time])).toEqual([
      [64, 0.5],
      [62, 0.75],
      [67, 1],
      [72, 1.5],
    ]);
    const clamped = moveNotes(piece(), ids(1, 4), -5, 100);
    expect(clamped.notes.find((n) => n.id === 1)).toMatchObject({ time: 0, pitch: 107 });
    expect(clamped.notes.find((n) => n.id === 4)).toMatchObject({ time: 1.5, pitch: 119 });
    expect(moveNotes(piece(), ids(), 1, 1).past).toHaveLength(0);
  });

  it('stretches notes and changes velocity within limits', () => {
    const s = stretchNotes(piece(), ids(1), -1);
    expect(s.notes[0]!.duration).toBe(0.01);
    expect(stretchNotes(piece(), ids(2), 0.25).notes[1]!.duration).toBe(0.75);
    expect(setVelocity(piece(), ids(1, 2), 300).notes.map((n) => n.velocity)).toEqual([127, 127, 80, 80]);
    expect(changeVelocity(piece(), ids(3), -100).notes[2]!.velocity).toBe(1);
    expect(setVelocity(piece(), ids(1), 80).past).toHaveLength(0); // no change, no undo step
  });

  it('stretches a passage in time around its first onset', () => {
    const s = scaleNotes(piece(), ids(2, 3), 2);
    expect(s.notes.map((n) => [n.pitch, n.time, n.duration])).toEqual([
      [60, 0, 0.5],
      [64, 0.5, 1],
      [67, 1.5, 1],
      [72, 1.5, 0.5],
    ]);
    expect(scaleNotes(piece(), ids(1), 1)).toEqual(piece());
    expect(scaleNotes(piece(), ids(1), 0).past).toHaveLength(0);
  });

  it('adds a drawn note, selected, and clamps it to what the model can read', () => {
    const s = addNote(piece(), { pitch: 130.4, velocity: 0, time: -1, duration: 0 });
    const added = s.notes.find((n) => n.id === 5);
    expect(added).toMatchObject({ pitch: 119, velocity: 1, time: 0, duration: 0.01, id: 5 });
    expect([...s.selected]).toEqual([5]);
    expect(s.nextId).toBe(6);
  });

  it('selects by rectangle, all, toggle', () => {
    const s = piece();
    expect(notesInRect(s.notes, 0.6, 1.2, 60, 70)).toEqual([2, 3]); // 64 sounds until 1.0
    expect([...selectAll(s).selected]).toEqual([1, 2, 3, 4]);
    expect([...select(select(s, [1, 2]), [2, 3], 'toggle').selected]).toEqual([1, 3]);
  });

  it('keeps at most HISTORY_LIMIT undo steps', () => {
    let s = piece();
    for (let i = 0; i < HISTORY_LIMIT + 10; i++) s = changeVelocity(s, ids(1), i % 2 === 0 ? 1 : -1);
    expect(s.past).toHaveLength(HISTORY_LIMIT);
  });

  it('replaces the piece (a loaded file) undoably, with fresh ids', () => {
    const s = replacePiece(setCursor(piece(), 3), [note(40, 2), note(41, 1)]);
    expect(pitches(s)).toEqual([41, 40]);
    expect(s.notes.map((n) => n.id)).toEqual([6, 5]);
    expect(s.cursor).toBeCloseTo(2.0001, 6); // after the last onset: "generate" continues the piece
    expect(pitches(undo(s))).toEqual([60, 64, 67, 72]);
    expect(playStart(s)).toBe(0);
    expect(playStart(setCursor(s, 1.5))).toBe(1.5);
  });
});

describe('generation in the editor', () => {
  it('replace mode: drops the notes after the point and appends what the model writes', () => {
    let s = setCursor(piece(), 0.9);
    expect(cursorIndex(s)).toBe(2);
    s = beginGeneration(s, 'replace', cursorIndex(s));
    expect(generationPrefix(s)).toEqual([note(60, 0), note(64, 0.5)]);
    expect(pitches(s)).toEqual([60, 64]);
    s = appendGenerated(s, [note(50, 0.7), note(51, 0.9)]);
    s = appendGenerated(s, [note(52, 1.0)]);
    expect(pitches(s)).toEqual([60, 64, 50, 51, 52]);
    expect(generationEnd(s)).toBe(5);
    s = endGeneration(s);
    expect(s.generation).toBeNull();
    expect(s.cursor).toBeCloseTo(1.0001, 6);
    expect(pitches(undo(s))).toEqual([60, 64, 67, 72]); // the whole generation is one step
  });

  it('insert mode: the following notes move after the generated ones, keeping their gap', () => {
    let s = beginGeneration(piece(), 'insert', 2); // anchor: the note at 0.5 s; tail starts 0.5 s later
    expect(pitches(s)).toEqual([60, 64, 67, 72]);
    s = appendGenerated(s, [note(50, 0.75), note(51, 2)]);
    expect(s.notes.map((n) => [n.pitch, n.time])).toEqual([
      [60, 0],
      [64, 0.5],
      [50, 0.75],
      [51, 2],
      [67, 2.5],
      [72, 3],
    ]);
    expect(generationEnd(s)).toBe(4);
  });

  it('an empty insert-mode generation leaves no undo step', () => {
    const s = endGeneration(beginGeneration(piece(), 'insert', 1));
    expect(s.past).toHaveLength(0);
    expect(pitches(s)).toEqual([60, 64, 67, 72]);
  });

  it('undo is refused while generating', () => {
    const s = beginGeneration(deleteNotes(piece(), ids(1)), 'replace', 3);
    expect(undo(s)).toBe(s);
  });

  it('measures the piece', () => {
    expect(pieceEnd(piece().notes)).toBe(2);
    expect(pieceEnd([])).toBe(0);
  });
});
