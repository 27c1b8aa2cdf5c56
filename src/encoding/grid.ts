import type { V1Row } from './v1.js';
import { InvalidArgumentError } from '../errors.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * The shared grid every model is scored on, whatever its outputs, so that the likelihoods of
 * different kinds of network can be compared:
 *
 * - **pitch**: the 120 classes, MIDI 0..119;
 * - **delay** and **duration**: 10 ms bins from 0 to 4 s (the original's output range), 400 of
 *   them, plus one overflow bin for 4 s and longer: 401 bins. Bin `i < 400` is
 *   `[i × 10 ms, (i + 1) × 10 ms)`; negative delays (a few ms, from the 10 ms onset rounding of the
 *   note order) count in bin 0;
 * - **velocity**: 32 bins of 4 MIDI velocities each, bin `k` = velocities `4k .. 4k + 3`.
 *
 * A model with continuous outputs is scored by the probability it puts on the bin the real value
 * falls in (`src/eval/gaussian.ts`), a model with binned outputs directly; the negative log of that
 * probability is comparable across models because the bins are the same.
 */

/** Width of a delay or duration bin, seconds. */
export const TIME_BIN_SECONDS = 0.01;
/** Where the last regular time bin ends and the overflow bin starts, seconds. */
export const TIME_RANGE_SECONDS = 4;
/** Delay and duration bins: 400 of 10 ms, plus the overflow bin (index 400). */
export const TIME_BINS = Math.round(TIME_RANGE_SECONDS / TIME_BIN_SECONDS) + 1;
/** Velocity bins (4 MIDI velocities each). */
export const VELOCITY_BINS = 32;
/** MIDI velocities per velocity bin. */
export const VELOCITIES_PER_BIN = 128 / VELOCITY_BINS;

/** The attributes of a note scored on the grid, in report order. */
export const ATTRIBUTES = ['pitch', 'delay', 'duration', 'velocity'] as const;
/** One of `ATTRIBUTES`. */
export type Attribute = (typeof ATTRIBUTES)[number];

/** Number of grid bins of each attribute. */
export const GRID_BINS: Readonly<Record<Attribute, number>> = {
  pitch: PITCH_COUNT,
  delay: TIME_BINS,
  duration: TIME_BINS,
  velocity: VELOCITY_BINS,
};

// A value within 1e-6 of a bin (10 ns) below an edge counts in the upper bin, so that 0.29 s, whose
// double is 0.28999999999999998, is in bin 29 as written.
const EDGE_SLACK = 1e-6;

/**
 * The delay or duration bin of a time in seconds.
 *
 * @param seconds - a delay or duration (negative counts in bin 0, 4 s and more in the overflow bin)
 * @returns the bin, 0..400
 * @throws InvalidArgumentError if `seconds` is NaN
 * @example timeBin(0.255); // 25     timeBin(-0.003); // 0     timeBin(7); // 400
 */
export function timeBin(seconds: number): number {
  if (Number.isNaN(seconds)) throw new InvalidArgumentError('a delay or duration of NaN seconds');
  const bin = Math.floor(seconds / TIME_BIN_SECONDS + EDGE_SLACK);
  return bin <= 0 ? 0 : bin >= TIME_BINS - 1 ? TIME_BINS - 1 : bin;
}

/**
 * The interval of values a delay or duration bin stands for, in seconds. The first bin reaches
 * down to −∞ and the overflow bin up to +∞, so the bins cover the whole line and a continuous
 * model's bin probabilities sum to 1.
 *
 * @param bin - 0..400
 * @returns `[low, high)`
 * @example timeBinEdges(25); // [0.25, 0.26]     timeBinEdges(400); // [4, Infinity]
 */
export function timeBinEdges(bin: number): readonly [number, number] {
  const low = bin <= 0 ? -Infinity : bin * TIME_BIN_SECONDS;
  const high = bin >= TIME_BINS - 1 ? Infinity : (bin + 1) * TIME_BIN_SECONDS;
  return [low, high];
}

/**
 * The velocity bin of a MIDI velocity.
 *
 * @param velocity - 0..127 (rounded; outside values are clamped)
 * @returns the bin, 0..31
 * @example velocityBin(64); // 16
 */
export function velocityBin(velocity: number): number {
  const v = Math.min(127, Math.max(0, Math.round(velocity)));
  return Math.floor(v / VELOCITIES_PER_BIN);
}

/**
 * The interval of V1 volumes (velocity / 127) a velocity bin stands for: the volumes that round to
 * one of its velocities (`round(volume × 127)`), the first bin reaching to −∞ and the last to +∞.
 *
 * @param bin - 0..31
 * @returns `[low, high)` in volume units
 * @example volumeBinEdges(16); // [63.5 / 127, 67.5 / 127]
 */
export function volumeBinEdges(bin: number): readonly [number, number] {
  const low = bin <= 0 ? -Infinity : (bin * VELOCITIES_PER_BIN - 0.5) / 127;
  const high = bin >= VELOCITY_BINS - 1 ? Infinity : ((bin + 1) * VELOCITIES_PER_BIN - 0.5) / 127;
  return [low, high];
}

/** One piece's notes as grid bins, one typed array per attribute (index = note). */
export interface GridSequence {
  readonly length: number;
  readonly pitch: Uint8Array;
  readonly delay: Uint16Array;
  readonly duration: Uint16Array;
  readonly velocity: Uint8Array;
}

/**
 * Puts V1 rows on the grid.
 *
 * @param rows - the piece's V1 rows (`encodeV1`)
 * @returns its bins
 * @throws InvalidArgumentError for a pitch outside -60..59 or a NaN time
 * @example toGrid(encodeV1(notes)).pitch[0]; // the first note's MIDI pitch
 */
export function toGrid(rows: readonly V1Row[]): GridSequence {
  const n = rows.length;
  const pitch = new Uint8Array(n);
  const delay = new Uint16Array(n);
  const duration = new Uint16Array(n);
  const velocity = new Uint8Array(n);
  rows.forEach(([d, len, volume, p], i) => {
    const midi = p + 60;
    if (!(Number.isInteger(midi) && midi >= 0 && midi < PITCH_COUNT)) {
      throw new InvalidArgumentError(`row ${i}: pitch ${p} is not an integer in -60..59`);
    }
    pitch[i] = midi;
    delay[i] = timeBin(d);
    duration[i] = timeBin(len);
    velocity[i] = velocityBin(volume * 127);
  });
  return { length: n, pitch, delay, duration, velocity };
}
