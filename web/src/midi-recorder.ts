import { clampPitch, type Note, type Seconds } from '../../src/public/index.js';
import { applySustain } from '../../src/public/internals.js';
import { applyEdit, MIN_DURATION, type EditorNote, type EditorState } from './editor-state.js';
import { isPedal, type MidiEvent, type Milliseconds } from './midi-input.js';

/**
 * Recording from a MIDI keyboard, as plain functions (tested without a browser): a *take* is the
 * events played since recording started (or since the model last answered), turned into notes
 * at a place in the piece, and written into the editor as one undo step that grows as it is
 * played.
 *
 * Notes are read as `howl import` reads a file: keys paired first in, first out per channel and
 * pitch, the sustain pedal (CC64) applied per channel by the library's own `applySustain` (a key
 * released while the pedal is down sounds until the pedal lifts; a key struck again under the
 * pedal ends the sound before it), pitches brought into the model's 0..119 by octave, channel 10
 * (drums) left out. A key still down, or a pedal still down, holds its notes until now.
 *
 * Two pedals the importer leaves out are read here too (a file's CC66 and CC67 are still ignored by
 * `howl import`):
 * - The sostenuto pedal (CC66), per channel: the notes whose keys are down at the moment it goes
 *   down sound until it lifts (or until the key is let go, if later); notes struck while it is
 *   down are not held by it. A held note struck again ends at the new onset (one key cannot sound
 *   twice), and the new note lasts as played. The sustain pedal then applies on top, from the later
 *   of the key's release and the sostenuto's: a damper falls only when the key, the sostenuto and
 *   the sustain pedal have all let go of it.
 * - The soft pedal (una corda, CC67) changes nothing in the notes: the piece's notes hold only a
 *   pitch, a velocity and times, so their velocities are kept exactly as played (as the importer
 *   keeps them), and the pedal is not scaled into them. It stays in the take's events, and *thru*
 *   forwards it to a MIDI output as it is played (`midi-thru.ts`).
 */

/** Where a take sits in the piece: its clock time `clockMs` is piece time `piece`. */
export interface TakeAnchor {
  readonly piece: Seconds;
  readonly clockMs: Milliseconds;
}

/** Channel 10, which General MIDI gives to drums (0-based). */
const DRUM_CHANNEL = 9;

/** A note while the events are paired: clock times. */
interface Played {
  readonly channel: number;
  readonly pitch: number;
  readonly velocity: number;
  readonly start: Milliseconds;
  end: Milliseconds;
  /** Caught by the sostenuto pedal: held until it lifts (NaN: while it is still down). */
  sostenutoUntil?: Milliseconds;
}

/**
 * The keys of `events` paired into notes (first in, first out); keys still down end at `now`.
 * Notes whose keys are down when the sostenuto pedal goes down get `sostenutoUntil`.
 */
function pairKeys(events: readonly MidiEvent[], now: Milliseconds): Played[] {
  const played: Played[] = [];
  const open = new Map<number, Played[]>();
  /** Per channel: the notes the sostenuto pedal holds while it is down. */
  const caught = new Map<number, Played[]>();
  const release = (note: Played, time: Milliseconds): void => {
    note.end = Math.max(note.start, time);
  };
  for (const event of events) {
    if (event.channel === DRUM_CHANNEL) continue;
    if (event.type === 'sostenuto') {
      catchBySostenuto(event, open, caught);
      continue;
    }
    if (isPedal(event)) continue;
    if (event.type === 'all-off') {
      for (const [key, notes] of open) {
        if (key >> 7 !== event.channel) continue;
        for (const note of notes) release(note, event.time);
        open.delete(key);
      }
      continue;
    }
    const key = event.channel * 128 + event.pitch;
    if (event.type === 'note-on') {
      const note: Played = { ...event, start: event.time, end: NaN };
      played.push(note);
      open.set(key, [...(open.get(key) ?? []), note]);
    } else {
      const [oldest, ...rest] = open.get(key) ?? [];
      if (oldest === undefined) continue; // a key held before recording started
      release(oldest, event.time);
      if (rest.length > 0) open.set(key, rest);
      else open.delete(key);
    }
  }
  for (const notes of open.values()) for (const note of notes) release(note, now);
  holdBySostenuto(played, now);
  return played;
}

/**
 * The sostenuto pedal going down catches the channel's keys down now; going up, it sets how long
 * they are held. A press while it is already down catches nothing more (the pedal is held).
 */
function catchBySostenuto(
  event: Extract<MidiEvent, { type: 'sostenuto' }>,
  open: ReadonlyMap<number, readonly Played[]>,
  caught: Map<number, Played[]>,
): void {
  const held = caught.get(event.channel);
  if (event.down) {
    if (held !== undefined) return;
    const down: Played[] = [];
    for (const [key, notes] of open) if (key >> 7 === event.channel) down.push(...notes);
    for (const note of down) note.sostenutoUntil = NaN;
    caught.set(event.channel, down);
  } else if (held !== undefined) {
    for (const note of held) note.sostenutoUntil = event.time;
    caught.delete(event.channel);
  }
}

/**
 * Extends the notes the sostenuto pedal caught to its release (`now` while it is still down), but
 * not past the next onset of the same key.
 */
