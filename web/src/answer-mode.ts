import type { Seconds } from '../../src/public/index.js';
import { MIN_DURATION, type EditorState } from './editor-state.js';
import { heldAfter, isPedal, type MidiEvent, type Milliseconds } from './midi-input.js';

/**
 * *Answer* mode, call and response, as a pure state machine (tested without a browser or a model):
 * it listens while the person plays; once they have played and then let go of every key for the
 * pause the settings give, it asks for an answer; the model writes it, the page plays it, and when
 * the answer has sounded it listens again. The person may cut in: a key struck while the model
 * writes or its answer sounds stops the answer there (`cut`: the page stops the model and the
 * sound, and `cutAnswer` keeps in the piece only what was heard) and it listens again, that key
 * the start of the next call. The pause is counted from the last key or the answer's end,
 * whichever is later. The pedals alone are not playing: a chord left ringing on the pedal is a
 * pause, and a pedal pressed over the answer does not cut it.
 */

/** How long an answer is: a number of notes, or seconds of music. */
export type AnswerUnit = 'notes' | 'seconds';

/** The *Answer* settings (kept with the page's others). */
export interface AnswerSettings {
  /** Seconds without a key down before the model answers. */
  readonly pause: Seconds;
  /** The answer's length, in `unit`s. */
  readonly length: number;
  readonly unit: AnswerUnit;
}

export const DEFAULT_ANSWER: AnswerSettings = { pause: 1.5, length: 16, unit: 'notes' };
/** The settings' bounds (the inputs clamp to them). */
export const ANSWER_PAUSE_RANGE = [0.3, 10] as const;
export const ANSWER_LENGTH_RANGE = { notes: [1, 500], seconds: [1, 60] } as const;
/** An answer of so many seconds is still no longer than this many notes. */
export const ANSWER_MAX_NOTES = 1000;

/** The settings of a stored record, each bad or missing one at its default. */
export function answerSettingsOf(value: unknown): AnswerSettings {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const unit: AnswerUnit = v['unit'] === 'seconds' ? 'seconds' : 'notes';
  const within = (x: unknown, [lo, hi]: readonly [number, number], fallback: number): number =>
    typeof x === 'number' && Number.isFinite(x) && x >= lo && x <= hi ? x : fallback;
  const lengthRange = ANSWER_LENGTH_RANGE[unit];
  return {
    pause: within(v['pause'], ANSWER_PAUSE_RANGE, DEFAULT_ANSWER.pause),
    length: within(v['length'], lengthRange, unit === 'notes' ? DEFAULT_ANSWER.length : 8),
    unit,
  };
}

/**
 * What the model is asked for: `count` notes, or up to `ANSWER_MAX_NOTES` notes starting no more
 * than `seconds` after the last note played.
 */
export function answerLimit(settings: AnswerSettings): { count: number; seconds?: Seconds } {
  return settings.unit === 'notes'
    ? { count: Math.round(settings.length) }
    : { count: ANSWER_MAX_NOTES, seconds: settings.length };
}

/** Listening to the person, the model writing its answer, or the answer sounding. */
export type AnswerPhase = 'listening' | 'writing' | 'playing';

export interface AnswerState {
  readonly phase: AnswerPhase;
  /** Keys down now (channel × 128 + pitch). */
  readonly held: ReadonlySet<number>;
  /** A key was struck since the last answer was asked for: there is a call to answer. */
  readonly called: boolean;
  /** The last key struck or let go, or the answer's end: the pause counts from here. */
  readonly quietSince: Milliseconds;
  /** While playing: when the answer's last note ends. */
  readonly playingUntil: Milliseconds | null;
  /** Answers asked for so far. */
  readonly answers: number;
}

/** What the state machine is told. */
export type AnswerInput =
  | { readonly type: 'midi'; readonly event: MidiEvent }
  /** Time passes (the page ticks a few times a second). */
  | { readonly type: 'tick'; readonly time: Milliseconds }
  /** The model has written its answer, which sounds until `until` (null: it wrote nothing). */
  | { readonly type: 'written'; readonly time: Milliseconds; readonly until: Milliseconds | null };

/** A listening state, as when *Answer* is turned on at `time`. */
export function startAnswering(time: Milliseconds, held: ReadonlySet<number> = new Set()): AnswerState {
  return { phase: 'listening', held, called: false, quietSince: time, playingUntil: null, answers: 0 };
}

