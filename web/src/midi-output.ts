import type { Note, Seconds } from '../../src/public/index.js';
import type { BeatGrid } from '../../src/public/index.js';
import {
  clicksBetween,
  pieceTime,
  timelineFrom,
  timelineNotes,
  type Click,
  type Timeline,
} from './play-timeline.js';
import type { PlayOptions } from './playback.js';

/**
 * Playing on a MIDI device (a Disklavier, a synthesizer) instead of the built-in piano: the notes
 * become note-on and note-off messages on channel 1, sent with Web MIDI timestamps a quarter of a
 * second ahead of time, so the device plays them on time whatever the page is doing, and stopping
 * takes effect within that quarter second. Stopping lets go of every note sent and ends with
 * *all notes off* and the pedal up (unless a person plays on the same device through *thru*: then
 * only the player's own keys are let go). A loop goes round as with the piano. The metronome
 * clicks on the device too, as General MIDI percussion on channel 10: a high wood block (76) on
 * the first beat of a bar, a low one (77) on the others, each let go 50 ms later.
 */

/** One MIDI message at a time after the start of playing. */
export interface TimedMessage {
  readonly at: Seconds;
  readonly data: readonly number[];
}

/** The part of a Web MIDI output used (tests give their own). */
export interface MidiSink {
  send(data: number[], timestamp?: number): void;
  /** Drops messages sent ahead of time but not yet out (not every browser has it). */
  clear?(): void;
}

/** Messages go out this far ahead of their time (seconds)... */
const LOOKAHEAD = 0.25;
/** ...from a timer this often (ms). */
const TICK_MS = 50;
/** The first message goes this long after `play` (seconds). */
const START_DELAY = 0.05;
/** Notes added while playing must start at least this far ahead of the sound (seconds). */
const ADD_LEAD = 0.35;

/** The metronome: General MIDI channel 10 (0-based 9), its wood blocks, and how long a click lasts. */
const CLICK_CHANNEL = 9;
export const CLICK_DOWNBEAT = 76;
export const CLICK_BEAT = 77;
const CLICK_VELOCITY = { downbeat: 110, beat: 80 } as const;
const CLICK_SECONDS = 0.05;

/**
 * The messages of one metronome click: a note-on on channel 10 (General MIDI percussion), the
 * high wood block (76) on a downbeat and the low one (77) on other beats, and its note-off 50 ms
 * later (a percussion sound rings out as sampled; the note-off only tidies up).
 */
export function clickMessages(click: Click): TimedMessage[] {
  const note = click.downbeat ? CLICK_DOWNBEAT : CLICK_BEAT;
  const velocity = click.downbeat ? CLICK_VELOCITY.downbeat : CLICK_VELOCITY.beat;
  return [
    { at: click.at, data: [0x90 | CLICK_CHANNEL, note, velocity] },
    { at: click.at + CLICK_SECONDS, data: [0x80 | CLICK_CHANNEL, note, 0] },
  ];
}

/**
 * The messages that play `notes` (times from the start of playing), in time order: a note-off
 * before a note-on at the same time, and a note struck again while it still sounds is let go at
 * the new onset (on a MIDI device one key cannot sound twice).
 *
 * @param channel - 0..15 (default 0: channel 1)
 */
export function noteMessages(notes: readonly Note[], channel = 0): TimedMessage[] {
  const sorted = [...notes].sort((a, b) => a.time - b.time);
  const ends = new Map<number, { index: number; end: Seconds }>();
  const spans: { pitch: number; velocity: number; start: Seconds; end: Seconds }[] = [];
  for (const n of sorted) {
    const pitch = Math.min(127, Math.max(0, Math.round(n.pitch)));
    const earlier = ends.get(pitch);
    if (earlier !== undefined && earlier.end > n.time) spans[earlier.index]!.end = n.time;
    const end = n.time + Math.max(0, n.duration);
    ends.set(pitch, { index: spans.length, end });
    spans.push({ pitch, velocity: Math.min(127, Math.max(1, Math.round(n.velocity))), start: n.time, end });
  }
  const messages: (TimedMessage & { off: boolean })[] = [];
  for (const s of spans) {
    messages.push({ at: s.start, data: [0x90 | channel, s.pitch, s.velocity], off: false });
    messages.push({ at: s.end, data: [0x80 | channel, s.pitch, 0], off: true });
  }
  messages.sort((a, b) => a.at - b.at || Number(b.off) - Number(a.off));
  return messages.map(({ at, data }) => ({ at, data }));
}

/**
 * The messages that leave a device silent: every key let go, the pedal up, all notes off. With
 * `live` (the keys a person holds on the device through *thru*), only the keys sounding that the
 * person does not hold are let go: their pedal and their notes are theirs.
 */
