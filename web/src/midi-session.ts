import type { Note, Seconds } from '../../src/public/index.js';
import {
  answerLimit,
  answerStep,
  cutAnswer,
  startAnswering,
  type AnswerInput,
  type AnswerPhase,
  type AnswerSettings,
  type AnswerState,
} from './answer-mode.js';
import { cursorIndex, setCursor, type EditorState } from './editor-state.js';
import type { GenerationControl } from './generation-control.js';
import { heldAfter, isPedal, type MidiEvent, type Milliseconds } from './midi-input.js';
import {
  takeAnchor,
  takeEnd,
  takeNotes,
  writeTake,
  type Follow,
  type TakeAnchor,
  type TakeIds,
} from './midi-recorder.js';

/**
 * *Record* and *Answer* with a MIDI keyboard: the keyboard's events become a take in the piece
 * (`midi-recorder.ts`), written as they come, and in *Answer* mode the pause detector
 * (`answer-mode.ts`) asks the model to continue from them through the page's own generation
 * (the composer worker), then plays the answer and listens again. A key struck while the model
 * writes or the answer sounds cuts the answer off: the model and the sound stop, the piece keeps
 * the answer as far as it was heard (`cutAnswer`), and that key starts the next call, where the
 * answer stopped. No DOM here: the page's wiring (`midi-control.ts`) feeds it messages and shows
 * its state.
 */
export interface MidiSessionHost {
  readonly getState: () => EditorState;
  /** Changes the state without restarting the sound (what is played is heard on the keyboard). */
  readonly write: (change: (s: EditorState) => EditorState) => void;
  readonly generation: GenerationControl;
  /** Where answers are played, and whose playhead a take follows. */
  readonly player: {
    /** Plays only these notes, from `from`; resolves when the sound has started. */
    play(notes: readonly Note[], from: Seconds): Promise<void>;
    /** Where the sound is in the piece, or null when nothing plays. */
    position(): Seconds | null;
    readonly playing: boolean;
    /** Stops the sound at once (an answer cut off). */
    stop(): void;
  };
  readonly answerSettings: () => AnswerSettings;
  readonly modelReady: () => boolean;
  readonly say: (text: string, error?: boolean) => void;
  /** Recording or the answer's phase changed (the toolbar shows it). */
  readonly changed: () => void;
  /** The roll keeps this time in view. */
  readonly follow: (time: Seconds) => void;
  /** The page's clock in ms (default `performance.now()`). */
  readonly now?: () => Milliseconds;
}

export interface MidiSession {
  /** A message from the chosen input, parsed. */
  message(event: MidiEvent): void;
  toggleRecord(): void;
  toggleAnswer(): void;
  readonly recording: boolean;
  /** *Answer* is on. */
  readonly answering: boolean;
  /** For the status line and the tests. */
  readonly figures: {
    phase: 'off' | AnswerState['phase'];
    answers: number;
    takes: number;
    /** Notes in the piece the model answered with, last time. */
    answered: number;
    /** Answers cut off by a key. */
    cuts: number;
  };
}

/** The session's timer (ms): held notes grow, the pause is checked. */
const TICK_MS = 50;

/** A take being played: its events, where it sits (from its first key), the ids of its notes. */
interface Take {
  readonly events: MidiEvent[];
  anchor: TakeAnchor | null;
  ids: TakeIds;
  held: ReadonlySet<number>;
  /** The sustain or the sostenuto pedal is down (notes grow until it lifts). */
  pedal: boolean;
  sostenuto: boolean;
  dirty: boolean;
  notes: Note[];
}

/** The answer being written or played: what a cut needs to know. */
interface Reply {
  /** Ids from here on are the model's (nothing else is written while it writes). */
  readonly firstId: number;
  /** The cursor before the answer (where it goes back to when nothing was heard). */
  readonly cursor: Seconds;
  /** The answer's notes, once written. */
  ids: ReadonlySet<number> | null;
  /** A key cut it off. */
  cut: boolean;
}

