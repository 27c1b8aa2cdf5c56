import { InvalidArgumentError } from '../errors.js';
import { checkPlayableNote } from '../score/check-note.js';
import { METER_DENOMINATORS, type Meter } from '../score/meter.js';
import type { Note, Score } from '../score/note.js';

/** Options for `writeMidi`. */
export interface WriteMidiOptions {
  /** Time division, 1..32767. Default 960: at 120 bpm one tick is 0.52 ms. */
  ticksPerQuarter?: number;
  /** The one fixed tempo, in quarter notes per minute, > 0. Default 120. */
  bpm?: number;
  /** General MIDI program (0-based), set on every channel used. Default 0, Acoustic Grand Piano. */
  program?: number;
  /** Written as the track's name (UTF-8) when given. */
  trackName?: string;
  /**
   * A time signature written at the start (numerator 1..255, denominator 1, 2, 4 ... 32), so a
   * sequencer shows the bars; none when not given (readers then assume 4/4).
   */
  timeSignature?: Meter;
}

/** Default time division: 960 ticks per quarter note. */
export const DEFAULT_TICKS_PER_QUARTER = 960;
/** Default tempo: 120 bpm. */
export const DEFAULT_BPM = 120;

/** Largest delta time a MIDI variable-length quantity holds. */
const MAX_DELTA = 0x0fffffff;
/** Release velocity of note-offs: 64, what the MIDI spec asks of senders without release sensing. */
const RELEASE_VELOCITY = 64;

/** Order of events on the same tick: note-offs of sounding notes, then note-ons, then zero-length offs. */
const Rank = { Off: 0, On: 1, ZeroLengthOff: 2 } as const;
type Rank = (typeof Rank)[keyof typeof Rank];

/** The channels notes may use, in order of preference: all but 10 (index 9), the GM drum channel. */
const NOTE_CHANNELS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15] as const;

interface Span {
  pitch: number;
  velocity: number;
  on: number;
  off: number;
}

interface TimedEvent {
  tick: number;
  rank: Rank;
  pitch: number;
  channel: number;
  velocity: number;
  /** For an on: its off's tick (shorter first, so FIFO pairing matches). For an off: its on's tick. */
  other: number;
}

function checkInteger(value: number | undefined, name: string, low: number, high: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= low && value <= high)) {
    throw new InvalidArgumentError(`${name} ${String(value)} is not an integer in ${low}..${high}`);
  }
}

/**
 * Gives each note a channel: the first of `NOTE_CHANNELS` on which no note of the same pitch is
 * still sounding at its onset, so overlapping same-pitch notes (e.g. from merged tracks) land on
 * different channels and every reader pairs their ends correctly. Notes are placed in (onset, end)
 * order. Only with 16 overlapping notes of one pitch does a note share a sounding channel (the one
 * freed soonest).
 */
function assignChannels(spans: readonly Span[]): number[] {
  const channels = new Array<number>(spans.length).fill(0);
  const order = spans
    .map((_, i) => i)
    .sort((a, b) => {
      const x = spans[a] as Span;
      const y = spans[b] as Span;
      return x.on - y.on || x.off - y.off;
    });
  // Per pitch, the off tick of the last note placed on each channel.
  const lastOff = new Map<number, number[]>();
  for (const i of order) {
    const { pitch, on } = spans[i] as Span;
    let offs = lastOff.get(pitch);
    if (offs === undefined)
      lastOff.set(pitch, (offs = new Array<number>(NOTE_CHANNELS.length).fill(-Infinity)));
    let slot = offs.findIndex((off) => off <= on);
    if (slot < 0) slot = offs.indexOf(Math.min(...offs));
    offs[slot] = (spans[i] as Span).off;
    channels[i] = NOTE_CHANNELS[slot] ?? 0;
  }
  return channels;
}

/**
 * A fixed-size byte buffer written front to back. `writeMidi` sizes it from an upper bound, so
 * writing is linear in the number of events (midi-file 1.2's writer concatenates arrays and is
 * quadratic: 35 s for 20,000 notes).
 */
interface ByteWriter {
  bytes: Uint8Array;
  at: number;
}

function writeByte(w: ByteWriter, value: number): void {
  w.bytes[w.at++] = value & 0xff;
}

