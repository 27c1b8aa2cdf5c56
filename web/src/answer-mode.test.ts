import { describe, expect, it } from 'vitest';
import {
  answerLimit,
  answerSettingsOf,
  answerStep,
  DEFAULT_ANSWER,
  startAnswering,
  type AnswerInput,
  type AnswerSettings,
  type AnswerState,
} from './answer-mode.js';
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
    const r = run([tick(3000), down(3500), up(3600), tick(3999)], state);
    expect(r.asked).toEqual([]);
    expect(r.state.phase).toBe('playing');
    const after = run([tick(4000), tick(5499), tick(5500)], r.state);
    expect(after.state.phase).toBe('writing'); // the call played over the answer's end is answered
    expect(after.asked).toEqual([5500]); // the last key (3600 ms) came before the end: 4000 + 1500
  });

  it('keys played while the model writes belong to the next call', () => {
    let { state } = run([down(0), up(100), tick(1600), down(1620), up(1700)]);
    state = answerStep(state, { type: 'written', time: 1700, until: null }, settings).state;
    expect(state.phase).toBe('listening');
    expect(state.called).toBe(true);
    expect(run([tick(3199), tick(3200)], state).asked).toEqual([3200]);
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
});
