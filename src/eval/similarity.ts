import type { Note } from '../score/note.js';
import {
  STALL_REPEATED_PITCH,
  STALL_SILENCE_SECONDS,
  measureDegeneration,
  type PieceDegeneration,
} from './degeneration.js';
import {
  FEATURE_SPECS,
  FEATURES,
  emptyFeatureValues,
  histogram,
  measureFeatures,
  median,
  type Feature,
} from './features.js';
import { overlappedArea } from './overlap.js';

/** One feature's histograms, real against generated. */
export interface FeatureComparison {
  readonly feature: Feature;
  readonly title: string;
  readonly unit: string;
  /** One label per bin. */
  readonly labels: readonly string[];
  /** A short label per bin, for axis ticks. */
  readonly ticks: readonly string[];
  /** Counts per bin over the real pieces. */
  readonly real: readonly number[];
  /** Counts per bin over the generated pieces. */
  readonly generated: readonly number[];
  /** Overlapped Area of the normalised histograms, 0..1 (null when one side has no values). */
  readonly overlappedArea: number | null;
  /** Median raw value of each side (null when none). */
  readonly realMedian: number | null;
  readonly generatedMedian: number | null;
}

/** Degeneration over a set of pieces. */
export interface DegenerationSummary {
  readonly pieces: number;
  /** Mean and largest share of a piece covered by its longest repeated ≥ 16-note pattern. */
  readonly meanRepeatCoverage: number;
  readonly maxRepeatCoverage: number;
  /** Pieces with a run of ≥ 10 equal pitches, with a silence > 10 s, and with either. */
  readonly repeatedPitchStalls: number;
  readonly silenceStalls: number;
  readonly stalled: number;
  /** `stalled / pieces`. */
  readonly stalledShare: number;
  /** Every piece's measures, in the order given. */
  readonly perPiece: readonly PieceDegeneration[];
}

/** How close generated music is to real music. */
export interface SimilarityResult {
  readonly features: readonly FeatureComparison[];
  /** Mean of the features' Overlapped Areas (those defined). */
  readonly meanOverlappedArea: number | null;
  readonly generated: DegenerationSummary;
  /** The same measures on the real pieces, for reference. */
  readonly real: DegenerationSummary;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Summarises the degeneration of a set of pieces.
 *
 * @param pieces - the pieces, each in its played or generated order
 * @returns the summary (zeros for no pieces)
 */
export function summariseDegeneration(pieces: readonly (readonly Note[])[]): DegenerationSummary {
  const perPiece = pieces.map((notes) => measureDegeneration(notes));
  const n = perPiece.length;
  const stalled = perPiece.filter((p) => p.stalled).length;
  return {
    pieces: n,
    meanRepeatCoverage: n ? perPiece.reduce((s, p) => s + p.repeatCoverage, 0) / n : 0,
    maxRepeatCoverage: perPiece.reduce((m, p) => Math.max(m, p.repeatCoverage), 0),
    repeatedPitchStalls: perPiece.filter((p) => p.longestPitchRun >= STALL_REPEATED_PITCH).length,
    silenceStalls: perPiece.filter((p) => p.longestSilence > STALL_SILENCE_SECONDS).length,
    stalled,
    stalledShare: n ? stalled / n : 0,
    perPiece,
  };
}

/**
 * Compares the feature histograms and degeneration of generated pieces with real ones.
 *
 * @param real - real pieces (e.g. the held-out files), each sorted by onset
 * @param generated - generated pieces, each in generation order
 * @returns histograms, Overlapped Areas and their mean, and degeneration of both sides
 * @example compareMusic(heldOut, candidates.map((c) => [...c.start, ...c.notes])).meanOverlappedArea;
 */
export function compareMusic(
  real: readonly (readonly Note[])[],
  generated: readonly (readonly Note[])[],
): SimilarityResult {
  const realValues = emptyFeatureValues();
  const generatedValues = emptyFeatureValues();
  for (const piece of real) measureFeatures(piece, realValues);
  for (const piece of generated) measureFeatures(piece, generatedValues);
  const features = FEATURES.map((feature): FeatureComparison => {
    const spec = FEATURE_SPECS[feature];
    const r = histogram(spec, realValues[feature]);
    const g = histogram(spec, generatedValues[feature]);
    return {
      feature,
      title: spec.title,
      unit: spec.unit,
      labels: spec.labels,
      ticks: spec.ticks,
      real: r,
      generated: g,
      overlappedArea: finiteOrNull(overlappedArea(r, g)),
      realMedian: finiteOrNull(median(realValues[feature])),
      generatedMedian: finiteOrNull(median(generatedValues[feature])),
    };
  });
  const defined = features.map((f) => f.overlappedArea).filter((x): x is number => x !== null);
  return {
    features,
    meanOverlappedArea: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
    generated: summariseDegeneration(generated),
    real: summariseDegeneration(real),
  };
}
