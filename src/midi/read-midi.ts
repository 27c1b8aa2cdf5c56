import { InvalidArgumentError, MidiFormatError } from '../errors.js';
import type { Note, Score } from '../score/note.js';
import { scratchFloat64, scratchInt32, scratchUint8 } from './scratch.js';
import { writeSortedNotes, type NoteColumnsSlot } from './note-order.js';
import type { SmfLayout } from './smf-chunks.js';
import { readSmf, type SmfEvents } from './smf-reader.js';
import { stableOrderOfValues } from './sort-keys.js';
import { applySustain } from './sustain-pedal.js';
import { DEFAULT_MICROSECONDS_PER_QUARTER, TempoMap, type TempoEvents } from './tempo-map.js';
import { WarningLog } from './warning-log.js';

/** Options for `readMidi`. */
export interface ReadMidiOptions {
  /** Name used in error messages and warnings. */
  file?: string;
  /** Apply the CC64 sustain pedal to note ends, Magenta note_seq style (default true). */
  sustain?: boolean;
  /** Keep channel 10 (index 9) percussion notes (default false: they are left out). */
  includeDrums?: boolean;
  /**
   * The most notes (note-ons, drums included) a file may hold (default `DEFAULT_MAX_NOTES`,
   * 2,000,000); a file with more is refused with a `NoteLimitError`, which bounds the memory a
   * read takes (about 100 bytes a note). `Infinity` lifts the limit.
   */
  maxNotes?: number;
}

/** The default note limit of `readMidi`: 2,000,000 notes, about 200 MB while reading. */
export const DEFAULT_MAX_NOTES = 2_000_000;

/**
 * The latest onset `readMidi` accepts, in seconds (1,000,000 s, 11.6 days). A later note means the
 * timing is broken (huge delta-times at a slow tempo), and its numbers would mislead.
 */
export const MAX_ONSET_SECONDS = 1_000_000;

const DRUM_CHANNEL = 9;

// Working columns reused from file to file (`scratch.ts`).
const keptStart = scratchFloat64();
const keptEnd = scratchFloat64();
const keptGroup = scratchInt32();
const keptPitch = scratchInt32();
const keptVelocity = scratchInt32();
const onsetOrder = scratchInt32();
const pedalTicks = scratchFloat64();
const pedalGroups = scratchInt32();
const pedalDowns = scratchUint8();

/** Where each track starts on the global tick line: 0 for format 0/1; one after the other for format 2. */
function trackOffsets(events: SmfEvents): number[] {
  const offsets: number[] = [];
  let offset = 0;
  for (const endTick of events.trackEndTicks) {
    offsets.push(events.layout.format === 2 ? offset : 0);
    offset += endTick;
  }
  return offsets;
}

/** Tempo events on the global line, sorted; format 2 resets to 120 bpm at each track start. */
function globalTempoEvents(events: SmfEvents, offsets: readonly number[]): TempoEvents {
  const { tempos } = events;
  const format2 = events.layout.format === 2;
  const length = tempos.length + (format2 ? offsets.length : 0);
  const list: TempoEvents = {
    length,
    tick: new Float64Array(length),
    microsecondsPerQuarter: new Float64Array(length),
    reported: new Uint8Array(length).fill(1),
  };
  if (format2) {
    let next = 0;
    let at = 0;
    for (let t = 0; t < offsets.length; t++) {
      list.tick[at] = offsets[t]!;
      list.microsecondsPerQuarter[at] = DEFAULT_MICROSECONDS_PER_QUARTER;
      list.reported[at++] = 0;
      while (next < tempos.length && tempos.track[next] === t) {
        list.tick[at] = offsets[t]! + tempos.tick[next]!;
        list.microsecondsPerQuarter[at++] = tempos.microsecondsPerQuarter[next]!;
        next++;
      }
    }
    return list;
  }
  let sorted = true;
  for (let i = 0; i < tempos.length; i++) {
    list.tick[i] = tempos.tick[i]!;
    list.microsecondsPerQuarter[i] = tempos.microsecondsPerQuarter[i]!;
    if (i > 0 && list.tick[i]! < list.tick[i - 1]!) sorted = false;
  }
  if (sorted) return list;
  // Stable: at one tick, a later track's tempo comes last and wins, as in a merged track.
  const order = Array.from({ length: tempos.length }, (_, i) => i).sort(
    (a, b) => tempos.tick[a]! - tempos.tick[b]!,
  );
  order.forEach((i, at) => {
    list.tick[at] = tempos.tick[i]!;
    list.microsecondsPerQuarter[at] = tempos.microsecondsPerQuarter[i]!;
  });
  return list;
}

/**
 * The notes of a score as parallel columns, sorted in `sortNotes` order: what `readMidi` builds its
 * `Note` objects from, and what the importer stores without making any objects.
 */
