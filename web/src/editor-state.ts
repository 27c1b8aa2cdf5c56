import type { Note, Seconds } from '../../src/public/index.js';

/**
 * The piece being edited, as plain immutable data: every function here takes a state and returns a
 * new one (inputs are never mutated), so the page, the tests and undo/redo all see the same thing.
 *
 * Notes are kept sorted by onset; notes with the same onset keep the order they were added in
 * (the model's order), so the list is exactly what the composer reads.
 */

/** A note of the piece with its lock, as the page saves it (`storage.ts`): no id. */
export interface LockableNote extends Note {
  /** Locked by the person: *Fill* keeps it and writes around it (saved with the piece). */
  readonly locked?: true;
}

/** A note on the page: a `Note` with an id that survives edits (selection follows it). */
export interface EditorNote extends LockableNote {
  readonly id: number;
}

/** What undo and redo restore. */
interface Snapshot {
  readonly notes: readonly EditorNote[];
  readonly selected: ReadonlySet<number>;
}

/** How generated notes meet the notes after the point where generation started. */
export type GenerationMode = 'replace' | 'insert';

/** A generation in progress: where it started and what it keeps aside. */
export interface Generation {
  readonly mode: GenerationMode;
  /** Notes before the generation point (the model continues from them). */
  readonly prefixCount: number;
  /** Notes generated so far. */
  readonly generatedCount: number;
  /** Onset of the last note before the point (0 without one): the tail keeps its gap to it. */
  readonly anchorTime: Seconds;
  /** Insert mode: the notes that followed the point, unshifted; shifted later as notes come. */
  readonly tail: readonly EditorNote[];
}

/** A span of time chosen on the ruler: loop playback repeats it. */
export interface TimeRange {
  readonly start: Seconds;
  readonly end: Seconds;
}

/** The editor's whole state. */
export interface EditorState {
  /** Sorted by onset (stable). */
  readonly notes: readonly EditorNote[];
  readonly selected: ReadonlySet<number>;
  /** Where "continue" starts and "play" starts from. */
  readonly cursor: Seconds;
  readonly nextId: number;
  readonly past: readonly Snapshot[];
  readonly future: readonly Snapshot[];
  readonly generation: Generation | null;
  /** The time range chosen on the ruler, if any (not part of undo). */
  readonly range: TimeRange | null;
}

/** Undo steps kept. */
export const HISTORY_LIMIT = 200;
/** Pitches the model knows: MIDI 0..119. */
export const LOWEST_PITCH = 0;
export const HIGHEST_PITCH = 119;
/** The shortest note an edit leaves. */
export const MIN_DURATION = 0.01;

const byTime = (a: Note, b: Note): number => a.time - b.time;
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** A copy of a note's musical fields (no id, no extra fields such as `logProb`). */
export function plainNote(note: Note): Note {
  return { pitch: note.pitch, velocity: note.velocity, time: note.time, duration: note.duration };
}

function withIds(notes: readonly Note[], firstId: number): EditorNote[] {
  return notes.map((note, i) => ({ ...plainNote(note), id: firstId + i }));
}

/**
 * A new editor holding `notes` (sorted by onset, stable), nothing selected, no history.
 *
 * @param notes - the piece; a note marked `locked` stays locked (a saved piece)
 * @param cursor - the cursor (default: 0)
 */
export function createEditor(notes: readonly LockableNote[] = [], cursor: Seconds = 0): EditorState {
  return {
    notes: withIds(notes, 1)
      .map((n, i): EditorNote => (notes[i]!.locked === true ? { ...n, locked: true } : n))
      .sort(byTime),
    selected: new Set(),
    cursor,
    nextId: notes.length + 1,
    past: [],
    future: [],
    generation: null,
    range: null,
  };
}

/** Records the current notes for undo and applies `next` notes and selection. */
function commit(
  state: EditorState,
  notes: readonly EditorNote[],
  selected: ReadonlySet<number>,
): EditorState {
  const past = [...state.past, { notes: state.notes, selected: state.selected }].slice(-HISTORY_LIMIT);
  return { ...state, notes, selected, past, future: [] };
}

