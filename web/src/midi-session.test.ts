import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Note } from '../../src/public/index.js';
import type { AnswerSettings } from './answer-mode.js';
import type { ComposerClient } from './composer-client.js';
import { createEditor, undo, type EditorState } from './editor-state.js';
import { createGenerationControl } from './generation-control.js';
import { parseMidiMessage } from './midi-input.js';
import { createMidiSession, type MidiSession } from './midi-session.js';

/**
 * A composer that answers with a rising line, a quarter second apart, after the prefix's last note.
 * With `hold`, it is still writing (its notes given) until it is stopped.
 */
function fakeComposer(): ComposerClient & { prefixes: Note[][]; hold: boolean; stops: number } {
  const prefixes: Note[][] = [];
  let stopped = (): void => {};
  const composer = {
    prefixes,
    hold: false,
    stops: 0,
    loadUrl: () => Promise.reject(new Error('unused')),
    loadFiles: () => Promise.reject(new Error('unused')),
    generate({ prefix, count, until, onNotes }) {
      prefixes.push([...prefix]);
      const last = prefix[prefix.length - 1] ?? { time: 0, pitch: 60 };
      const notes: Note[] = [];
      for (let i = 1; i <= count; i++) {
        const time = last.time + 0.25 * i;
        if (until !== undefined && time > until) break;
        notes.push({ pitch: 60 + (i % 12), velocity: 64, time, duration: 0.2 });
      }
      onNotes(notes);
      const done = { type: 'done', id: 1, made: notes.length, fed: 0, kept: 0, ms: 1 } as const;
      if (!composer.hold) return Promise.resolve({ ...done, stopped: false });
      return new Promise((resolve) => (stopped = () => resolve({ ...done, stopped: true })));
    },
    fill: () => Promise.reject(new Error('unused')),
    stop: () => {
      composer.stops++;
      stopped();
    },
  } satisfies ComposerClient & { prefixes: Note[][]; hold: boolean; stops: number };
  return composer;
}

