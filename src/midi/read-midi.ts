import { InvalidArgumentError, MidiFormatError } from '../errors.js';
import { clampPitch } from '../score/clamp-pitch.js';
import type { Note, Score } from '../score/note.js';
import { readSmf, type SmfEvents } from './smf-reader.js';
import { stableOrder } from './sort-keys.js';
import { applySustain } from './sustain-pedal.js';
import { DEFAULT_MICROSECONDS_PER_QUARTER, TempoMap, type TempoEvent } from './tempo-map.js';
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
function globalTempoEvents(events: SmfEvents, offsets: readonly number[]): TempoEvent[] {
  const { tempos } = events;
  const list: TempoEvent[] = [];
  if (events.layout.format === 2) {
    let next = 0;
    for (let t = 0; t < offsets.length; t++) {
      list.push({
        tick: offsets[t]!,
        microsecondsPerQuarter: DEFAULT_MICROSECONDS_PER_QUARTER,
        reported: false,
      });
      while (next < tempos.length && tempos.track[next] === t) {
        list.push({
          tick: offsets[t]! + tempos.tick[next]!,
          microsecondsPerQuarter: tempos.microsecondsPerQuarter[next]!,
          reported: true,
        });
        next++;
      }
    }
    return list;
  }
  for (let i = 0; i < tempos.length; i++) {
    list.push({
      tick: tempos.tick[i]!,
      microsecondsPerQuarter: tempos.microsecondsPerQuarter[i]!,
      reported: true,
    });
  }
  // Stable: at one tick, a later track's tempo comes last and wins, as in a merged track.
  return list.sort((a, b) => a.tick - b.tick);
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

/**
 * Makes the sorted note columns. The order is a stable radix sort of packed keys (onset in
 * centiseconds, pitch), so the result is the same as `sortNotes` on the rows in file order.
 */
function buildColumns(
  map: TempoMap,
  start: Float64Array,
  end: Float64Array,
  pitch: Int32Array,
  velocity: Int32Array,
  count: number,
  removed: Uint8Array | undefined,
): NoteColumnsF64 {
  let kept = count;
  if (removed !== undefined) for (let i = 0; i < count; i++) kept -= removed[i]!;
  const rows = new Int32Array(kept);
  for (let i = 0, r = 0; i < count; i++) if (removed === undefined || !removed[i]) rows[r++] = i;
  const times = new Float64Array(kept);
  const ends = new Float64Array(kept);
  const pitches = new Uint8Array(kept);
  // Separate passes keep each tempo lookup close to the previous one.
  for (let r = 0; r < kept; r++) times[r] = map.ticksToSeconds(start[rows[r]!]!);
  for (let r = 0; r < kept; r++) ends[r] = map.ticksToSeconds(end[rows[r]!]!);
  let maxCentis = 0;
  for (let r = 0; r < kept; r++) {
    pitches[r] = clampPitch(pitch[rows[r]!]!);
    maxCentis = Math.max(maxCentis, Math.round(times[r]! * 100));
  }

  // order[n] = the row that goes n-th: by (onset in centiseconds, pitch), stable. The packed key fits
  // 32 bits up to 93 hours; longer pieces take a comparison sort.
  let order: Int32Array;
  if (maxCentis * 128 + 127 <= 0xffffffff) {
    const keys = new Uint32Array(kept);
    for (let r = 0; r < kept; r++) keys[r] = Math.round(times[r]! * 100) * 128 + pitches[r]!;
    order = stableOrder(keys);
  } else {
    order = new Int32Array(kept);
    for (let n = 0; n < kept; n++) order[n] = n;
    order.sort(
      (a, b) =>
        Math.round(times[a]! * 100) - Math.round(times[b]! * 100) || pitches[a]! - pitches[b]! || a - b,
    );
  }

  const columns: NoteColumnsF64 = {
    time: new Float64Array(kept),
    duration: new Float64Array(kept),
    pitch: new Uint8Array(kept),
    velocity: new Uint8Array(kept),
  };
  for (let n = 0; n < kept; n++) {
    const r = order[n]!;
    const time = times[r]!;
    const finish = ends[r]!;
    columns.time[n] = time;
    columns.duration[n] = finish > time ? finish - time : 0;
    columns.pitch[n] = pitches[r]!;
    columns.velocity[n] = velocity[rows[r]!]!;
  }
  return columns;
}

/** Refuses a file whose last note starts after `MAX_ONSET_SECONDS`. */
function checkOnsets(map: TempoMap, start: Float64Array, count: number, file: string | undefined): void {
  let lastTick = 0;
  for (let i = 0; i < count; i++) if (start[i]! > lastTick) lastTick = start[i]!;
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
  const start = new Float64Array(rows);
  const end = new Float64Array(rows);
  const group = new Int32Array(rows);
  const pitch = new Int32Array(rows);
  const velocity = new Int32Array(rows);
  const format2 = layout.format === 2;
  let count = 0;
  let drums = 0;
  for (let i = 0; i < rows; i++) {
    const channel = table.channel(i);
    if (channel === DRUM_CHANNEL && !includeDrums) {
      drums++;
      continue;
    }
    const track = table.track[i]!;
    const offset = offsets[track]!;
    start[count] = table.startTick[i]! + offset;
    end[count] = table.endTick[i]! + offset;
    group[count] = channel === DRUM_CHANNEL ? -1 : format2 ? track * 16 + channel : channel;
    pitch[count] = table.pitch(i);
    velocity[count] = table.velocity(i);
    count++;
  }
  if (drums > 0) log.add('drums', `${drums} drum notes on channel 10 left out`);

  let removed: Uint8Array | undefined;
  if ((options.sustain ?? true) && pedals.length > 0 && count > 0) {
    const pedalTick = new Float64Array(pedals.length);
    const pedalGroup = new Int32Array(pedals.length);
    const pedalDown = new Uint8Array(pedals.length);
    let pieceEnd = 0;
    for (let i = 0; i < count; i++) if (end[i]! > pieceEnd) pieceEnd = end[i]!;
    for (let i = 0; i < pedals.length; i++) {
      const track = pedals.track[i]!;
      const channel = pedals.info[i]! >> 1;
      pedalTick[i] = pedals.tick[i]! + offsets[track]!;
      pedalGroup[i] = format2 ? track * 16 + channel : channel;
      pedalDown[i] = pedals.info[i]! & 1;
      if (pedalTick[i]! > pieceEnd) pieceEnd = pedalTick[i]!;
    }
    removed = applySustain(
      { count, start, end, group, pitch },
      { count: pedals.length, tick: pedalTick, group: pedalGroup, down: pedalDown },
      // Format 2: the end of the group's own sequence; else the last event of the piece.
      format2 ? (g) => offsets[g >> 4]! + events.trackEndTicks[g >> 4]! : () => pieceEnd,
    );
  }

  checkOnsets(map, start, count, options.file);
  const notes = buildColumns(map, start, end, pitch, velocity, count, removed);
  let durationSeconds = 0;
  for (let n = 0; n < notes.time.length; n++) {
    const noteEnd = notes.time[n]! + notes.duration[n]!;
    if (noteEnd > durationSeconds) durationSeconds = noteEnd;
  }

  return {
    notes,
    format: layout.format,
    ticksPerQuarter: layout.ticksPerQuarter,
    tempos: map.changes,
    durationSeconds,
    warnings: log.toArray(),
  };
}
