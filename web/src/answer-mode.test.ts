import { describe, expect, it } from 'vitest';
import {
  answerLimit,
  answerSettingsOf,
  answerStep,
  cutAnswer,
  DEFAULT_ANSWER,
  startAnswering,
  type AnswerInput,
  type AnswerSettings,
  type AnswerState,
} from './answer-mode.js';
import {
  appendGenerated,
  beginGeneration,
  createEditor,
  endGeneration,
  undo,
  type EditorState,
} from './editor-state.js';
import type { MidiEvent } from './midi-input.js';

const settings: AnswerSettings = { pause: 1.5, length: 8, unit: 'notes' };
const down = (time: number, pitch = 60): AnswerInput => ({
  type: 'midi',
  event: { type: 'note-on', time, channel: 0, pitch, velocity: 80 },
});
const up = (time: number, pitch = 60): AnswerInput => ({
  type: 'midi',
  event: { type: 'note-off', time, channel: 0, pitch },
});
const pedal = (time: number, isDown: boolean): AnswerInput => ({
  type: 'midi',
  event: { type: 'pedal', time, channel: 0, down: isDown } satisfies MidiEvent,
});
const tick = (time: number): AnswerInput => ({ type: 'tick', time });

/** Runs inputs in order; returns the last state and the times of the ticks that asked for an answer. */
function run(inputs: AnswerInput[], state: AnswerState = startAnswering(0)) {
  const asked: number[] = [];
  for (const input of inputs) {
    const next = answerStep(state, input, settings);
    if (next.answer) asked.push(input.type === 'tick' ? input.time : -1);
    state = next.state;
  }
  return { state, asked };
}