describe('the MIDI session: record and answer', () => {
  let clock: number;
  let state: EditorState;
  let played: { notes: Note[]; from: number; at: number }[];
  let stops: () => number;
  let settings: AnswerSettings;
  let session: MidiSession;
  let composer: ReturnType<typeof fakeComposer>;

  beforeEach(() => {
    vi.useFakeTimers();
    clock = 10_000;
    state = createEditor([], 2);
    played = [];
    settings = { pause: 1.5, length: 4, unit: 'notes' };
    composer = fakeComposer();
    const update = (change: (s: EditorState) => EditorState) => void (state = change(state));
    const generation = createGenerationControl({
      composer,
      getState: () => state,
      update,
      sampling: () => ({}),
      seed: () => 1,
      mode: () => 'replace',
      onNotes: () => {},
      onStatus: () => {},
      onError: (m) => {
        throw new Error(m);
      },
      nextFrame: () => Promise.resolve(),
      infillModel: { base: 'unused/', name: 'unused' },
    });
    /** The answer plays from the clock time of `play` on. */
    const player = {
      playing: false,
      stops: 0,
      stop() {
        player.stops++;
        player.playing = false;
      },
      play(notes: readonly Note[], from: number) {
        played.push({ notes: [...notes], from, at: clock });
        player.playing = true;
        return Promise.resolve();
      },
      position() {
        const last = played.at(-1);
        if (!player.playing || last === undefined) return null;
        return last.from + (clock - last.at) / 1000;
      },
    };
    stops = () => player.stops;
    session = createMidiSession({
      getState: () => state,
      write: update,
      generation,
      player,
      answerSettings: () => settings,
      modelReady: () => true,
      say: () => {},
      changed: () => {},
      follow: () => {},
      now: () => clock,
    });
  });
  afterEach(() => vi.useRealTimers());

  const send = (data: number[]) => {
    const event = parseMidiMessage(data, clock);
    if (event !== null) session.message(event);
  };
  const wait = async (ms: number) => {
    for (let i = 0; i < ms / 10; i++) {
      clock += 10;
      await vi.advanceTimersByTimeAsync(10);
    }
  };
  const plain = (notes: readonly Note[]) =>
    notes.map((n) => [
      n.pitch,
      n.velocity,
      Math.round(n.time * 1000) / 1000,
      Math.round(n.duration * 1000) / 1000,
    ]);

  it('records what is played at the cursor, with velocities and the pedal, as one undo step', async () => {
    session.toggleRecord();
    expect(session.recording).toBe(true);
    await wait(500); // silence before the first key does not count
    send([0xb0, 64, 127]);
    send([0x90, 60, 100]);
    await wait(200);
    expect(state.notes).toHaveLength(1); // written as it is played, growing while held
    expect(state.notes[0]!.duration).toBeCloseTo(0.2, 1);
    send([0x90, 64, 50]);
    send([0x80, 60, 0]);
    await wait(300);
    send([0x80, 64, 0]);
    await wait(500);
    send([0xb0, 64, 0]);
    session.toggleRecord();
    expect(plain(state.notes)).toEqual([
      [60, 100, 2, 1],
      [64, 50, 2.2, 0.8],
    ]);
    expect(state.past).toHaveLength(1);
    expect(state.cursor).toBeCloseTo(3); // after the take: Generate goes on from there
    expect(undo(state).notes).toEqual([]);
  });

  it('answers after a pause with the model, plays the answer and listens again', async () => {
    session.toggleAnswer();
    expect(session.figures.phase).toBe('listening');
    send([0x90, 60, 90]);
    await wait(250);
    send([0x80, 60, 0]);
    send([0x90, 62, 70]);
    await wait(250);
    send([0x80, 62, 0]);
    await wait(1400);
    expect(state.notes).toHaveLength(2); // not yet: 1.4 s of the 1.5 s pause
    await wait(200);
    // The model continued from the two notes played (at the cursor, 2 s) with four of its own...
    expect(composer.prefixes[0]!.map((n) => n.pitch)).toEqual([60, 62]);
    expect(plain(state.notes).map((n) => n.slice(0, 3))).toEqual([
      [60, 90, 2],
      [62, 70, 2.25],
      [61, 64, 2.5],
      [62, 64, 2.75],
      [63, 64, 3],
      [64, 64, 3.25],
    ]);
    // ...which are played, from the first, while it waits...
    expect(played).toHaveLength(1);
    expect(played[0]!.from).toBe(2.5);
    expect(played[0]!.notes).toHaveLength(4);
    expect(session.figures).toMatchObject({ phase: 'playing', answers: 1, answered: 4 });
    await wait(played[0]!.at + 940 - clock);
    expect(session.figures.phase).toBe('playing');
    await wait(20);
    expect(session.figures.phase).toBe('listening'); // the answer (0.95 s) has sounded
    expect(stops()).toBe(0); // and was not cut
    // A second call, answered too.
    send([0x90, 72, 80]);
    await wait(100);
    send([0x80, 72, 0]);
    await wait(1600);
    expect(session.figures.answers).toBe(2);
    expect(composer.prefixes[1]!.at(-1)!.pitch).toBe(72);
    expect(state.past).toHaveLength(4); // the calls and the answers: one step each
    session.toggleAnswer();
    expect(session.recording).toBe(false); // answer mode started the recording, and ends it
    expect(session.figures.phase).toBe('off');
  });

  it('a key over the answer cuts it off: the sound stops, the piece keeps what was heard', async () => {
    session.toggleAnswer();
    send([0x90, 60, 90]);
    await wait(250);
    send([0x80, 60, 0]);
    await wait(1600); // the pause: the answer (61, 62, 63, 64 from 2.25 s) plays
    expect(session.figures.phase).toBe('playing');
    const answerSteps = state.past.length;
    expect(played[0]!.from).toBe(2.25);
    await wait(played[0]!.at + 600 - clock); // the sound is at 2.85 s: 63 (2.75 s) sounds
    send([0x90, 72, 80]);
    expect(stops()).toBe(1);
    expect(session.figures).toMatchObject({ phase: 'listening', cuts: 1 });
    expect(plain(state.notes)).toEqual([
      [60, 90, 2, 0.25],
      [61, 64, 2.25, 0.2],
      [62, 64, 2.5, 0.2],
      [63, 64, 2.75, 0.1], // cut where the sound was; 64 (3 s) was never heard
      [72, 80, 2.85, 0.01], // the new call starts there
    ]);
    expect(state.past).toHaveLength(answerSteps + 1); // the cut is within the answer's step
    await wait(200);
    send([0x80, 72, 0]);
    expect(session.figures.phase).toBe('listening');
    await wait(1600);
    expect(session.figures.answers).toBe(2); // the call that cut in is answered in its turn
    expect(composer.prefixes[1]!.map((n) => n.pitch)).toEqual([60, 61, 62, 63, 72]);
  });

  it('a key while the model writes stops it, and nothing of its answer stays', async () => {
    composer.hold = true;
    session.toggleAnswer();
    send([0x90, 60, 90]);
    await wait(250);
    send([0x80, 60, 0]);
    await wait(1600);
    expect(session.figures.phase).toBe('writing');
    expect(state.notes).toHaveLength(5); // the model's notes are in, it writes on
    send([0x90, 67, 80]);
    expect(composer.stops).toBe(1);
    expect(session.figures).toMatchObject({ phase: 'listening', cuts: 1 });
    await wait(60); // the next tick writes the take
    expect(played).toHaveLength(0); // never played
    expect(plain(state.notes).map((n) => n.slice(0, 3))).toEqual([
      [60, 90, 2],
      [67, 80, 2.25], // at the cursor, after the call (held: growing)
    ]);
    expect(state.past).toHaveLength(2); // the call, the new take: the answer left no step
    send([0x80, 67, 0]);
    composer.hold = false;
    await wait(1600);
    expect(session.figures.answers).toBe(2);
    expect(played).toHaveLength(1);
  });

  it('answers for a number of seconds', async () => {
    settings = { pause: 1, length: 1, unit: 'seconds' };
    session.toggleAnswer();
    send([0x90, 60, 90]);
    send([0x80, 60, 0]);
    await wait(1100);
    expect(session.figures.answered).toBe(4); // 0.25 … 1 s after the call's last note
    expect(state.notes.at(-1)!.time).toBeCloseTo(3);
  });

  it('ignores the keyboard when not recording', () => {
    send([0x90, 60, 90]);
    expect(state.notes).toEqual([]);
  });
});