/** What a step gives: the next state, and what the page is to do now. */
export interface AnswerStep {
  readonly state: AnswerState;
  /** Ask the model for an answer. */
  readonly answer: boolean;
  /** A key came in while the model wrote or its answer sounded: stop both (`cutAnswer`). */
  readonly cut: boolean;
}

/**
 * The next state, whether to ask the model for an answer now, and whether to cut the answer off.
 *
 * @example
 * let s = startAnswering(0);
 * s = answerStep(s, { type: 'midi', event: keyDown }, settings).state; // a key at 100 ms, then up
 * answerStep(s, { type: 'tick', time: 1700 }, settings).answer; // true with a 1.5 s pause
 */
export function answerStep(state: AnswerState, input: AnswerInput, settings: AnswerSettings): AnswerStep {
  const same = { state, answer: false, cut: false };
  switch (input.type) {
    case 'midi': {
      const { event } = input;
      if (isPedal(event)) return same;
      const held = heldAfter(state.held, event);
      const called = state.called || event.type === 'note-on';
      const quietSince = Math.max(state.quietSince, event.time);
      const cut = event.type === 'note-on' && state.phase !== 'listening';
      const phase = cut ? 'listening' : state.phase;
      const playingUntil = cut ? null : state.playingUntil;
      return { state: { ...state, phase, playingUntil, held, called, quietSince }, answer: false, cut };
    }
    case 'written': {
      if (state.phase !== 'writing') return same;
      if (input.until === null || input.until <= input.time) {
        const quietSince = Math.max(state.quietSince, input.time);
        const next: AnswerState = { ...state, phase: 'listening', playingUntil: null, quietSince };
        return { state: next, answer: false, cut: false };
      }
      return { state: { ...state, phase: 'playing', playingUntil: input.until }, answer: false, cut: false };
    }
    case 'tick': {
      if (state.phase === 'playing' && state.playingUntil !== null && input.time >= state.playingUntil) {
        const quietSince = Math.max(state.quietSince, state.playingUntil);
        const next: AnswerState = { ...state, phase: 'listening', playingUntil: null, quietSince };
        return { state: next, answer: false, cut: false };
      }
      const paused = input.time - state.quietSince >= settings.pause * 1000;
      if (state.phase !== 'listening' || !state.called || state.held.size > 0 || !paused) return same;
      const next: AnswerState = { ...state, phase: 'writing', called: false, answers: state.answers + 1 };
      return { state: next, answer: true, cut: false };
    }
  }
}

/**
 * The piece after an answer is cut off: the answer's notes (`ids`) are kept as far as they were
 * heard, and the rest goes. A musician who cuts in expects the roll to hold what was played
 * between them, as a recording of the exchange would: notes of the answer that never sounded would
 * lie under the new call (which lands where the answer was cut) and surprise them on the next
 * *Play*. So notes starting at `heard` or later are removed, a note sounding there ends there, and
 * with `heard` null (cut while the model wrote, or before its sound started) the whole answer
 * goes. The notes change within the answer's own undo step (no new step); an answer cut to
 * nothing that removed nothing leaves no step behind. The cursor goes back to `heard` (never
 * later than it was), or to `cursor` (where it was before the answer) when nothing was heard. Other notes are left as they are
 * (in *Insert* mode, the notes the answer moved later stay moved).
 *
 * @param heard - piece time the answer's sound had reached (null: nothing heard)
 */
export function cutAnswer(
  state: EditorState,
  ids: ReadonlySet<number>,
  heard: Seconds | null,
  cursor: Seconds,
): EditorState {
  const until = heard ?? -Infinity;
  const removed = new Set<number>();
  const notes = state.notes.flatMap((n) => {
    if (!ids.has(n.id)) return [n];
    if (n.time >= until) {
      removed.add(n.id);
      return [];
    }
    const duration = Math.max(MIN_DURATION, Math.min(n.duration, until - n.time));
    return [duration === n.duration ? n : { ...n, duration }];
  });
  const before = state.past[state.past.length - 1];
  const unchanged =
    before !== undefined &&
    before.notes.length === notes.length &&
    before.notes.every((n, i) => n === notes[i]);
  const selected = new Set([...state.selected].filter((id) => !removed.has(id)));
  return {
    ...state,
    notes,
    selected: removed.size === 0 ? state.selected : selected,
    cursor: heard === null ? cursor : Math.max(0, Math.min(heard, state.cursor)),
    past: unchanged && removed.size > 0 ? state.past.slice(0, -1) : state.past,
  };
}
