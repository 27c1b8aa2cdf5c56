import { TIME_BINS, VELOCITY_BINS } from '../encoding/grid.js';

/**
 * The kernel the repetition caches spread a remembered bin with: a note's delay, duration or
 * velocity is never played twice the same, so an earlier note votes for its own bin and, less,
 * for the bins near it, by `exp(−|ln(bin + 1) − ln(centre + 1)| / width)` (a Laplace kernel on a
 * log scale: ±10 ms matters at 20 ms, not at 2 s).
 */

/** The binned attributes a cache predicts besides the pitch. */
export type BinnedAttribute = 'delay' | 'duration' | 'velocity';

/** Bins of each binned attribute. */
export const ATTRIBUTE_BINS: Readonly<Record<BinnedAttribute, number>> = {
  delay: TIME_BINS,
  duration: TIME_BINS,
  velocity: VELOCITY_BINS,
};

/** Normalised kernels `k(bin | centre)` over an attribute's bins, made once per (bins, width). */
const made = new Map<string, Float64Array[]>();

/**
 * The kernel's rows, one per centre bin, each summing to 1.
 *
 * @param bins - the attribute's bins
 * @param width - the width in ln(bin + 1)
 * @returns `rows[centre][bin]`
 */
export function kernelRows(bins: number, width: number): Float64Array[] {
  const key = `${bins}:${width}`;
  let rows = made.get(key);
  if (rows) return rows;
  rows = [];
  for (let centre = 0; centre < bins; centre++) {
    const row = new Float64Array(bins);
    const c = Math.log(centre + 1);
    let sum = 0;
    for (let bin = 0; bin < bins; bin++) sum += row[bin] = Math.exp(-Math.abs(Math.log(bin + 1) - c) / width);
    for (let bin = 0; bin < bins; bin++) row[bin]! /= sum;
    rows.push(row);
  }
  made.set(key, rows);
  return rows;
}
