import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Note, Seconds } from '../../src/public/index.js';
import {
  appendGenerated,
  beginGeneration,
  createEditor,
  endGeneration,
  plainNote,
  undo,
  type EditorNote,
  type EditorState,
} from './editor-state.js';
import { addFilled, beginFill, endFill } from './fill-edits.js';
import {
  atLastOnset,
  createLivePlayback,
  fillWritten,
  lastOnset,
  notSent,
  runOf,
  sameBesidesFill,
  type LivePlayback,
} from './live-playback.js';
import type { Playback } from './playback.js';

const note = (time: number, pitch = 60, velocity = 80): Note => ({ pitch, velocity, time, duration: 0.2 });
/** Notes every `step` seconds from `from` (included) to `to` (excluded). */
const notesEvery = (from: number, to: number, step: number, pitch: number, velocity = 80): Note[] =>
  Array.from({ length: Math.round((to - from) / step) }, (_, i) => note(from + i * step, pitch, velocity));
const ids = (notes: readonly EditorNote[]): number[] => notes.map((n) => n.id);

describe('the pieces of a live run', () => {
  const piece = createEditor([note(0), note(1), note(2), note(3)]);

  it('tells a fill (no generation in the state) from a generation', () => {
    const filling = beginFill(piece, 1, 3);
    expect(runOf(filling)).toEqual({ kind: 'fill', firstId: piece.nextId, base: filling.notes });
    const generating = beginGeneration(piece, 'insert', 2);
    expect(runOf(generating)).toEqual({ kind: 'generation', prefixCount: 2, tail: true });
    expect(runOf(beginGeneration(piece, 'replace', 2))).toMatchObject({ tail: false });
  });

  it("finds a fill's notes by their ids, wherever they are in the piece", () => {
    const filled = addFilled(beginFill(piece, 1, 3), [note(1.5, 72), note(2.5, 74)]);
    expect(fillWritten(filled.notes, piece.nextId).map(plainNote)).toEqual([note(1.5, 72), note(2.5, 74)]);
    expect(fillWritten(piece.notes, piece.nextId)).toEqual([]);
  });

  it('sees whether the piece besides the fill is still what the sound started with', () => {
    const begun = beginFill(piece, 1, 3);
    const filled = addFilled(begun, [note(1.5, 72)]);
    expect(sameBesidesFill(filled.notes, begun.notes, piece.nextId)).toBe(true);
    // A failed fill is undone: the range's notes are back.
    expect(sameBesidesFill(undo(begun).notes, begun.notes, piece.nextId)).toBe(false);
  });

  it('holds back the notes at the last onset, and keeps those from a time on', () => {
    const notes = [note(1), note(2, 60), note(2, 64), note(2, 67)];
    expect(lastOnset(notes)).toBe(2);
    expect(lastOnset([])).toBe(-Infinity);
    expect(atLastOnset(notes)).toEqual(notes.slice(1));
    expect(atLastOnset([])).toEqual([]);
    expect(notSent(notes, 1.5)).toEqual(notes.slice(1));
    expect(notSent(notes, -Infinity)).toEqual(notes);
  });
});

/** A stand-in for the page: the state, a playhead, and what the sound is started with and given. */
function page(initial: EditorState, playhead: Seconds | null) {
  const heard = { starts: [] as Note[][], added: [] as Note[][] };
  const page = {
    state: initial,
    playhead,
    heard,
    /** Whether a restart waits for its first sound (the page calls `onPlay` then). */
    slowStart: false,
    pendingStart: null as (() => void) | null,
    live: null as unknown as LivePlayback,
  };
  const playback = {
    position: () => page.playhead,
    add: (notes: readonly Note[]) => {
      if (page.playhead === null) return null;
      heard.added.push(notes.map(plainNote));
      return notes.length;
    },
  } as unknown as Playback;
  page.live = createLivePlayback({
    playback,
    getState: () => page.state,
    restart: () => {
      heard.starts.push(page.live.notesToPlay().map(plainNote));
      if (page.slowStart) page.pendingStart = () => page.live.onPlay();
      else page.live.onPlay();
    },
  });
  return page;
}

