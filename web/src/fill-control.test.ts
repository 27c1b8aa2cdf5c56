import { describe, expect, it } from 'vitest';
import type { Note } from '../../src/public/index.js';
import type { ComposerClient } from './composer-client.js';
import { createEditor, select, setRange, undo, type EditorState } from './editor-state.js';
import { addFilled, beginFill, endFill, toggleLock } from './fill-edits.js';
import { createGenerationControl } from './generation-control.js';

/** Notes every half second from 0 to 9.5 s. */
const piece: Note[] = Array.from({ length: 20 }, (_, i) => ({
  pitch: 60 + (i % 7),
  velocity: 70,
  time: i * 0.5,
  duration: 0.4,
}));
const plain = (notes: readonly Note[]): Note[] =>
  notes.map((n) => ({ pitch: n.pitch, velocity: n.velocity, time: n.time, duration: n.duration }));

/** A composer whose fill writes one note a quarter second into the gap per seed, pitch 90 + seed. */
function fakeComposer(): ComposerClient & { sent: { notes: Note[]; from: number; seed: number }[] } {
  const sent: { notes: Note[]; from: number; seed: number }[] = [];
  return {
    sent,
    loadUrl: () => Promise.reject(new Error('unused')),
    loadFiles: () => Promise.reject(new Error('unused')),
    generate: () => Promise.reject(new Error('unused')),
    fill({ notes, from, to, seed, onNotes }) {
      sent.push({ notes: [...notes], from, seed });
      const written = [0.25, 0.75].map((d) => ({
        pitch: 90 + (seed % 20),
        velocity: 50,
        time: from + d,
        duration: 0.2,
      }));
      onNotes(written.filter((n) => n.time < to));
      return Promise.resolve({ type: 'done', id: 1, made: 2, fed: 0, kept: 0, ms: 1, stopped: false });
    },
    stop: () => {},
  };
}

function setup(initial: EditorState) {
  let state = initial;
  const errors: string[] = [];
  const composer = fakeComposer();
  let seed = 7;
  const control = createGenerationControl({
    composer,
    getState: () => state,
    update: (change) => void (state = change(state)),
    sampling: () => ({}),
    seed: () => seed++,
    mode: () => 'replace',
    onNotes: () => {},
    onStatus: () => {},
    onError: (m) => void errors.push(m),
    nextFrame: () => Promise.resolve(),
    infillModel: { base: 'models/piano-asap-infill/', name: 'infill' },
  });
  return { control, composer, errors, get: () => state, set: (s: EditorState) => void (state = s) };
}

describe('filling a range in the editor', () => {
  it('lock toggles on the selection, one undo step; unlocks when all are locked', () => {
    let s = select(createEditor(piece), [3, 4]);
    s = toggleLock(s);
    expect(s.notes.filter((n) => n.locked).map((n) => n.id)).toEqual([3, 4]);
    expect(s.past).toHaveLength(1);
    s = toggleLock(select(s, [4, 5]));
    expect(s.notes.filter((n) => n.locked).map((n) => n.id)).toEqual([3, 4, 5]);
    s = toggleLock(s);
    expect(s.notes.filter((n) => n.locked).map((n) => n.id)).toEqual([3]);
    expect('locked' in s.notes[4]!).toBe(false);
    expect(
      undo(s)
        .notes.filter((n) => n.locked)
        .map((n) => n.id),
    ).toEqual([3, 4, 5]);
  });

  it('begins by removing the unlocked notes in the range; written notes go in time order; one undo step', () => {
    let s = toggleLock(select(createEditor(piece), [6])); // the note at 2.5 s
    const before = s.notes;
    s = beginFill(s, 2, 4);
    expect(s.notes.map((n) => n.time).filter((t) => t >= 2 && t < 4)).toEqual([2.5]);
    s = addFilled(s, [{ pitch: 99, velocity: 40, time: 2.1, duration: 0.1 }]);
    s = addFilled(s, [{ pitch: 98, velocity: 40, time: 3.3, duration: 0.1 }]);
    s = endFill(s, 2);
    expect(s.notes.filter((n) => n.time >= 2 && n.time < 4).map((n) => n.pitch)).toEqual([
      99,
      piece[5]!.pitch,
      98,
    ]);
    expect(undo(s).notes).toBe(before);
    // Nothing removed and nothing written: no undo step left behind.
    const empty = beginFill(createEditor(piece), 9.6, 9.9);
    expect(endFill(empty, 0).past).toHaveLength(0);
  });

  it('fills the ruler range, fills again in place of the last take, and keeps locked notes', async () => {
    const start = setRange(toggleLock(select(createEditor(piece), [7])), 3, 5); // 3 s locked
    const page = setup(start);
    await page.control.fill();
    const first = page.get();
    const inside = (s: EditorState): Note[] => plain(s.notes.filter((n) => n.time >= 3 && n.time < 5));
    expect(inside(first).map((n) => n.pitch)).toEqual([piece[6]!.pitch, 97, 97]);
    // Only the locked note in the range went to the model; the notes outside are unchanged.
    expect(page.composer.sent[0]!.notes.filter((n) => n.time >= 3 && n.time < 5)).toEqual([plain(piece)[6]]);
    const outside = (s: EditorState): Note[] => plain(s.notes.filter((n) => n.time < 3 || n.time >= 5));
    expect(outside(first)).toEqual(plain(piece).filter((n) => n.time < 3 || n.time >= 5));
    expect(first.past).toHaveLength(2); // the lock, the fill
    // Fill again: the next seed, in place of the first take: still one undo step.
    await page.control.fill(true);
    const second = page.get();
    expect(page.composer.sent[1]!.seed).toBe(8);
    expect(inside(second).map((n) => n.pitch)).toEqual([piece[6]!.pitch, 98, 98]);
    expect(second.past).toHaveLength(2);
    expect(plain(undo(second).notes)).toEqual(plain(start.notes));
    expect(page.control.hasFilled).toBe(true);
  });

  it('says why it cannot fill: no range, no notes before it', async () => {
    const page = setup(createEditor(piece));
    await page.control.fill();
    page.set(setRange(page.get(), 0, 1));
    await page.control.fill();
    expect(page.errors).toEqual([
      'Drag on the ruler to choose the range to fill.',
      'The range needs notes before it: the model leads on from them.',
    ]);
    expect(page.composer.sent).toHaveLength(0);
  });
});
