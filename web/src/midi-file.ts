import {
  barSeconds,
  beatSeconds,
  firstDownbeat,
  HowlError,
  readMidi,
  writeMidi,
  type BeatGrid,
  type Note,
} from '../../src/public/index.js';

/**
 * MIDI files in and out of the page. A file is read exactly as `howl import` reads training data
 * (every track and channel into one piano stream, sustain pedal folded into durations, drums out),
 * after checks that keep a wrong or huge file from replacing the piece.
 */

/** Files larger than this are refused before reading (the largest piano-midi.de file is 0.1 MB). */
export const MAX_MIDI_BYTES = 8 * 1024 * 1024;
/** Pieces with more notes than this are refused (the roll and the model stay quick below it). */
export const MAX_PIECE_NOTES = 50_000;

/** Why a dropped or picked file was not loaded. */
export class PieceLoadError extends HowlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('piece-load', message, options);
  }
}

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * The notes of a MIDI file.
 *
 * @param bytes - the file's bytes
 * @param name - its name, for messages
 * @returns the notes, sorted by onset
 * @throws PieceLoadError naming the file and the reason: too large, not MIDI, no notes, too many notes
 */
export function notesFromMidiFile(bytes: Uint8Array, name: string): Note[] {
  if (bytes.length > MAX_MIDI_BYTES) {
    throw new PieceLoadError(
      `${name}: ${megabytes(bytes.length)} is too large (at most ${megabytes(MAX_MIDI_BYTES)})`,
    );
  }
  let notes: Note[];
  try {
    notes = readMidi(bytes, { file: name }).notes;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PieceLoadError(reason.startsWith(name) ? reason : `${name}: ${reason}`, { cause: error });
  }
  if (notes.length === 0) throw new PieceLoadError(`${name}: the file has no notes`);
  if (notes.length > MAX_PIECE_NOTES) {
    throw new PieceLoadError(
      `${name}: ${notes.length.toLocaleString('en')} notes is more than this page edits (${MAX_PIECE_NOTES.toLocaleString('en')})`,
    );
  }
  return [...notes].sort((a, b) => a.time - b.time);
}

/**
 * How far the notes move so that the grid's bars fall on the file's (a MIDI file's bar 1 starts at
 * 0): earlier by the grid's first downbeat when no note comes before it (by more than a tenth of a
 * beat), else later by the rest of a bar (a pickup then fills the end of the file's first bar). 0
 * when bar 1 is at 0 s.
 */
export function barShift(notes: readonly Note[], grid: BeatGrid): number {
  const downbeat = firstDownbeat(grid);
  if (downbeat < 1e-6 || notes.length === 0) return 0;
  const first = Math.min(...notes.map((n) => n.time));
  // A first note up to a tenth of a beat early is bar 1 played early (it goes to 0 s), not a pickup.
  return first >= downbeat - 0.1 * beatSeconds(grid) ? -downbeat : barSeconds(grid) - downbeat;
}

/**
 * The piece as a MIDI file: one piano track, the grid's tempo and meter (so a sequencer shows the
 * page's bars), 960 ticks a quarter (0.52 ms at 120 bpm). The notes move by `barShift` so that the
 * bars line up; their times are otherwise kept to the tick.
 */
export function midiFileOf(notes: readonly Note[], grid: BeatGrid): Uint8Array {
  const shift = barShift(notes, grid);
  return writeMidi(
    notes.map((n) => ({
      pitch: n.pitch,
      velocity: n.velocity,
      time: Math.max(0, n.time + shift),
      duration: n.duration,
    })),
    { trackName: 'Howl', bpm: grid.bpm, timeSignature: grid.meter },
  );
}