/**
 * Applies an edit made elsewhere (`grid-edits.ts`) as one undo step: the notes (sorted here by
 * onset, stably), the selection and the next free id.
 */
export function applyEdit(
  state: EditorState,
  notes: readonly EditorNote[],
  selected: ReadonlySet<number>,
  nextId = state.nextId,
): EditorState {
  return { ...commit(state, [...notes].sort(byTime), selected), nextId };
}

function keepExisting(selected: ReadonlySet<number>, notes: readonly EditorNote[]): Set<number> {
  const ids = new Set(notes.map((n) => n.id));
  return new Set([...selected].filter((id) => ids.has(id)));
}

/**
 * Replaces the whole piece (a loaded file), undoably. The cursor goes just after the last onset, so
 * that "generate" continues the piece rather than replacing it.
 */
export function replacePiece(state: EditorState, notes: readonly Note[]): EditorState {
  const next = withIds(notes, state.nextId).sort(byTime);
  const cursor = next.length === 0 ? 0 : next[next.length - 1]!.time + 1e-4;
  return { ...commit(state, next, new Set()), nextId: state.nextId + notes.length, cursor };
}

/** Where "play" starts: the cursor, or the start when the cursor is at or after the last onset. */
export function playStart(state: EditorState): number {
  const last = state.notes[state.notes.length - 1];
  return last !== undefined && state.cursor < last.time ? state.cursor : 0;
}

/** Adds one note (drawn by hand) and selects it. Pitch and velocity are clamped, time ≥ 0. */
export function addNote(state: EditorState, note: Note): EditorState {
  const added: EditorNote = {
    pitch: clamp(Math.round(note.pitch), LOWEST_PITCH, HIGHEST_PITCH),
    velocity: clamp(Math.round(note.velocity), 1, 127),
    time: Math.max(0, note.time),
    duration: Math.max(MIN_DURATION, note.duration),
    id: state.nextId,
  };
  const notes = [...state.notes, added].sort(byTime);
  return { ...commit(state, notes, new Set([added.id])), nextId: state.nextId + 1 };
}

/** Deletes the notes with these ids (by default the selection). */
export function deleteNotes(state: EditorState, ids: ReadonlySet<number> = state.selected): EditorState {
  if (ids.size === 0) return state;
  const notes = state.notes.filter((n) => !ids.has(n.id));
  if (notes.length === state.notes.length) return state;
  return commit(state, notes, keepExisting(state.selected, notes));
}

/** Applies `change` to the notes with these ids; one undo step. */
function mapNotes(
  state: EditorState,
  ids: ReadonlySet<number>,
  change: (note: EditorNote) => EditorNote,
): EditorState {
  if (ids.size === 0) return state;
  let changed = false;
  const notes = state.notes.map((n) => {
    if (!ids.has(n.id)) return n;
    const next = change(n);
    if (next.time !== n.time || next.pitch !== n.pitch || next.duration !== n.duration) changed = true;
    if (next.velocity !== n.velocity) changed = true;
    return next;
  });
  if (!changed) return state;
  return commit(state, notes.sort(byTime), state.selected);
}

/**
 * Moves notes by `seconds` and `semitones`. The shift is limited so that every moved note stays at
 * time ≥ 0 and inside 0..119, keeping the moved group's shape.
 */
export function moveNotes(
  state: EditorState,
  ids: ReadonlySet<number>,
  seconds: Seconds,
  semitones: number,
): EditorState {
  const moving = state.notes.filter((n) => ids.has(n.id));
  if (moving.length === 0) return state;
  const earliest = Math.min(...moving.map((n) => n.time));
  const lowest = Math.min(...moving.map((n) => n.pitch));
  const highest = Math.max(...moving.map((n) => n.pitch));
  const dt = Math.max(seconds, -earliest);
  const dp = clamp(Math.round(semitones), LOWEST_PITCH - lowest, HIGHEST_PITCH - highest);
  return mapNotes(state, ids, (n) => ({ ...n, time: n.time + dt, pitch: n.pitch + dp }));
}