function writeUint(w: ByteWriter, value: number, size: number): void {
  for (let shift = (size - 1) * 8; shift >= 0; shift -= 8) writeByte(w, Math.floor(value / 2 ** shift));
}

/** A MIDI variable-length quantity (7 bits per byte, high bit set on all but the last), 0..0x0fffffff. */
function writeVarInt(w: ByteWriter, value: number): void {
  if (value >= 0x200000) writeByte(w, 0x80 | (value >>> 21));
  if (value >= 0x4000) writeByte(w, 0x80 | (value >>> 14));
  if (value >= 0x80) writeByte(w, 0x80 | (value >>> 7));
  writeByte(w, value & 0x7f);
}

function writeAscii(w: ByteWriter, text: string): void {
  for (let i = 0; i < text.length; i++) writeByte(w, text.charCodeAt(i));
}

/**
 * Writes notes as a Standard MIDI File: format 0, one piano track holding an optional track name,
 * one tempo (default 120 bpm), an optional time signature, a program change (default 0, piano) per channel used, the notes and
 * the end of track. Onsets and ends are rounded to the nearest tick (default 960 per quarter: at
 * 120 bpm an onset moves 0.26 ms at most, a duration one tick, 0.52 ms). Velocities are kept;
 * note-offs carry release velocity 64.
 *
 * Notes go on channel 1. A note that starts while another of the same pitch is still sounding goes
 * on the next free channel (2..9, 11..16; never 10, the drum channel), so overlapping same-pitch
 * notes, as merged tracks often hold, keep their own ends in every reader and every synth.
 *
 * Events on the same tick are ordered so that FIFO-pairing readers (ours included) get the notes
 * back: note-offs of notes that started earlier first (a note retriggered where another of its
 * pitch ends survives), then note-ons (same pitch: the one ending sooner first), then the offs of
 * notes whose duration rounds to zero ticks. Zero-duration notes are kept as an on and an off on
 * the same tick, which readers pair as zero length.
 *
 * A `Score`'s own tempo map is not written: note times are already in seconds.
 *
 * @param notes - notes (any order), or a `Score` whose `notes` are written; not mutated
 * @param options - `ticksPerQuarter`, `bpm`, `program`, `trackName`, `timeSignature`
 * @returns the file's bytes
 * @throws InvalidArgumentError naming the note index and value for a negative or non-finite time or
 *   duration, a pitch outside 0..127 or a velocity outside 1..127 (or a non-integer one); for an
 *   option out of range; or when two events are further apart than a MIDI delta time can hold
 * @example
 * const bytes = writeMidi([{ pitch: 60, velocity: 100, time: 0, duration: 0.5 }], { bpm: 90 });
 * await writeFile('out.mid', bytes); // Node
 */
