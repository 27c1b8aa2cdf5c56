// Synthetic training crops shaped like piano music, shared by the training benchmarks: chords
// (delay 0) and steps, varied durations, velocities and pitches, as the original's V1 rows
// [delay, duration, volume, pitch offset].
import { createRng } from '../dist/random/rng.js';

/**
 * @param {number} batch - crops
 * @param {number} length - notes per crop (each crop has length + 1 rows: inputs and targets)
 * @param {number} [seed] - the generator's seed
 * @returns {number[][][]} the crops
 */
export function pianoCrops(batch, length, seed = 1) {
  const rng = createRng(seed);
  return Array.from({ length: batch }, () =>
    Array.from({ length: length + 1 }, (_, i) => [
      i === 0 || rng.next() < 0.35 ? 0 : rng.next() * 0.5,
      0.05 + rng.next() * 1.5,
      0.2 + rng.next() * 0.6,
      rng.int(-39, 48),
    ]),
  );
}
