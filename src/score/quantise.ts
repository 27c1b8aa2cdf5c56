import { InvalidArgumentError } from '../errors.js';
import { divisionSeconds, MAX_BPM, MIN_BPM, snapTime } from './meter.js';
import type { Note, Seconds } from './note.js';

/** How `quantise` moves notes. */
export interface QuantiseOptions {
  /** Tempo in quarter notes per minute, 20..400. */
  readonly bpm: number;
  /** A point of the grid (a downbeat), in seconds. Default 0. */
  readonly offset?: Seconds;
  /** The grid's note value: 4 for quarter notes, 8, 16, 32 (also 1, 2 and 64). */
  readonly division: number;
  /** Triplets: three steps in the time of two (1/8 triplets: a third of a quarter). Default false. */
  readonly triplet?: boolean;
  /** How far each onset moves towards its grid point, 0 (not at all) to 1 (onto it). Default 1. */
  readonly strength?: number;
  /**
   * Whether note ends move too (towards their nearest grid point, never less than one step after
   * the onset's grid point); otherwise each note keeps its duration. Default false.
   */
  readonly ends?: boolean;
}

/** The note values `quantise` takes. */
export const QUANTISE_DIVISIONS: readonly number[] = [1, 2, 4, 8, 16, 32, 64];

function checkOptions(options: QuantiseOptions): void {
  const { bpm, division, strength = 1, offset = 0 } = options;
  if (!(Number.isFinite(bpm) && bpm >= MIN_BPM && bpm <= MAX_BPM)) {
    throw new InvalidArgumentError(`tempo ${String(bpm)} bpm is not in ${MIN_BPM}..${MAX_BPM}`);
  }
  if (!QUANTISE_DIVISIONS.includes(division)) {
    throw new InvalidArgumentError(
      `division ${String(division)} is not one of ${QUANTISE_DIVISIONS.join(', ')}`,
    );
  }
  if (!(Number.isFinite(strength) && strength >= 0 && strength <= 1)) {
    throw new InvalidArgumentError(`strength ${String(strength)} is not in 0..1`);
  }
  if (!Number.isFinite(offset)) throw new InvalidArgumentError(`offset ${String(offset)} is not finite`);
}

/**
 * Moves notes towards a grid of 1/`division` notes (or triplets) at a tempo, as a sequencer's
 * quantise does: each onset goes `strength` of the way to its nearest grid point (the first point
 * at or after 0 s for a note near the start), so 1 puts it on the grid, 0.5 halves its distance
 * and 0 leaves it. With `ends`, each note's end moves the same way towards its own nearest grid
 * point, at least one step after the onset's point, so no note collapses; otherwise the duration
 * is kept. Nothing else changes (extra fields such as an id are kept); the order is the input's.
 *
 * @param notes - the notes to move (not mutated)
 * @param options - tempo, grid offset, division, triplet, strength, ends
 * @returns new notes, one per input note, in the same order
 * @throws InvalidArgumentError for a tempo outside 20..400, a division not in 1, 2, 4 ... 64, a
 *   strength outside 0..1 or an offset that is not finite
 * @example
 * // At 120 bpm sixteenths are 125 ms apart: an onset at 0.3 s goes to 0.25 s.
 * quantise([{ pitch: 60, velocity: 80, time: 0.3, duration: 0.2 }], { bpm: 120, division: 16 });
 */
export function quantise<T extends Note>(notes: readonly T[], options: QuantiseOptions): T[] {
  checkOptions(options);
  const step = divisionSeconds(options.bpm, options.division, options.triplet ?? false);
  const offset = options.offset ?? 0;
  const strength = options.strength ?? 1;
  const gridPoint = (t: Seconds): Seconds => {
    const g = snapTime(t, step, offset);
    return g < -1e-9 ? g + step * Math.ceil(-g / step - 1e-9) : Math.max(0, g);
  };
  return notes.map((note) => {
    const onsetPoint = gridPoint(note.time);
    const time = Math.max(0, note.time + strength * (onsetPoint - note.time));
    if (options.ends !== true) return { ...note, time };
    const end = note.time + note.duration;
    const endPoint = Math.max(gridPoint(end), onsetPoint + step);
    const newEnd = end + strength * (endPoint - end);
    return { ...note, time, duration: Math.max(0, newEnd - time) };
  });
}