export function writeMidi(notes: readonly Note[] | Score, options: WriteMidiOptions = {}): Uint8Array {
  const list: readonly Note[] = isNoteList(notes) ? notes : notes.notes;
  const ticksPerQuarter = options.ticksPerQuarter ?? DEFAULT_TICKS_PER_QUARTER;
  const bpm = options.bpm ?? DEFAULT_BPM;
  const program = options.program ?? 0;
  checkInteger(ticksPerQuarter, 'ticksPerQuarter', 1, 0x7fff);
  checkInteger(program, 'program', 0, 127);
  const microsecondsPerQuarter = Math.round(60_000_000 / bpm);
  const tempoFits = microsecondsPerQuarter >= 1 && microsecondsPerQuarter <= 0xffffff; // 24 bits
  if (!(Number.isFinite(bpm) && bpm > 0 && tempoFits)) {
    throw new InvalidArgumentError(
      `bpm ${String(bpm)} is not a tempo a MIDI file can hold (about 3.58 to 1.2e8)`,
    );
  }
  const signature =
    options.timeSignature === undefined ? undefined : timeSignatureBytes(options.timeSignature);
  // Ticks per second from the tempo actually stored, so readers convert back exactly.
  const ticksPerSecond = (ticksPerQuarter * 1_000_000) / microsecondsPerQuarter;

  const spans: Span[] = list.map((note, index) => {
    checkPlayableNote(note, index);
    const on = Math.round(note.time * ticksPerSecond);
    const off = Math.round((note.time + note.duration) * ticksPerSecond);
    return { pitch: note.pitch, velocity: note.velocity, on, off };
  });
  const channels = assignChannels(spans);
  const timed: TimedEvent[] = [];
  spans.forEach(({ pitch, velocity, on, off }, i) => {
    const channel = channels[i] ?? 0;
    timed.push({ tick: on, rank: Rank.On, pitch, channel, velocity, other: off });
    const rank = off === on ? Rank.ZeroLengthOff : Rank.Off;
    timed.push({ tick: off, rank, pitch, channel, velocity: RELEASE_VELOCITY, other: on });
  });
  timed.sort(
    (a, b) =>
      a.tick - b.tick || a.rank - b.rank || a.pitch - b.pitch || a.other - b.other || a.channel - b.channel,
  );

  const nameBytes = options.trackName === undefined ? undefined : new TextEncoder().encode(options.trackName);
  const usedChannels = [...new Set([0, ...channels])].sort((x, y) => x - y);
  // Upper bound: headers, name, tempo, time signature, program changes, 4 + 3 bytes a note event, EOT.
  const bound =
    22 + (nameBytes ? 9 + nameBytes.length : 0) + 7 + 8 + 3 * usedChannels.length + 7 * timed.length + 4;
  const w: ByteWriter = { bytes: new Uint8Array(bound), at: 0 };

  writeAscii(w, 'MThd');
  writeUint(w, 6, 4);
  writeUint(w, 0, 2); // format 0
  writeUint(w, 1, 2); // one track
  writeUint(w, ticksPerQuarter, 2);
  writeAscii(w, 'MTrk');
  const lengthAt = w.at;
  writeUint(w, 0, 4); // track length, filled in below

  if (nameBytes) {
    w.bytes.set([0x00, 0xff, 0x03], w.at);
    w.at += 3;
    writeVarInt(w, nameBytes.length);
    w.bytes.set(nameBytes, w.at);
    w.at += nameBytes.length;
  }
  w.bytes.set([0x00, 0xff, 0x51, 0x03], w.at);
  w.at += 4;
  writeUint(w, microsecondsPerQuarter, 3);
  if (signature) {
    w.bytes.set(signature, w.at);
    w.at += signature.length;
  }
  for (const channel of usedChannels) {
    w.bytes.set([0x00, 0xc0 | channel, program], w.at);
    w.at += 3;
  }
  let last = 0;
  for (const event of timed) {
    const deltaTime = event.tick - last;
    if (deltaTime > MAX_DELTA) {
      throw new InvalidArgumentError(
        `a gap of ${(deltaTime / ticksPerSecond).toFixed(3)} s before ${(event.tick / ticksPerSecond).toFixed(3)} s ` +
          `is longer than a MIDI delta time holds (${MAX_DELTA} ticks)`,
      );
    }
    last = event.tick;
    writeVarInt(w, deltaTime);
    writeByte(w, (event.rank === Rank.On ? 0x90 : 0x80) | event.channel);
    writeByte(w, event.pitch);
    writeByte(w, event.velocity);
  }
  w.bytes.set([0x00, 0xff, 0x2f, 0x00], w.at);
  w.at += 4;

  const trackLength = w.at - lengthAt - 4;
  const end = w.at;
  w.at = lengthAt;
  writeUint(w, trackLength, 4);
  return w.bytes.slice(0, end);
}

/**
 * A time-signature meta event at delta 0: numerator, the denominator as a power of two, MIDI
 * clocks per metronome click (24 per quarter note: one click a beat) and 8 thirty-seconds a quarter.
 */
function timeSignatureBytes({ numerator, denominator }: Meter): number[] {
  checkInteger(numerator, 'time signature numerator', 1, 255);
  if (!METER_DENOMINATORS.includes(denominator)) {
    throw new InvalidArgumentError(
      `time signature denominator ${String(denominator)} is not one of ${METER_DENOMINATORS.join(', ')}`,
    );
  }
  const clocksPerClick = Math.max(1, Math.round((24 * 4) / denominator));
  return [0x00, 0xff, 0x58, 0x04, numerator, Math.log2(denominator), clocksPerClick, 8];
}

function isNoteList(input: readonly Note[] | Score): input is readonly Note[] {
  return Array.isArray(input);
}