/** What the session's parts share. */
interface Session {
  readonly host: MidiSessionHost;
  readonly now: () => Milliseconds;
  recording: boolean;
  /** *Answer* turned recording on (and so turns it off). */
  answerStartedRecording: boolean;
  answer: AnswerState | null;
  reply: Reply | null;
  take: Take | null;
  /** After an answer: how piece time follows the clock, so the next call lands where it was heard. */
  follow: Follow | null;
  timer: ReturnType<typeof setInterval> | undefined;
  readonly figures: MidiSession['figures'];
}

/** Where a take's first key lands: following the sound when one plays, else at the cursor. */
function anchorOf(s: Session, firstMs: Milliseconds): TakeAnchor {
  const at = s.host.player.position();
  const latest = s.follow?.latest ?? Infinity;
  const following = at !== null ? { piece: at, clockMs: s.now(), latest } : s.follow;
  return takeAnchor(firstMs, s.host.getState().cursor, following);
}

/** Writes the take into the piece, unless the model is writing (then it waits). */
function flush(s: Session): void {
  const { take, host } = s;
  if (take === null || host.getState().generation !== null || s.answer?.phase === 'writing') return;
  const first = take.events.find((e) => e.type === 'note-on');
  if (first === undefined) return;
  take.anchor ??= anchorOf(s, first.time);
  take.notes = takeNotes(take.events, take.anchor, s.now());
  const written = writeTake(host.getState(), take.ids, take.notes);
  if (take.ids.length === 0) s.figures.takes++;
  take.ids = written.take;
  take.dirty = false;
  host.write(() => written.state);
  const end = takeEnd(take.notes);
  if (end !== null && !host.player.playing) host.follow(end);
}

/** Ends the take: its last notes written, the cursor after them (where *Generate* goes on). */
function endTake(s: Session): void {
  flush(s);
  const ended = s.take;
  s.take = null;
  const end = ended === null || ended.ids.length === 0 ? null : takeEnd(ended.notes);
  if (end !== null) s.host.write((state) => setCursor(state, end));
}

/** Tells *Answer* what happened; asks the model when the pause has come. */
function step(s: Session, input: AnswerInput): void {
  if (s.answer === null) return;
  const before = s.answer.phase;
  const next = answerStep(s.answer, input, s.host.answerSettings());
  s.answer = next.state;
  s.figures.phase = s.answer.phase;
  s.figures.answers = s.answer.answers;
  if (next.cut) cutOff(s, before, input.type === 'midi' ? input.event.time : s.now());
  if (next.answer) void respond(s);
  if (s.answer.phase !== before) s.host.changed();
}

/**
 * A key came in over the answer at `time`: stops the model (the answer is trimmed once it has
 * stopped) or the sound, and keeps in the piece what was heard up to the key; the take then starts
 * right there.
 */
function cutOff(s: Session, phase: AnswerPhase, time: Milliseconds): void {
  const { reply, host } = s;
  if (reply === null || reply.cut) return;
  reply.cut = true;
  s.figures.cuts++;
  host.say('Cut in: the answer stops where you came in.');
  if (phase === 'writing') {
    if (host.getState().generation !== null) return host.generation.stop(); // `respond` trims
    host.player.stop(); // its sound may be starting (`respond` stops it again once it has)
    return trim(s, reply, null);
  }
  const at = host.player.position();
  host.player.stop();
  if (at === null) return trim(s, reply, Infinity); // it had just ended: all of it was heard
  // Where the sound was when the key came (a moment before it was handled here).
  const now = s.now();
  const heard = Math.max(0, at - Math.max(0, now - time) / 1000);
  s.follow = { piece: heard, clockMs: time, latest: heard };
  trim(s, reply, heard);
}

/** Keeps of a cut answer what was heard up to `heard` (null: none of it). */
function trim(s: Session, reply: Reply, heard: Seconds | null): void {
  if (s.reply === reply) s.reply = null;
  const ids =
    reply.ids ??
    new Set(
      s.host
        .getState()
        .notes.filter((n) => n.id >= reply.firstId)
        .map((n) => n.id),
    );
  if (heard === null) s.follow = null; // nothing was heard: the next call goes at the cursor
  s.host.write((state) => cutAnswer(state, ids, heard, reply.cursor));
}