describe('answer mode: call and response', () => {
  it('answers once the player has played and then paused for the set time', () => {
    const { state, asked } = run([down(100), up(400), tick(1800), tick(1899), tick(1900), tick(2000)]);
    expect(asked).toEqual([1900]); // 400 ms + 1.5 s, and only once
    expect(state.phase).toBe('writing');
    expect(state.answers).toBe(1);
  });

  it('does not answer silence, nor while a key is held, nor on the pedal alone', () => {
    expect(run([tick(5000)]).asked).toEqual([]); // nothing played yet
    expect(run([down(0), tick(3000), tick(6000)]).asked).toEqual([]); // a long chord held
    // Keys up, the pedal still ringing: a pause all the same; the pedal is no activity.
    expect(run([pedal(0, true), down(10), up(200), pedal(900, false), tick(1700)]).asked).toEqual([1700]);
  });

  it('plays the answer, then listens again; the pause then counts from the answer’s end', () => {
    let { state } = run([down(0), up(100), tick(1600)]);
    state = answerStep(state, { type: 'written', time: 1650, until: 4000 }, settings).state;
    expect(state.phase).toBe('playing');
    const r = run([tick(3000), pedal(3500, true), pedal(3600, false), tick(3999)], state);
    expect(r.asked).toEqual([]);
    expect(r.state.phase).toBe('playing'); // the pedal alone does not cut the answer
    const after = run([tick(4000), tick(5499), tick(5500)], r.state);
    expect(after.state.phase).toBe('listening');
    expect(after.asked).toEqual([]); // nothing played since: no call
    const called = run([down(6000), up(6100), tick(7599), tick(7600)], after.state);
    expect(called.asked).toEqual([7600]);
  });

  it('a key struck while the answer sounds cuts it off, and starts the next call', () => {
    let { state } = run([down(0), up(100), tick(1600)]);
    state = answerStep(state, { type: 'written', time: 1650, until: 4000 }, settings).state;
    const struck = answerStep(state, down(2500, 67), settings);
    expect(struck.cut).toBe(true);
    expect(struck.answer).toBe(false);
    expect(struck.state).toMatchObject({ phase: 'listening', playingUntil: null, called: true });
    expect([...struck.state.held]).toEqual([67]);
    // The new call is answered a pause after its last key, not after the answer's end (4 s).
    const r = run([tick(3000), up(2700, 67), tick(4199), tick(4200)], struck.state);
    expect(r.asked).toEqual([4200]);
    // Only a key strikes: let go of, or all notes off, it does not cut.
    expect(answerStep(state, up(2500, 67), settings).cut).toBe(false);
    const allOff: AnswerInput = { type: 'midi', event: { type: 'all-off', time: 2500, channel: 0 } };
    expect(answerStep(state, allOff, settings).cut).toBe(false);
    expect(answerStep(state, pedal(2500, true), settings).state).toBe(state);
  });

  it('a key struck while the model writes cuts it off too; a later answer is ignored', () => {
    const { state } = run([down(0), up(100), tick(1600)]);
    expect(state.phase).toBe('writing');
    const struck = answerStep(state, down(1620), settings);
    expect(struck.cut).toBe(true);
    expect(struck.state.phase).toBe('listening');
    const late = answerStep(struck.state, { type: 'written', time: 1700, until: 9000 }, settings);
    expect(late.state).toBe(struck.state); // the answer the model finished after the cut is not played
    expect(run([up(1700), tick(3199), tick(3200)], late.state).asked).toEqual([3200]);
  });

  it('keys played while listening never cut', () => {
    const { state } = run([down(0), up(100)]);
    expect(answerStep(state, down(200, 62), settings).cut).toBe(false);
  });

  it('goes back to listening when the model wrote nothing, and ignores a late answer', () => {
    const { state } = run([down(0), up(100), tick(1600)]);
    const back = answerStep(state, { type: 'written', time: 1700, until: null }, settings).state;
    expect(back.phase).toBe('listening');
    expect(back.called).toBe(false);
    expect(answerStep(back, { type: 'written', time: 1800, until: 9000 }, settings).state).toBe(back);
  });

  it('asks for a number of notes, or for seconds with a ceiling on notes', () => {
    expect(answerLimit({ pause: 1, length: 12, unit: 'notes' })).toEqual({ count: 12 });
    expect(answerLimit({ pause: 1, length: 6, unit: 'seconds' })).toEqual({ count: 1000, seconds: 6 });
  });

  it('reads its settings back, each bad one at its default', () => {
    expect(answerSettingsOf({ pause: 2, length: 30, unit: 'seconds' })).toEqual({
      pause: 2,
      length: 30,
      unit: 'seconds',
    });
    expect(answerSettingsOf({ pause: 0.01, length: 0, unit: 'bars' })).toEqual(DEFAULT_ANSWER);
    expect(answerSettingsOf(null)).toEqual(DEFAULT_ANSWER);
  });

  describe('cutting an answer off', () => {
    /** A call of two notes, then an answer of four a quarter second apart (one undo step). */
    const answered = (): { state: EditorState; ids: Set<number>; cursor: number } => {
      const call = createEditor(
        [
          { pitch: 60, velocity: 90, time: 0, duration: 0.2 },
          { pitch: 62, velocity: 90, time: 0.25, duration: 0.2 },
        ],
        0.45,
      );
      let state = beginGeneration(call, 'replace', 2);
      const first = state.nextId;
      state = appendGenerated(
        state,
        [0.5, 0.75, 1, 1.25].map((time, i) => ({ pitch: 64 + i, velocity: 70, time, duration: 0.5 })),
      );
      state = endGeneration(state);
      return { state, ids: new Set([first, first + 1, first + 2, first + 3]), cursor: call.cursor };
    };

    it('keeps what was heard: later notes go, a sounding note ends at the cut', () => {
      const { state, ids, cursor } = answered();
      const cut = cutAnswer({ ...state, selected: new Set(ids) }, ids, 0.9, cursor);
      expect(cut.notes.map((n) => [n.pitch, n.time, Math.round(n.duration * 1e9) / 1e9])).toEqual([
        [60, 0, 0.2],
        [62, 0.25, 0.2],
        [64, 0.5, 0.4], // sounding at 0.9 s: cut there
        [65, 0.75, 0.15],
      ]);
      expect([...cut.selected].sort()).toEqual([...ids].slice(0, 2)); // the removed ones unselected
      expect(cut.cursor).toBe(0.9);
      expect(cut.past).toHaveLength(1); // still the answer's one step
      expect(undo(cut).notes.map((n) => n.pitch)).toEqual([60, 62]);
      // Cut after the answer's end: nothing changes but the cursor stays.
      const late = cutAnswer(state, ids, 5, cursor);
      expect(late.notes).toEqual(state.notes);
      expect(late.cursor).toBe(state.cursor);
    });

    it('removes an answer never heard, and its undo step with it; the cursor goes back', () => {
      const { state, ids, cursor } = answered();
      const cut = cutAnswer(state, ids, null, cursor);
      expect(cut.notes.map((n) => n.pitch)).toEqual([60, 62]);
      expect(cut.past).toHaveLength(0);
      expect(cut.cursor).toBe(0.45);
      // The notes of the call (not the answer's) are never touched.
      const other = cutAnswer(state, new Set([...ids].slice(2)), null, cursor);
      expect(other.notes.map((n) => n.pitch)).toEqual([60, 62, 64, 65]);
      expect(other.past).toHaveLength(1); // the answer's two notes still stand as its step
    });
  });
});
