import { InvalidArgumentError } from '../errors.js';
import type { Seconds } from './note.js';

/**
 * Tempo and meter laid over a piece whose times are seconds: a constant tempo in quarter notes per
 * minute (as a MIDI file states it), a time signature, and where a bar starts. The web composer
 * draws bars and beats from it, snaps and quantises to it, clicks its beats and writes it into the
 * MIDI files it downloads.
 */

/** A time signature: `numerator` beats of a 1/`denominator` note make a bar (3/4, 6/8, 4/4 ...). */
export interface Meter {
  /** Beats in a bar, 1..32. */
  readonly numerator: number;
  /** The beat's note value: 1, 2, 4, 8, 16 or 32. */
  readonly denominator: number;
}

/** A constant tempo and meter over a piece. */
export interface BeatGrid {
  /** Quarter notes per minute (MIDI's tempo unit), 20..400. */
  readonly bpm: number;
  readonly meter: Meter;
  /** A downbeat (the start of a bar), in seconds; bars repeat from it both ways. */
  readonly offset: Seconds;
}

/** One beat of a grid. */
export interface Beat {
  readonly time: Seconds;
  /** The bar it belongs to, counted from 1 at the bar starting at `offset` (0 and below before it). */
  readonly bar: number;
  /** Its place in the bar, 0 for the downbeat. */
  readonly beat: number;
}

/** The tempi a grid takes, in quarter notes per minute. */
export const MIN_BPM = 20;
export const MAX_BPM = 400;
/** The note values a meter's denominator takes. */
export const METER_DENOMINATORS: readonly number[] = [1, 2, 4, 8, 16, 32];
/** The grid when nobody has set one: 120 bpm, 4/4, bar 1 at 0 s (a MIDI file's default). */
export const DEFAULT_BEAT_GRID: BeatGrid = { bpm: 120, meter: { numerator: 4, denominator: 4 }, offset: 0 };

/**
 * Checks a grid.
 *
 * @throws InvalidArgumentError naming the field: a tempo outside 20..400 bpm, a numerator outside
 *   1..32, a denominator that is not a power of two up to 32, or an offset that is not finite
 */
export function checkBeatGrid(grid: BeatGrid): void {
  const { bpm, meter, offset } = grid;
  if (!(Number.isFinite(bpm) && bpm >= MIN_BPM && bpm <= MAX_BPM)) {
    throw new InvalidArgumentError(`tempo ${String(bpm)} bpm is not in ${MIN_BPM}..${MAX_BPM}`);
  }
  if (!(Number.isInteger(meter.numerator) && meter.numerator >= 1 && meter.numerator <= 32)) {
    throw new InvalidArgumentError(`meter numerator ${String(meter.numerator)} is not an integer in 1..32`);
  }
  if (!METER_DENOMINATORS.includes(meter.denominator)) {
    throw new InvalidArgumentError(
      `meter denominator ${String(meter.denominator)} is not one of ${METER_DENOMINATORS.join(', ')}`,
    );
  }
  if (!Number.isFinite(offset)) throw new InvalidArgumentError(`offset ${String(offset)} is not finite`);
}

/** Seconds of a quarter note at `bpm`. */
export const quarterSeconds = (bpm: number): Seconds => 60 / bpm;

/** Seconds of one beat (a 1/denominator note). */
export const beatSeconds = (grid: BeatGrid): Seconds =>
  (quarterSeconds(grid.bpm) * 4) / grid.meter.denominator;

/** Seconds of one bar. */
export const barSeconds = (grid: BeatGrid): Seconds => beatSeconds(grid) * grid.meter.numerator;

/**
 * Seconds of one step of a 1/`division` note grid (division 16: sixteenth notes); a triplet step
 * is two thirds of it (three in the time of two).
 */
export function divisionSeconds(bpm: number, division: number, triplet = false): Seconds {
  if (!(Number.isFinite(division) && division > 0)) {
    throw new InvalidArgumentError(`division ${String(division)} is not a positive number`);
  }
  return ((quarterSeconds(bpm) * 4) / division) * (triplet ? 2 / 3 : 1);
}

/** The grid point nearest `t` on a grid of `step` seconds through `offset`. */
export function snapTime(t: Seconds, step: Seconds, offset: Seconds = 0): Seconds {
  return offset + Math.round((t - offset) / step) * step;
}

/** The first downbeat at or after 0 s: `offset` moved by whole bars into [0, one bar). */
export function firstDownbeat(grid: BeatGrid): Seconds {
  const bar = barSeconds(grid);
  const phase = grid.offset - Math.floor(grid.offset / bar) * bar;
  return phase >= bar - 1e-9 ? 0 : phase;
}

/**
 * The beats from `from` to `to` (both included), in order.
 *
 * @param grid - the grid
 * @param from - seconds (may be negative)
 * @param to - seconds
 * @param limit - at most this many beats (default 100,000), so a far zoom cannot hang the caller
 */
export function beatsBetween(grid: BeatGrid, from: Seconds, to: Seconds, limit = 100_000): Beat[] {
  const beat = beatSeconds(grid);
  const perBar = grid.meter.numerator;
  const beats: Beat[] = [];
  const first = Math.ceil((from - grid.offset) / beat - 1e-9);
  for (let k = first; beats.length < limit; k++) {
    const time = grid.offset + k * beat;
    if (time > to + 1e-9) break;
    const bar = Math.floor(k / perBar);
    beats.push({ time, bar: bar + 1, beat: k - bar * perBar });
  }
  return beats;
}
