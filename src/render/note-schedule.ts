import { InvalidArgumentError } from '../errors.js';
import { checkPlayableNote } from '../score/check-note.js';
import type { Note } from '../score/note.js';

/**
 * Frames per synthesis block: the synthesizer updates envelopes, LFOs and filters once a block, and
 * note events take effect at block starts, so onsets and ends are rounded to the nearest block
 * (2.9 ms at 44.1 kHz; spessasynth_core's own sequencer does the same, fluidsynth uses 64 frames).
 * Every render uses the same grid from frame 0, which is what makes renders of disjoint note sets
 * add up exactly to the render of their union.
 */
export const BLOCK_FRAMES = 128;

/** The most notes one render takes: 2^21 (a piano piece of an hour holds about 50,000). */
export const MAX_NOTES = 2 ** 21;

/** The channels notes may use, in order of preference: all but 10 (index 9), the GM drum channel. */
const NOTE_CHANNELS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15] as const;

/** Order of events in one block: note-offs of sounding notes, note-ons, then offs of notes shorter than a block. */
const Rank = { Off: 0, On: 1, ShortOff: 2 } as const;

/**
 * Note-on and note-off events on the block grid, sorted by (block, rank), as parallel columns.
 * `velocity` is 0 for a note-off.
 */
export interface NoteSchedule {
  /** Number of events. */
  readonly length: number;
  /** Block at whose start the event takes effect. */
  readonly block: Int32Array;
  readonly channel: Uint8Array;
  readonly pitch: Uint8Array;
  /** 1..127 for a note-on, 0 for a note-off. */
  readonly velocity: Uint8Array;
  /** The block of the last note-off (0 when there are no notes). */
  readonly lastBlock: number;
}

/**
 * Turns notes into note-on/off events on the block grid. A note starts at the block nearest its
 * onset and ends at the block nearest its end (at the earliest in its start block; the synthesizer
 * then holds it 30 ms, its minimum). A note that starts while another of the same pitch still
 * sounds goes on another channel (the first free of 1..9, 11..16, as `writeMidi` does), so each
 * note-off releases its own note; every channel plays program 0. Only a 16th overlapping note of one
 * pitch shares a sounding channel (the one freed soonest).
 *
 * @param notes - the notes, in any order
 * @param sampleRate - frames per second
 * @returns the sorted events
 * @throws {InvalidArgumentError} When a note has a bad field: "note 3: pitch 130 is not an integer in 0..127".
 * @example scheduleNotes([{ pitch: 60, velocity: 90, time: 0, duration: 0.5 }], 44100).length; // 2
 */
export function scheduleNotes(notes: readonly Note[], sampleRate: number): NoteSchedule {
  const count = notes.length;
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  const blocksPerSecond = sampleRate / BLOCK_FRAMES;
  notes.forEach((note, i) => {
    checkPlayableNote(note, i);
    const start = Math.round(note.time * blocksPerSecond);
    starts[i] = start;
    ends[i] = Math.max(start, Math.round((note.time + note.duration) * blocksPerSecond));
  });
  // Event keys (block * 3 + rank) tell what comes first; a channel is free for a new note of a
  // pitch once the previous note's off key is below the new note's on key.
  const onKey = (i: number): number => starts[i]! * 3 + Rank.On;
  const offKey = (i: number): number => ends[i]! * 3 + (ends[i] === starts[i] ? Rank.ShortOff : Rank.Off);
  const order = Array.from({ length: count }, (_, i) => i).sort(
    (a, b) => starts[a]! - starts[b]! || ends[a]! - ends[b]!,
  );
  const channels = new Uint8Array(count);
  const lastOff = new Map<number, number[]>();
  for (const i of order) {
    const pitch = notes[i]!.pitch;
    let offs = lastOff.get(pitch);
    if (offs === undefined) lastOff.set(pitch, (offs = new Array<number>(NOTE_CHANNELS.length).fill(-1)));
    const on = onKey(i);
    let slot = offs.findIndex((off) => off < on);
    if (slot < 0) slot = offs.indexOf(Math.min(...offs));
    offs[slot] = offKey(i);
    channels[i] = NOTE_CHANNELS[slot] ?? 0;
  }
  // Sort events by key through packed doubles, key * 2^22 + event index: exact for up to 2^21 notes
  // and 2^29 blocks (3.9 days at 44.1 kHz).
  if (count > MAX_NOTES) {
    throw new InvalidArgumentError(`${count} notes is more than the renderer takes (${MAX_NOTES})`);
  }
  const packed = new Float64Array(2 * count);
  for (let i = 0; i < count; i++) {
    packed[2 * i] = onKey(i) * 2 ** 22 + 2 * i;
    packed[2 * i + 1] = offKey(i) * 2 ** 22 + 2 * i + 1;
  }
  packed.sort();
  const schedule = {
    length: 2 * count,
    block: new Int32Array(2 * count),
    channel: new Uint8Array(2 * count),
    pitch: new Uint8Array(2 * count),
    velocity: new Uint8Array(2 * count),
    lastBlock: 0,
  };
  for (let e = 0; e < packed.length; e++) {
    const event = packed[e]! % 2 ** 22;
    const i = event >>> 1;
    const isOn = (event & 1) === 0;
    const note = notes[i]!;
    schedule.block[e] = isOn ? starts[i]! : ends[i]!;
    schedule.channel[e] = channels[i]!;
    schedule.pitch[e] = note.pitch;
    schedule.velocity[e] = isOn ? note.velocity : 0;
    schedule.lastBlock = Math.max(schedule.lastBlock, ends[i]!);
  }
  return schedule;
}

/**
 * Splits notes into `parts` sets with no pitch in two sets, balancing the estimated synthesis work
 * (each note costs its duration plus one second of release, at most eight seconds). Rendering the
 * sets separately and adding the results gives the render of all notes: voices of different pitches
 * never interact, and notes of one pitch (which can cut each other off) stay together.
 *
 * @param notes - the notes
 * @param parts - the number of sets, >= 1
 * @returns `parts` arrays of notes (some empty when there are fewer pitches than parts)
 * @example partitionByPitch(score.notes, 2); // [notes for worker 1, notes for worker 2]
 */
export function partitionByPitch(notes: readonly Note[], parts: number): Note[][] {
  const cost = new Float64Array(128);
  for (const note of notes) {
    const pitch = note.pitch;
    if (pitch >= 0 && pitch <= 127) cost[pitch] = cost[pitch]! + Math.min(note.duration + 1, 8);
  }
  const loads = new Float64Array(parts);
  const owner = new Int32Array(128);
  const pitches = Array.from({ length: 128 }, (_, p) => p).sort((a, b) => cost[b]! - cost[a]!);
  for (const pitch of pitches) {
    let least = 0;
    for (let k = 1; k < parts; k++) if (loads[k]! < loads[least]!) least = k;
    owner[pitch] = least;
    loads[least] = loads[least]! + cost[pitch]!;
  }
  const sets = Array.from({ length: parts }, (): Note[] => []);
  for (const note of notes) sets[note.pitch >= 0 && note.pitch <= 127 ? owner[note.pitch]! : 0]!.push(note);
  return sets;
}
