import { quantise, type BeatGrid, type Note, type Seconds } from '../../src/public/index.js';
import {
  applyEdit,
  deleteNotes,
  MIN_DURATION,
  plainNote,
  type EditorNote,
  type EditorState,
} from './editor-state.js';
import { snapTo, type SnapGrid } from './roll-geometry.js';

/**
 * Edits musicians make on a grid, as pure functions of the editor state (each one undo step):
 * quantise the selection, and copy, cut, paste and duplicate through a clip of notes.
 */

/** How *Quantise* moves the selection: `quantise`'s options without the tempo. */
export interface QuantiseSettings {
  /** 4, 8, 16 or 32: quarter notes ... thirty-second notes. */
  readonly division: number;
  readonly triplet: boolean;
  /** 0..1. */
  readonly strength: number;
  /** Move note ends too. */
  readonly ends: boolean;
}

/**
 * Quantises the selected notes to the grid (`quantise` in the library), as one undo step; nothing
 * changes without a selection, or when every selected note is already where it would go.
 */
export function quantiseSelection(
  state: EditorState,
  grid: BeatGrid,
  settings: QuantiseSettings,
): EditorState {
  const chosen = state.notes.filter((n) => state.selected.has(n.id));
  if (chosen.length === 0) return state;
  const moved = new Map(
    quantise(chosen, {
      bpm: grid.bpm,
      offset: grid.offset,
      division: settings.division,
      triplet: settings.triplet,
      strength: settings.strength,
      ends: settings.ends,
    }).map((n) => [n.id, { ...n, duration: Math.max(MIN_DURATION, n.duration) }]),
  );
  let changed = false;
  const notes = state.notes.map((n) => {
    const m = moved.get(n.id);
    if (m === undefined || (m.time === n.time && m.duration === n.duration)) return n;
    changed = true;
    return m;
  });
  return changed ? applyEdit(state, notes, state.selected) : state;
}

/** Notes on the clipboard, their times from the clip's start. */
export interface Clip {
  readonly notes: readonly Note[];
  /** How far a paste moves the cursor (and a duplicate its copy): the span, on a grid whole steps. */
  readonly length: Seconds;
}

/**
 * The selected notes as a clip: times from the first onset (on a grid: from the grid point nearest
 * it, so a note played a little late or early stays so), its length the span to the last end (on a grid,
 * rounded up to whole steps, so pasted bars follow each other).
 *
 * @param snap - the snap grid, or null for none
 * @returns the clip and where it starts, or null without a selection
 */
export function copySelection(
  state: EditorState,
  snap: SnapGrid | null,
): { clip: Clip; start: Seconds } | null {
  const chosen = state.notes.filter((n) => state.selected.has(n.id));
  if (chosen.length === 0) return null;
  const first = Math.min(...chosen.map((n) => n.time));
  const last = Math.max(...chosen.map((n) => n.time + n.duration));
  const start = snap === null ? first : Math.max(0, snapTo(first, snap));
  const length = snap === null ? last - start : Math.max(snap.step, snapTo(last, snap, 'ceil') - start);
  const notes = chosen.map((n) => ({ ...plainNote(n), time: n.time - start }));
  return { clip: { notes, length: Math.max(MIN_DURATION, length) }, start };
}

/**
 * Pastes a clip at `at`, selecting the pasted notes, as one undo step; the cursor moves to the
 * clip's end, so pasting again follows on.
 */
export function pasteClip(state: EditorState, clip: Clip, at: Seconds): EditorState {
  if (clip.notes.length === 0) return state;
  const start = Math.max(0, at);
  const added: EditorNote[] = clip.notes.map((n, i) => ({
    ...plainNote(n),
    time: Math.max(0, start + n.time),
    id: state.nextId + i,
  }));
  const pasted = applyEdit(
    state,
    [...state.notes, ...added],
    new Set(added.map((n) => n.id)),
    state.nextId + added.length,
  );
  return { ...pasted, cursor: start + clip.length };
}

/** Cuts the selection: the clip, and the state without those notes (one undo step). */
export function cutSelection(
  state: EditorState,
  snap: SnapGrid | null,
): { clip: Clip; state: EditorState } | null {
  const copied = copySelection(state, snap);
  return copied === null ? null : { clip: copied.clip, state: deleteNotes(state) };
}

/**
 * Duplicates the selection right after itself (after its span, on a grid rounded up to whole
 * steps) and selects the copy, so duplicating again goes on; one undo step. The cursor stays.
 */
export function duplicateSelection(state: EditorState, snap: SnapGrid | null): EditorState {
  const copied = copySelection(state, snap);
  if (copied === null) return state;
  return { ...pasteClip(state, copied.clip, copied.start + copied.clip.length), cursor: state.cursor };
}