/** Lengthens (or with a negative value shortens) notes by `seconds`; no note gets shorter than 10 ms. */
export function stretchNotes(state: EditorState, ids: ReadonlySet<number>, seconds: Seconds): EditorState {
  return mapNotes(state, ids, (n) => ({ ...n, duration: Math.max(MIN_DURATION, n.duration + seconds) }));
}

/**
 * Stretches notes in time by `factor` around the earliest of them: onsets move away from (or
 * towards) it and durations scale (never below 10 ms). Slows down or speeds up a passage.
 */
export function scaleNotes(state: EditorState, ids: ReadonlySet<number>, factor: number): EditorState {
  const moving = state.notes.filter((n) => ids.has(n.id));
  if (moving.length === 0 || !(factor > 0) || factor === 1) return state;
  const anchor = Math.min(...moving.map((n) => n.time));
  return mapNotes(state, ids, (n) => ({
    ...n,
    time: anchor + (n.time - anchor) * factor,
    duration: Math.max(MIN_DURATION, n.duration * factor),
  }));
}

/** Sets the velocity of notes (rounded, clamped to 1..127). */
export function setVelocity(state: EditorState, ids: ReadonlySet<number>, velocity: number): EditorState {
  const v = clamp(Math.round(velocity), 1, 127);
  return mapNotes(state, ids, (n) => ({ ...n, velocity: v }));
}

/** Changes the velocity of notes by `delta` (each clamped to 1..127). */
export function changeVelocity(state: EditorState, ids: ReadonlySet<number>, delta: number): EditorState {
  return mapNotes(state, ids, (n) => ({ ...n, velocity: clamp(Math.round(n.velocity + delta), 1, 127) }));
}

/** Selection: `replace` it, `add` to it, or `toggle` these ids. Not an undo step. */
export function select(
  state: EditorState,
  ids: Iterable<number>,
  how: 'replace' | 'add' | 'toggle' = 'replace',
): EditorState {
  const selected = new Set(how === 'replace' ? [] : state.selected);
  for (const id of ids) {
    if (how === 'toggle' && selected.has(id)) selected.delete(id);
    else selected.add(id);
  }
  return { ...state, selected };
}

/** Selects every note. */
export const selectAll = (state: EditorState): EditorState =>
  select(
    state,
    state.notes.map((n) => n.id),
  );

/** Ids of the notes overlapping the time span [t0, t1] whose pitch lies in [p0, p1]. */
export function notesInRect(
  notes: readonly EditorNote[],
  t0: Seconds,
  t1: Seconds,
  p0: number,
  p1: number,
): number[] {
  const [ta, tb] = t0 <= t1 ? [t0, t1] : [t1, t0];
  const [pa, pb] = p0 <= p1 ? [p0, p1] : [p1, p0];
  return notes
    .filter((n) => n.pitch >= pa && n.pitch <= pb && n.time <= tb && n.time + n.duration >= ta)
    .map((n) => n.id);
}

/** Moves the cursor (never below 0). */
export function setCursor(state: EditorState, cursor: Seconds): EditorState {
  return { ...state, cursor: Math.max(0, cursor) };
}

/** Chooses a time range (either order; an empty one clears it). Not an undo step. */
export function setRange(state: EditorState, a: Seconds | null, b: Seconds = 0): EditorState {
  if (a === null || Math.abs(b - a) < 1e-6) return state.range === null ? state : { ...state, range: null };
  return { ...state, range: { start: Math.max(0, Math.min(a, b)), end: Math.max(a, b) } };
}

/** Index of the first note at or after the cursor: the notes before it are what the model continues. */
export function cursorIndex(state: EditorState): number {
  const i = state.notes.findIndex((n) => n.time >= state.cursor);
  return i === -1 ? state.notes.length : i;
}

