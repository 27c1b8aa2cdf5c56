import type { BinnedAttribute } from '../generate/bin-kernel.js';
import { ATTRIBUTES, type Attribute } from '../encoding/grid.js';

/**
 * Fitting a cache's mixing weights (`repetition-fit.ts`): for each attribute and context length the
 * λ of `(1 − λ) p + λ q` that maximises the likelihood of the real notes, by EM, and for each binned
 * attribute the kernel width that does.
 */

/** Kernel widths tried for the binned attributes, in ln(bin + 1). */
export const REPETITION_WIDTHS: readonly number[] = [0.02, 0.05, 0.1, 0.2, 0.4];

/** Kernel widths tried for the release vote: it votes for exact ends, so narrower ones. */
export const RELEASE_WIDTHS: readonly number[] = [0.002, 0.005, 0.01, 0.02];

/** λ maximising Σ ln((1 − λ) p_i + λ q_i), by EM from 0.5 (the objective is concave in λ). */
export function fitWeight(p: readonly number[], q: readonly number[]): { lambda: number; gain: number } {
  if (p.length === 0) return { lambda: 0, gain: 0 };
  let lambda = 0.5;
  for (let iteration = 0; iteration < 200; iteration++) {
    let share = 0;
    for (let i = 0; i < p.length; i++) {
      const mixed = (1 - lambda) * p[i]! + lambda * q[i]!;
      share += mixed > 0 ? (lambda * q[i]!) / mixed : 0;
    }
    const next = Math.min(0.99, share / p.length);
    if (Math.abs(next - lambda) < 1e-6) {
      lambda = next;
      break;
    }
    lambda = next;
  }
  lambda = Math.round(lambda * 1000) / 1000;
  let gain = 0;
  for (let i = 0; i < p.length; i++)
    gain += Math.log((1 - lambda) * p[i]! + lambda * q[i]!) - Math.log(p[i]!);
  return { lambda, gain };
}

/** Adds one matched note's model probability `p` and cache probability `q` (or reports no opinion). */
export type AddSample = (
  attribute: Attribute,
  widthIndex: number,
  order: number,
  p: number,
  q: number,
) => void;

/**
 * Fits one cache's weights from the samples `collect` adds: per attribute and order the λ that
 * maximises the likelihood (EM), and per binned attribute the kernel width that does.
 */
export function fitMixture(
  orderCount: number,
  notes: number,
  collect: (add: AddSample) => void,
  widths: readonly number[] = REPETITION_WIDTHS,
): {
  lambda: Record<Attribute, number[]>;
  width: Record<BinnedAttribute, number>;
  gain: Record<Attribute, number>;
} {
  // For each width: per attribute, per order, the model's p and the cache's q of every matched note
  // (the pitch has no kernel: its samples are kept under the first width). One pass tries them all.
  const samples = widths.map(() =>
    Object.fromEntries(
      ATTRIBUTES.map((a) => [
        a,
        Array.from({ length: orderCount }, () => ({ p: [] as number[], q: [] as number[] })),
      ]),
    ),
  ) as Record<Attribute, { p: number[]; q: number[] }[]>[];
  collect((attribute, w, order, p, q) => {
    const sample = samples[w]![attribute][order]!;
    sample.p.push(p);
    sample.q.push(q);
  });
  const lambda = {} as Record<Attribute, number[]>;
  const gain = {} as Record<Attribute, number>;
  const width = {} as Record<BinnedAttribute, number>;
  for (const attribute of ATTRIBUTES) {
    let best = { w: 0, lambdas: [] as number[], gain: -Infinity };
    const tried = attribute === 'pitch' ? [0] : widths.map((_, w) => w);
    for (const w of tried) {
      const fits = samples[w]![attribute].map((s) => fitWeight(s.p, s.q));
      const total = fits.reduce((sum, f) => sum + f.gain, 0);
      if (total > best.gain) best = { w, lambdas: fits.map((f) => f.lambda), gain: total };
    }
    lambda[attribute] = best.lambdas;
    gain[attribute] = notes > 0 ? best.gain / notes : 0;
    if (attribute !== 'pitch') width[attribute] = widths[best.w]!;
  }
  return { lambda, width, gain };
}
