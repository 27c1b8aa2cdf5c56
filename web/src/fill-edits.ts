import type { Note, Seconds } from '../../src/public/index.js';
import { applyEdit, plainNote, type EditorNote, type EditorState } from './editor-state.js';

/**
 * The editor's side of *Fill* (pure, like `editor-state.ts`): locking notes, and a range's notes
 * replaced by what the infill model writes, one undo step (`generation-control.ts` runs it).
 */

/**
 * Locks the notes with these ids (by default the selection), or unlocks them when all are locked
 * already: *Fill* keeps locked notes and writes around them. One undo step.
 */
export function toggleLock(state: EditorState, ids: ReadonlySet<number> = state.selected): EditorState {
  const chosen = state.notes.filter((n) => ids.has(n.id));
  if (chosen.length === 0) return state;
  const lock = !chosen.every((n) => n.locked === true);
  const notes = state.notes.map((n): EditorNote =>
    !ids.has(n.id) ? n : lock ? { ...n, locked: true } : { ...plainNote(n), id: n.id },
  );
  return applyEdit(state, notes, state.selected);
}

/**
 * Starts filling the time range `[from, to)`: the notes starting in it are removed, except the
 * locked ones (the model writes around them). One undo step, with the notes `addFilled` brings.
 */
export function beginFill(state: EditorState, from: Seconds, to: Seconds): EditorState {
  const notes = state.notes.filter((n) => n.locked === true || n.time < from || n.time >= to);
  const ids = new Set(notes.map((n) => n.id));
  return applyEdit(state, notes, new Set([...state.selected].filter((id) => ids.has(id))));
}

/** Adds notes the model wrote in a range being filled, in time order among the others (no undo step of its own). */
export function addFilled(state: EditorState, written: readonly Note[]): EditorState {
  if (written.length === 0) return state;
  const added = written.map((n, i): EditorNote => ({ ...plainNote(n), id: state.nextId + i }));
  const notes = [...state.notes, ...added].sort((a, b) => a.time - b.time);
  return { ...state, notes, nextId: state.nextId + written.length };
}

/** Ends a fill that wrote `made` notes: one that wrote nothing and removed nothing leaves no undo step. */
export function endFill(state: EditorState, made: number): EditorState {
  const before = state.past[state.past.length - 1];
  if (made > 0 || before === undefined || before.notes.length !== state.notes.length) return state;
  return { ...state, past: state.past.slice(0, -1) };
}