export interface NoteColumnsF64 {
  /** Onsets, seconds. */
  time: Float64Array;
  /** Durations, seconds (>= 0). */
  duration: Float64Array;
  /** MIDI pitches, octave-clamped into 0..119. */
  pitch: Uint8Array;
  /** Velocities, 1..127. */
  velocity: Uint8Array;
}

/** `Score` with its notes as columns instead of objects (see `readMidiColumns`). */
export interface ColumnScore extends Omit<Score, 'notes'> {
  notes: NoteColumnsF64;
}

/** Refuses a file whose last note (the last by onset) starts after `MAX_ONSET_SECONDS`. */
function checkOnsets(map: TempoMap, lastTick: number, file: string | undefined): void {
  const last = map.ticksToSeconds(lastTick);
  if (last > MAX_ONSET_SECONDS) {
    throw new MidiFormatError(
      `a note starts at ${last.toExponential(2)} s, after the limit of ${MAX_ONSET_SECONDS.toLocaleString('en-US')} s ` +
        `(11.6 days): the file's timing is broken (huge delta-times or a very slow tempo)`,
      file === undefined ? {} : { file },
    );
  }
}

/**
 * Reads a Standard MIDI File into one flat piano stream.
 *
 * Every track and channel is flattened into `Score.notes`, pitches are octave-clamped into 0..119
 * with `clampPitch` and the notes are sorted with `sortNotes`. Ticks become seconds through the tempo
 * map merged from all tracks (format 2: each track is its own sequence, played after the previous
 * one, with its own tempo); SMPTE division gives fixed ticks per second. Notes are paired FIFO per
 * (track, channel, pitch); zero-length notes are kept; notes never released end at their track's
 * last event. With `sustain` (default), a note released while CC64 is down on its channel sounds on
 * until the pedal lifts (see `applySustain`). Channel 10 drums are left out unless `includeDrums`.
 *
 * The reader is lenient: damaged files are repaired where possible, and what was repaired is listed
 * in `Score.warnings`. A file with no tracks or no notes is not an error.
 *
 * @param bytes The file's bytes (any Uint8Array view, e.g. a Node Buffer).
 * @param options See `ReadMidiOptions`.
 * @returns The score.
 * @throws {MidiFormatError} When the bytes are empty, not a MIDI file, the header is unusable
 *   (an SMPTE frame rate that does not exist included), or a note starts after `MAX_ONSET_SECONDS`.
 * @throws {NoteLimitError} When the file holds more than `maxNotes` notes (default 2,000,000).
 * @example
 * const score = readMidi(readFileSync('song.mid'), { file: 'song.mid' });
 * score.notes[0]; // { pitch: 60, velocity: 100, time: 0, duration: 0.5 }
 */
export function readMidi(bytes: Uint8Array, options: ReadMidiOptions = {}): Score {
  const { notes: columns, ...rest } = readMidiColumns(bytes, options);
  const { time, duration, pitch, velocity } = columns;
  const notes: Note[] = new Array<Note>(time.length);
  for (let n = 0; n < time.length; n++) {
    notes[n] = { pitch: pitch[n]!, velocity: velocity[n]!, time: time[n]!, duration: duration[n]! };
  }
  return { notes, ...rest };
}

/**
 * `readMidi` without the `Note` objects: the same notes, in the same order, as typed-array columns.
 * It is what the importer uses, since a corpus of a million notes then costs four arrays, not a
 * million objects.
 *
 * @param bytes The file's bytes (any Uint8Array view).
 * @param options See `ReadMidiOptions`.
 * @returns The score with `notes` as columns.
 * @throws {MidiFormatError} As `readMidi`.
 * @example
 * const { notes } = readMidiColumns(bytes);
 * notes.time.length; // the number of notes
 */
export function readMidiColumns(bytes: Uint8Array, options: ReadMidiOptions = {}): ColumnScore {
  let notes: NoteColumnsF64 | undefined;
  const read = readInto(bytes, options, (count) => {
    const slot = {
      time: new Float64Array(count),
      duration: new Float64Array(count),
      pitch: new Uint8Array(count),
      velocity: new Uint8Array(count),
      at: 0,
    };
    notes = { time: slot.time, duration: slot.duration, pitch: slot.pitch, velocity: slot.velocity };
    return slot;
  });
  const { layout, map } = read;
  return {
    notes: notes as NoteColumnsF64,
    format: layout.format,
    ticksPerQuarter: layout.ticksPerQuarter,
    // The tempo list costs an object per tempo event (piano-midi-de has 300,000): made when asked.
    get tempos() {
      return map.changes;
    },
    durationSeconds: read.durationSeconds,
    warnings: read.log.toArray(),
  };
}