describe('hearing a fill while playing', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  const piece = notesEvery(0, 16, 0.5, 60); // one note every half second
  const take = notesEvery(4, 8, 0.25, 72, 90); // what the model writes in 4..8 s
  const inRange = (notes: readonly Note[]): Note[] => notes.filter((n) => n.time >= 4 && n.time < 8);

  it("restarts once without the range's notes, then adds the fill's notes as they come and the rest at its end", () => {
    const p = page(createEditor(piece), 1);
    p.state = beginFill(p.state, 4, 8);
    expect(p.live.onStatus('running')).toBe(false);
    expect(p.heard.starts).toHaveLength(1);
    expect(inRange(p.heard.starts[0]!)).toEqual([]); // the replaced notes are not heard
    // The model writes 4..6 s, then 6..8 s; the playhead moves on.
    p.state = addFilled(p.state, take.slice(0, 8));
    vi.advanceTimersByTime(250);
    p.playhead = 1.5;
    p.state = addFilled(p.state, take.slice(8));
    vi.advanceTimersByTime(250);
    expect(p.heard.added.length).toBeGreaterThanOrEqual(2); // as they came, not all at the end
    p.state = endFill(p.state, take.length);
    expect(p.live.onStatus('idle')).toBe(true); // nothing to restart: the rest was added
    expect(p.heard.starts).toHaveLength(1);
    // Every note of the take is heard once, and nothing else is added.
    expect(p.heard.added.flat()).toEqual(take);
  });

  it('leaves out what the playhead has passed, and adds what comes when playing starts during a fill', () => {
    const p = page(createEditor(piece), null);
    p.state = beginFill(p.state, 4, 8);
    p.live.onStatus('running');
    expect(p.heard.starts).toHaveLength(0); // not playing: nothing to restart
    p.state = addFilled(p.state, take.slice(0, 6)); // 4..5.25 s
    // Play (from 4.6 s): the piece as it is, less the fill's notes at its last onset.
    p.playhead = 4.6;
    const played = p.live.notesToPlay().map(plainNote);
    p.live.onPlay();
    expect(inRange(played)).toEqual(take.slice(0, 5));
    p.state = addFilled(p.state, take.slice(6));
    vi.advanceTimersByTime(250);
    p.state = endFill(p.state, take.length);
    expect(p.live.onStatus('idle')).toBe(true);
    expect(p.heard.added.flat()).toEqual(take.slice(5)); // from the held-back onset on, once each
  });

  it('adds the notes written while the sound was starting (they are not in it)', () => {
    const p = page(createEditor(piece), 1);
    p.slowStart = true;
    p.state = beginFill(p.state, 4, 8);
    p.live.onStatus('running');
    p.state = addFilled(p.state, take.slice(0, 8)); // before the first sound
    p.pendingStart!();
    p.state = addFilled(p.state, take.slice(8));
    vi.advanceTimersByTime(250);
    p.state = endFill(p.state, take.length);
    expect(p.live.onStatus('idle')).toBe(true);
    expect(p.heard.added.flat()).toEqual(take);
  });

  it("restarts when a failed fill gives the range's notes back, and when not playing", () => {
    const p = page(createEditor(piece), 1);
    p.state = beginFill(p.state, 4, 8);
    p.live.onStatus('running');
    p.state = undo(p.state);
    expect(p.live.onStatus('idle')).toBe(false);
    expect(p.heard.added).toEqual([]);

    const q = page(createEditor(piece), 1);
    q.state = beginFill(q.state, 4, 8);
    q.live.onStatus('running');
    q.state = addFilled(q.state, take);
    q.playhead = null; // stopped
    expect(q.live.onStatus('idle')).toBe(false);
  });
});

describe('hearing a generation while playing', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('adds its notes once each when it replaces what followed the cursor', () => {
    const p = page(createEditor(notesEvery(0, 8, 0.5, 60)), 1);
    p.state = beginGeneration(p.state, 'replace', 6); // from 3 s
    p.live.onStatus('running');
    expect(p.heard.starts[0]).toEqual(notesEvery(0, 3, 0.5, 60));
    const written = notesEvery(3, 7, 0.25, 72);
    p.state = appendGenerated(p.state, written.slice(0, 10));
    vi.advanceTimersByTime(250);
    p.state = appendGenerated(p.state, written.slice(10));
    p.state = endGeneration(p.state);
    expect(p.live.onStatus('idle')).toBe(true);
    expect(p.heard.added.flat()).toEqual(written);
    expect(ids(p.state.notes)).toHaveLength(6 + written.length);
  });
});