export function silenceMessages(
  sounding: Iterable<number>,
  channel = 0,
  live: ReadonlySet<number> | null = null,
): number[][] {
  const offs = [...sounding].filter((pitch) => !live?.has(pitch)).map((pitch) => [0x80 | channel, pitch, 0]);
  return live === null ? [...offs, [0xb0 | channel, 64, 0], [0xb0 | channel, 123, 0]] : offs;
}

/** What a MIDI output does of `Playback`'s work (the page switches between the two). */
export interface MidiPlayer {
  play(notes: readonly Note[], from: Seconds, options?: PlayOptions): void;
  add(notes: readonly Note[]): number | null;
  stop(): void;
  readonly playing: boolean;
  position(): Seconds | null;
  /** Called when playing ends by itself or is stopped. */
  onEnd: () => void;
}

/**
 * A player on `sink`; `now` is the page's clock in ms (`performance.now()`); `live` gives the
 * pitches a person holds on channel 1 of the same device through *thru* (null: thru is off).
 */
export function createMidiPlayer(
  sink: MidiSink,
  now: () => number = () => performance.now(),
  live: () => ReadonlySet<number> | null = () => null,
): MidiPlayer {
  let job: {
    timeline: Timeline;
    notes: Note[];
    messages: TimedMessage[];
    next: number;
    startMs: number;
    timer: ReturnType<typeof setInterval>;
    sounding: Set<number>;
    lastStamp: number;
    /** The metronome's grid now (null: no click), and how far (seconds of playing) it is sent. */
    click: () => BeatGrid | null;
    clickedUntil: number;
  } | null = null;

  /** Sends the clicks up to `until` seconds of playing, stamped with their times. */
  const sendClicks = (until: number): void => {
    if (job === null) return;
    const grid = job.click();
    const from = job.clickedUntil;
    job.clickedUntil = Math.max(from, until);
    if (grid === null || until <= from) return;
    for (const click of clicksBetween(job.timeline, grid, from, until))
      for (const { at, data } of clickMessages(click)) sink.send([...data], job.startMs + at * 1000);
  };

  const pump = (): void => {
    if (job === null) return;
    const until = (now() - job.startMs) / 1000 + LOOKAHEAD;
    sendClicks(until);
    while (job.next < job.messages.length && job.messages[job.next]!.at <= until) {
      const { at, data } = job.messages[job.next++]!;
      const stamp = job.startMs + at * 1000;
      sink.send([...data], stamp);
      job.lastStamp = Math.max(job.lastStamp, stamp);
      if ((data[0]! & 0xf0) === 0x90) job.sounding.add(data[1]!);
      else job.sounding.delete(data[1]!);
    }
    if (job.next >= job.messages.length && now() >= job.lastStamp) finish();
  };

  const finish = (): void => {
    if (job === null) return;
    const ended = job;
    job = null;
    clearInterval(ended.timer);
    if (ended.next < ended.messages.length || ended.sounding.size > 0) sink.clear?.();
    // Silence now, and again after the messages already queued for later (where the device
    // cannot drop them, they still go out).
    const silence = silenceMessages(ended.sounding, 0, live());
    for (const data of silence) sink.send(data, now());
    if (ended.lastStamp > now()) for (const data of silence) sink.send(data, ended.lastStamp + 1);
    player.onEnd();
  };

  const player: MidiPlayer = {
    play(notes, from, options = {}) {
      finish();
      const timeline = timelineFrom(from, options.loop ?? null);
      const heard = timelineNotes(notes, timeline);
      job = {
        timeline,
        notes: heard,
        messages: noteMessages(heard),
        next: 0,
        startMs: now() + START_DELAY * 1000,
        timer: setInterval(pump, TICK_MS),
        sounding: new Set(),
        lastStamp: 0,
        click: options.click ?? (() => null),
        clickedUntil: 0,
      };
      pump();
    },
    add(notes) {
      if (job === null || job.timeline.loop !== null) return null;
      const soon = (now() - job.startMs) / 1000 + ADD_LEAD;
      const { from } = job.timeline;
      const ahead = notes.filter((n) => n.time - from >= soon).map((n) => ({ ...n, time: n.time - from }));
      if (ahead.length === 0) return 0;
      const sent = job.messages[job.next - 1]?.at ?? -Infinity;
      job.notes = [...job.notes, ...ahead];
      job.messages = noteMessages(job.notes);
      job.next = job.messages.findIndex((m) => m.at > sent);
      if (job.next < 0) job.next = job.messages.length;
      return ahead.length;
    },
    stop: finish,
    get playing() {
      return job !== null;
    },
    position() {
      return job === null ? null : pieceTime(job.timeline, (now() - job.startMs) / 1000);
    },
    onEnd: () => {},
  };
  return player;
}