function holdBySostenuto(played: Played[], now: Milliseconds): void {
  played.forEach((note, i) => {
    if (note.sostenutoUntil === undefined) return;
    const until = Number.isNaN(note.sostenutoUntil) ? now : note.sostenutoUntil;
    const next = played.find(
      (n, j) => j > i && n.channel === note.channel && n.pitch === note.pitch && n.start >= note.start,
    );
    note.end = Math.max(note.end, Math.min(until, next?.start ?? Infinity));
  });
}

/** Extends the notes' ends by the pedal (the importer's rules); returns the notes it removes. */
function sustain(played: Played[], events: readonly MidiEvent[], now: Milliseconds): Uint8Array | undefined {
  const pedals = events.filter((e): e is Extract<MidiEvent, { type: 'pedal' }> => e.type === 'pedal');
  if (pedals.length === 0 || played.length === 0) return undefined;
  // Whole microseconds from the first event play the part of a file's ticks.
  const base = events[0]!.time;
  const tick = (time: Milliseconds): number => Math.round((time - base) * 1000);
  const notes = {
    count: played.length,
    start: Float64Array.from(played, (n) => tick(n.start)),
    end: Float64Array.from(played, (n) => tick(n.end)),
    group: Int32Array.from(played, (n) => n.channel),
    pitch: Int32Array.from(played, (n) => n.pitch),
  };
  const removed = applySustain(
    notes,
    {
      count: pedals.length,
      tick: Float64Array.from(pedals, (p) => tick(p.time)),
      group: Int32Array.from(pedals, (p) => p.channel),
      down: Uint8Array.from(pedals, (p) => (p.down ? 1 : 0)),
    },
    () => tick(now), // a pedal still down holds its notes until now
  );
  played.forEach((n, i) => (n.end = base + notes.end[i]! / 1000));
  return removed;
}

/**
 * The notes of a take, in piece time, sorted by onset (then pitch).
 *
 * @param events - what was played, in the order it came
 * @param anchor - where the take sits in the piece
 * @param now - the clock now: keys and the pedal still down hold their notes until then
 * @returns notes of at least 10 ms, none before 0 s
 * @example
 * // C4 pressed at 1000 ms and released at 1500 ms, the pedal down 1200–2500 ms, anchored at 4 s:
 * takeNotes(events, { piece: 4, clockMs: 1000 }, 3000); // [{ pitch: 60, time: 4, duration: 1.5, … }]
 */
export function takeNotes(events: readonly MidiEvent[], anchor: TakeAnchor, now: Milliseconds): Note[] {
  const played = pairKeys(events, now);
  const removed = sustain(played, events, now);
  const notes: Note[] = [];
  played.forEach((n, i) => {
    if (removed?.[i]) return;
    notes.push({
      pitch: clampPitch(n.pitch),
      velocity: Math.min(127, Math.max(1, n.velocity)),
      time: Math.max(0, anchor.piece + (n.start - anchor.clockMs) / 1000),
      duration: Math.max(MIN_DURATION, (n.end - n.start) / 1000),
    });
  });
  return notes.sort((a, b) => a.time - b.time || a.pitch - b.pitch);
}

/** How the piece's time follows the clock (a sound playing), and the latest a take may start. */
export interface Follow {
  readonly piece: Seconds;
  readonly clockMs: Milliseconds;
  readonly latest: Seconds;
}

/**
 * Where a take whose first key came at `firstMs` starts: at the cursor; or, following a sound
 * (the piece playing, the model's answer), where that sound was when the key came, but no later
 * than `follow.latest`.
 */
export function takeAnchor(firstMs: Milliseconds, cursor: Seconds, follow: Follow | null): TakeAnchor {
  if (follow === null) return { piece: cursor, clockMs: firstMs };
  const heard = follow.piece + (firstMs - follow.clockMs) / 1000;
  return { piece: Math.max(0, Math.min(heard, follow.latest)), clockMs: firstMs };
}

/** A take written into the editor: the ids its notes have there, in the order of `takeNotes`. */
export type TakeIds = readonly number[];

/**
 * Writes a take's notes into the piece, beside the notes already there. The first write is one
 * undo step; later writes of the same take (more keys played, notes growing) replace its notes
 * without adding steps, keeping their ids. If the take's notes are gone (undone), it starts again
 * as a new step.
 *
 * @param state - the editor, not generating
 * @param take - the ids from the last write of this take (empty: a new take)
 * @param notes - the take's notes now (`takeNotes`)
 * @returns the new state and the ids of the take's notes
 */
export function writeTake(
  state: EditorState,
  take: TakeIds,
  notes: readonly Note[],
): { state: EditorState; take: TakeIds } {
  const mine = new Set(take);
  const present = take.length > 0 && state.notes.some((n) => mine.has(n.id));
  let nextId = state.nextId;
  const ids = notes.map((_, i) => (present && i < take.length ? take[i]! : nextId++));
  const written: EditorNote[] = notes.map((n, i) => ({ ...n, id: ids[i]! }));
  const others = present ? state.notes.filter((n) => !mine.has(n.id)) : state.notes;
  const merged = [...others, ...written].sort((a, b) => a.time - b.time);
  const selected = present
    ? new Set([...state.selected].filter((id) => !mine.has(id) || ids.includes(id)))
    : state.selected;
  const next = present
    ? { ...state, notes: merged, nextId, selected }
    : applyEdit(state, merged, selected, nextId);
  return { state: next, take: ids };
}

/** The latest end of some notes (where the cursor goes after a take), or null for none. */
export function takeEnd(notes: readonly Note[]): Seconds | null {
  return notes.length === 0 ? null : Math.max(...notes.map((n) => n.time + n.duration));
}
