import { PITCH_COUNT } from '../score/clamp-pitch.js';
import type { V1Row } from './v1.js';

/**
 * How the ordered network reads a note (`src/model/batching/ordered-features.ts` builds training
 * batches from it, `src/inference/ordered-rnn-step.ts` single steps): five reals, then the pitch as
 * one-hots.
 * No TensorFlow.js here, so the step network stays browser-light.
 */

/** Reals per input step. */
export const ORDERED_REALS = 5;
/** Octaves of the note-octave encoding (MIDI 0..119 = octaves 0..9 × 12 pitch classes). */
export const OCTAVES = 10;
/** Pitch classes per octave. */
export const PITCHES_PER_OCTAVE = 12;

/** How a model reads and predicts pitch (`OrderedRnnConfig.pitchEncoding`). */
export type PitchEncoding = 'one-hot' | 'octave-class';

/**
 * Floats per input step: 5 reals + the pitch (120 one-hot, or 10 octave + 12 pitch-class one-hots).
 *
 * @param encoding - the pitch encoding
 * @returns 125 or 27
 */
export function orderedInputFeatures(encoding: PitchEncoding): number {
  return ORDERED_REALS + (encoding === 'one-hot' ? PITCH_COUNT : OCTAVES + PITCHES_PER_OCTAVE);
}

/**
 * Where the ones of a pitch go in the input, after the reals: one index (one-hot) or two (octave,
 * then 10 + pitch class).
 *
 * Written into `out` (no allocation: the step network calls it for every note).
 *
 * @param encoding - the pitch encoding
 * @param pitch - MIDI pitch 0..119
 * @param out - receives the offsets from the first pitch feature (room for 2)
 * @returns how many were written: 1 or 2
 */
export function pitchInputIndices(encoding: PitchEncoding, pitch: number, out: Int32Array): number {
  if (encoding === 'one-hot') {
    out[0] = pitch;
    return 1;
  }
  out[0] = Math.floor(pitch / PITCHES_PER_OCTAVE);
  out[1] = OCTAVES + (pitch % PITCHES_PER_OCTAVE);
  return 2;
}

const logTime = (seconds: number): number => Math.log(Math.max(0, seconds) + 0.01) / 4;

/**
 * The five input reals of a V1 row, written into `out` at `offset`.
 *
 * @param row - the note's V1 row
 * @param out - destination
 * @param offset - where the first real goes
 */
export function writeOrderedReals(row: V1Row, out: Float32Array | Float64Array, offset: number): void {
  out[offset] = row[0];
  out[offset + 1] = row[1];
  out[offset + 2] = row[2];
  out[offset + 3] = logTime(row[0]);
  out[offset + 4] = logTime(row[1]);
}