/** Undoes the last edit (a generation counts as one). */
export function undo(state: EditorState): EditorState {
  const last = state.past[state.past.length - 1];
  if (last === undefined || state.generation !== null) return state;
  return {
    ...state,
    notes: last.notes,
    selected: last.selected,
    past: state.past.slice(0, -1),
    future: [...state.future, { notes: state.notes, selected: state.selected }],
  };
}

/** Redoes the last undone edit. */
export function redo(state: EditorState): EditorState {
  const next = state.future[state.future.length - 1];
  if (next === undefined || state.generation !== null) return state;
  return {
    ...state,
    notes: next.notes,
    selected: next.selected,
    past: [...state.past, { notes: state.notes, selected: state.selected }],
    future: state.future.slice(0, -1),
  };
}

/**
 * Starts a generation at note index `from`: the notes before it are the model's primer. In
 * `replace` mode the notes from `from` on are removed; in `insert` mode they are kept aside and
 * follow the generated notes, keeping their gap to the note before. One undo step.
 */
export function beginGeneration(state: EditorState, mode: GenerationMode, from: number): EditorState {
  const at = clamp(Math.floor(from), 0, state.notes.length);
  const prefix = state.notes.slice(0, at);
  const tail = mode === 'insert' ? state.notes.slice(at) : [];
  const anchorTime = prefix.length === 0 ? 0 : prefix[prefix.length - 1]!.time;
  const generation: Generation = { mode, prefixCount: at, generatedCount: 0, anchorTime, tail };
  const notes = [...prefix, ...tail];
  return { ...commit(state, notes, keepExisting(state.selected, notes)), generation };
}

/** The notes the model reads before generating: the primer of the generation in progress. */
export function generationPrefix(state: EditorState): Note[] {
  const count = state.generation?.prefixCount ?? cursorIndex(state);
  return state.notes.slice(0, count).map(plainNote);
}

/** Adds notes the model wrote (in order) to the generation in progress; the tail moves after them. */
export function appendGenerated(state: EditorState, generated: readonly Note[]): EditorState {
  const g = state.generation;
  if (g === null || generated.length === 0) return state;
  const end = g.prefixCount + g.generatedCount;
  const added = withIds(generated, state.nextId);
  const made = [...state.notes.slice(g.prefixCount, end), ...added];
  const shift = made[made.length - 1]!.time - g.anchorTime;
  const tail = g.tail.map((n) => ({ ...n, time: n.time + shift }));
  const notes = [...state.notes.slice(0, g.prefixCount), ...made, ...tail];
  return {
    ...state,
    notes,
    nextId: state.nextId + generated.length,
    generation: { ...g, generatedCount: g.generatedCount + generated.length },
  };
}

/** Index just after the last generated note (where a paused generation resumes). */
export function generationEnd(state: EditorState): number {
  const g = state.generation;
  return g === null ? cursorIndex(state) : g.prefixCount + g.generatedCount;
}

/**
 * Ends the generation in progress; the cursor goes just after the last generated note's onset, so
 * that "generate" goes on from there. A generation that wrote nothing leaves no undo step behind
 * unless it removed notes.
 */
export function endGeneration(state: EditorState): EditorState {
  const g = state.generation;
  if (g === null) return state;
  const last = state.notes[g.prefixCount + g.generatedCount - 1];
  const cursor = last === undefined ? state.cursor : last.time + 1e-4;
  const before = state.past[state.past.length - 1];
  const unchanged =
    g.generatedCount === 0 && before !== undefined && before.notes.length === state.notes.length;
  return {
    ...state,
    generation: null,
    cursor,
    past: unchanged ? state.past.slice(0, -1) : state.past,
  };
}

/** The piece's length: the latest note end (0 when empty). */
export function pieceEnd(notes: readonly Note[]): Seconds {
  let end = 0;
  for (const n of notes) end = Math.max(end, n.time + n.duration);
  return end;
}
