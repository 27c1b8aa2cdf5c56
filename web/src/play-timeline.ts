import { beatsBetween, type BeatGrid, type Note, type Seconds } from '../../src/public/index.js';
import type { TimeRange } from './editor-state.js';

/**
 * What one *Play* sounds, as plain functions of time (tested without audio): the notes from a start,
 * or with a loop the notes up to the loop's end and then the loop's notes again and again; where in
 * the piece the sound is after some seconds of playing; and when the metronome clicks.
 */

/** Where a play starts, and the range it repeats (null: play to the end). */
export interface Timeline {
  readonly from: Seconds;
  readonly loop: TimeRange | null;
}

/** A loop is rendered ahead up to this long, or this many notes; then playback ends. */
export const LOOP_MAX_SECONDS = 600;
export const LOOP_MAX_NOTES = 6000;

/**
 * The notes heard when playing from `from`, moved so that `from` is 0: those starting later, and
 * those already sounding at `from` (shortened to what is left of them).
 */
export function notesFrom(notes: readonly Note[], from: Seconds): Note[] {
  const heard: Note[] = [];
  for (const n of notes) {
    const end = n.time + n.duration;
    if (n.time >= from)
      heard.push({ pitch: n.pitch, velocity: n.velocity, time: n.time - from, duration: n.duration });
    else if (end > from) heard.push({ pitch: n.pitch, velocity: n.velocity, time: 0, duration: end - from });
  }
  return heard;
}

/**
 * Where a play starts: `from`, or with a loop that does not hold it, the loop's start (a play
 * always goes round the loop).
 */
export function timelineFrom(from: Seconds, loop: TimeRange | null): Timeline {
  if (loop === null || loop.end - loop.start < 0.05) return { from, loop: null };
  return { from: from >= loop.start && from < loop.end ? from : loop.start, loop };
}

/**
 * The notes a timeline sounds, from 0: without a loop `notesFrom`; with one, the notes from `from`
 * to the loop's end, then the notes starting inside the loop, once per turn, each cut at the
 * loop's end (the piano's release and the reverb carry on), up to 10 minutes or 6,000 notes.
 */
export function timelineNotes(notes: readonly Note[], timeline: Timeline): Note[] {
  const { from, loop } = timeline;
  if (loop === null) return notesFrom(notes, from);
  const cut = (n: Note, start: Seconds, at: Seconds): Note => ({
    pitch: n.pitch,
    velocity: n.velocity,
    time: at,
    duration: Math.max(0, Math.min(n.time + n.duration, loop.end) - start),
  });
  const heard: Note[] = [];
  for (const n of notes) {
    if (n.time >= loop.end) continue;
    if (n.time >= from) heard.push(cut(n, n.time, n.time - from));
    else if (n.time + n.duration > from) heard.push(cut(n, from, 0));
  }
  const inLoop = notes.filter((n) => n.time >= loop.start && n.time < loop.end);
  const length = loop.end - loop.start;
  for (let turn = loop.end - from; turn < LOOP_MAX_SECONDS; turn += length) {
    if (heard.length + inLoop.length > LOOP_MAX_NOTES && heard.length > 0) break;
    for (const n of inLoop) heard.push(cut(n, n.time, turn + n.time - loop.start));
  }
  return heard;
}

/** Where in the piece the sound is after `elapsed` seconds of playing the timeline. */
export function pieceTime(timeline: Timeline, elapsed: Seconds): Seconds {
  const { from, loop } = timeline;
  const t = from + Math.max(0, elapsed);
  if (loop === null || t < loop.end) return t;
  const length = loop.end - loop.start;
  return loop.start + ((t - loop.end) % length);
}

/** A metronome click: seconds from the start of playing, and whether it starts a bar. */
export interface Click {
  readonly at: Seconds;
  readonly downbeat: boolean;
}

/** The clicks of `grid`'s beats heard between `r0` (included) and `r1` seconds of playing. */
export function clicksBetween(timeline: Timeline, grid: BeatGrid, r0: Seconds, r1: Seconds): Click[] {
  const { from, loop } = timeline;
  const clicks: Click[] = [];
  /** The beats of piece time [a, b) heard at `shift` + piece time, clipped to [r0, r1). */
  const add = (a: Seconds, b: Seconds, shift: Seconds): void => {
    const lo = Math.max(a, r0 - shift);
    const hi = Math.min(b, r1 - shift);
    if (hi <= lo) return;
    for (const beat of beatsBetween(grid, lo, hi)) {
      if (beat.time >= hi - 1e-9) continue;
      clicks.push({ at: beat.time + shift, downbeat: beat.beat === 0 });
    }
  };
  if (loop === null) {
    add(from, Infinity, -from);
    return clicks;
  }
  add(from, loop.end, -from);
  const length = loop.end - loop.start;
  const first = Math.max(0, Math.floor((r0 - (loop.end - from)) / length));
  for (let turn = first; loop.end - from + turn * length < r1; turn++) {
    add(loop.start, loop.end, loop.end - from + turn * length - loop.start);
  }
  return clicks;
}

/** While the model writes during playback, its notes are added this far ahead of the playhead... */
export const LIVE_AHEAD = 8;
/** ...in batches of at least this many seconds of music (each batch is one more render). */
export const LIVE_BATCH = 2;

/**
 * Which of the notes the model has written so far (sorted by onset, piece time) to add to the sound
 * now: those from `sentUntil` (or the playhead, if later) up to 8 s ahead of the playhead, and only
 * below the last onset written (a chord there may not be complete). Nothing until the batch holds
 * 2 s of music, unless the notes are needed sooner. Returns the notes and how far they go.
 */
export function liveBatch(
  written: readonly Note[],
  sentUntil: Seconds,
  playhead: Seconds,
): { notes: Note[]; until: Seconds } | null {
  const last = written[written.length - 1];
  if (last === undefined) return null;
  const from = Math.max(sentUntil, playhead);
  const until = Math.min(last.time, playhead + LIVE_AHEAD);
  if (until <= from) return null;
  if (until - from < LIVE_BATCH && from - playhead > LIVE_BATCH) return null;
  return { notes: written.filter((n) => n.time >= from && n.time < until), until };
}