/** The pause came: the model continues from the call, and the answer is played. */
async function respond(s: Session): Promise<void> {
  endTake(s);
  const { host, now } = s;
  const settings = host.answerSettings();
  const { generation } = host;
  if (!host.modelReady() || generation.status !== 'idle') {
    host.say(host.modelReady() ? 'The model is busy: no answer this time.' : 'The model is still loading.');
    return step(s, { type: 'written', time: now(), until: null });
  }
  const firstId = host.getState().nextId;
  const reply: Reply = { firstId, cursor: host.getState().cursor, ids: null, cut: false };
  s.reply = reply;
  const limit = answerLimit(settings);
  await generation.start(cursorIndex(host.getState()), limit.count, limit.seconds);
  if (reply.cut) return trim(s, reply, null);
  const notes = host.getState().notes.filter((n) => n.id >= firstId);
  reply.ids = new Set(notes.map((n) => n.id));
  s.figures.answered = notes.length;
  if (s.answer === null || notes.length === 0) {
    if (s.reply === reply) s.reply = null;
    return step(s, { type: 'written', time: now(), until: null });
  }
  const first = notes[0]!.time;
  const last = takeEnd(notes)!;
  await host.player.play(notes, first);
  if (reply.cut) return host.player.stop(); // cut in before the sound started: already trimmed
  const at = host.player.position() ?? first;
  s.follow = { piece: at, clockMs: now(), latest: last + settings.pause };
  step(s, { type: 'written', time: now(), until: now() + (last - at) * 1000 });
  flush(s); // what was played while the model wrote
}

function setRecording(s: Session, on: boolean): void {
  if (on === s.recording) return;
  s.recording = on;
  clearInterval(s.timer);
  if (on) {
    s.timer = setInterval(() => {
      const { take } = s;
      if (take !== null && (take.dirty || take.held.size > 0 || take.pedal || take.sostenuto)) flush(s);
      step(s, { type: 'tick', time: s.now() });
    }, TICK_MS);
  } else {
    endTake(s);
    stopAnswering(s);
  }
  s.host.changed();
}

function stopAnswering(s: Session): void {
  s.answer = null;
  s.reply = null;
  s.follow = null;
  s.figures.phase = 'off';
}

/** Turns *Answer* on: recording too, and a call starts with the next key. */
function startAnswer(s: Session): void {
  s.answerStartedRecording = !s.recording;
  endTake(s);
  setRecording(s, true);
  s.answer = startAnswering(s.now());
  s.figures.phase = s.answer.phase;
  s.host.changed();
  const { pause, length, unit } = s.host.answerSettings();
  s.host.say(`Answer mode: play, pause ${pause} s, and the model answers with ${length} ${unit} (A stops).`);
}

/** Starts a session: nothing recorded until *Record* or *Answer*. */
export function createMidiSession(host: MidiSessionHost): MidiSession {
  const s: Session = {
    host,
    now: host.now ?? (() => performance.now()),
    recording: false,
    answerStartedRecording: false,
    answer: null,
    reply: null,
    take: null,
    follow: null,
    timer: undefined,
    figures: { phase: 'off', answers: 0, takes: 0, answered: 0, cuts: 0 },
  };
  return {
    message(event) {
      if (!s.recording) return;
      const take = (s.take ??= {
        events: [],
        anchor: null,
        ids: [],
        held: new Set(),
        pedal: false,
        sostenuto: false,
        dirty: false,
        notes: [],
      });
      take.events.push(event);
      take.held = heldAfter(take.held, event);
      if (event.type === 'pedal') take.pedal = event.down;
      if (event.type === 'sostenuto') take.sostenuto = event.down;
      take.dirty = true;
      step(s, { type: 'midi', event });
      if (!isPedal(event)) flush(s);
    },
    toggleRecord() {
      s.answerStartedRecording = false;
      setRecording(s, !s.recording);
      host.say(s.recording ? 'Recording: play on the MIDI keyboard (R stops).' : 'Recording stopped.');
    },
    toggleAnswer() {
      if (s.answer === null) return startAnswer(s);
      stopAnswering(s);
      if (s.answerStartedRecording) setRecording(s, false);
      host.changed();
      host.say('Answer mode off.');
    },
    get recording() {
      return s.recording;
    },
    get answering() {
      return s.answer !== null;
    },
    figures: s.figures,
  };
}