/**
 * `readMidiColumns` into columns the caller provides: `reserve(count)` is called once, with the
 * number of notes, and gives the columns and the row to write them from. What the importer uses,
 * so that a file's notes go straight into its batch's columns. Nothing is reserved when reading
 * fails (the same errors as `readMidi`).
 *
 * @param bytes The file's bytes (any Uint8Array view).
 * @param options See `ReadMidiOptions`.
 * @param reserve Gives the columns for `count` notes.
 * @returns How many notes were written, and the end of the last one in seconds.
 * @throws {MidiFormatError} As `readMidi`.
 * @example
 * const { count } = readMidiInto(bytes, {}, (n) => ({ ...columnsOf(n), at: 0 }));
 */
export function readMidiInto(
  bytes: Uint8Array,
  options: ReadMidiOptions,
  reserve: (count: number) => NoteColumnsSlot,
): { count: number; durationSeconds: number } {
  const { count, durationSeconds } = readInto(bytes, options, reserve);
  return { count, durationSeconds };
}

/** The reader itself (see `readMidi`): the notes go to `reserve`'s columns. */
function readInto(
  bytes: Uint8Array,
  options: ReadMidiOptions,
  reserve: (count: number) => NoteColumnsSlot,
): { layout: SmfLayout; map: TempoMap; log: WarningLog; count: number; durationSeconds: number } {
  const log = new WarningLog(options.file);
  const maxNotes = options.maxNotes ?? DEFAULT_MAX_NOTES;
  if (!(maxNotes >= 0)) throw new InvalidArgumentError(`maxNotes ${maxNotes} is not a number >= 0`);
  const events = readSmf(bytes, log, options.file, maxNotes);
  const { layout, notes: table, pedals } = events;
  const offsets = trackOffsets(events);
  const tempoEvents = globalTempoEvents(events, offsets);
  const map =
    layout.ticksPerSecond === undefined
      ? TempoMap.metrical(layout.ticksPerQuarter!, tempoEvents)
      : TempoMap.fixed(layout.ticksPerSecond, tempoEvents);

  // Keep the wanted notes, on the global tick line.
  const includeDrums = options.includeDrums ?? false;
  const rows = table.length;
  const start = keptStart.take(rows);
  const end = keptEnd.take(rows);
  const group = keptGroup.take(rows);
  const pitch = keptPitch.take(rows);
  const velocity = keptVelocity.take(rows);
  const format2 = layout.format === 2;
  let count = 0;
  let drums = 0;
  for (let i = 0; i < rows; i++) {
    const info = table.info[i]!;
    const channel = (info >> 14) & 15;
    if (channel === DRUM_CHANNEL && !includeDrums) {
      drums++;
      continue;
    }
    const track = table.track[i]!;
    const offset = offsets[track]!;
    start[count] = table.startTick[i]! + offset;
    end[count] = table.endTick[i]! + offset;
    group[count] = channel === DRUM_CHANNEL ? -1 : format2 ? track * 16 + channel : channel;
    pitch[count] = (info >> 7) & 127;
    velocity[count] = info & 127;
    count++;
  }
  if (drums > 0) log.add('drums', `${drums} drum notes on channel 10 left out`);
  const notesStart = start.subarray(0, count);
  const byOnset = stableOrderOfValues(notesStart, onsetOrder.take(count));

  let removed: Uint8Array | undefined;
  if ((options.sustain ?? true) && pedals.length > 0 && count > 0) {
    const pedalTick = pedalTicks.take(pedals.length);
    const pedalGroup = pedalGroups.take(pedals.length);
    const pedalDown = pedalDowns.take(pedals.length);
    // The last event of the piece (format 0/1, where every offset is 0), dropped pedal events included.
    let pieceEnd = pedals.latestTick;
    for (let i = 0; i < count; i++) if (end[i]! > pieceEnd) pieceEnd = end[i]!;
    for (let i = 0; i < pedals.length; i++) {
      const track = pedals.track[i]!;
      const channel = pedals.info[i]! >> 1;
      pedalTick[i] = pedals.tick[i]! + offsets[track]!;
      pedalGroup[i] = format2 ? track * 16 + channel : channel;
      pedalDown[i] = pedals.info[i]! & 1;
    }
    removed = applySustain(
      { count, start: notesStart, end, group, pitch },
      { count: pedals.length, tick: pedalTick, group: pedalGroup, down: pedalDown },
      // Format 2: the end of the group's own sequence; else the last event of the piece.
      format2 ? (g) => offsets[g >> 4]! + events.trackEndTicks[g >> 4]! : () => pieceEnd,
      byOnset,
    );
  }

  checkOnsets(map, count > 0 ? start[byOnset[count - 1]!]! : 0, options.file);
  const written = writeSortedNotes(map, start, end, pitch, velocity, byOnset, removed, reserve);
  return { layout, map, log, count: written.count, durationSeconds: written.durationSeconds };
}
