import type { Split } from '../data/split.js';
import type { Attribute } from '../encoding/grid.js';
import type { ResolvedSampling } from '../generate/sampling.js';
import type { ModelConfig } from '../model/config.js';
import type { BaselineNll } from './baselines.js';
import type { AttributeNll, GaussianWidths } from './likelihood.js';
import type { SimilarityResult } from './similarity.js';

/** What `evaluateModel` (`evaluate.ts`) returns: the likelihood and music halves of a report. */

/** Baseline NLLs, nats per note, with the best baseline's total. */
export interface BaselineScores extends BaselineNll {
  /** Bigram pitch + marginal delay, duration and velocity. */
  readonly total: number;
}

/** The likelihood half of the report. */
export interface LikelihoodResult {
  /** Held-out pieces scored, and the notes predicted (each piece's first note is context only). */
  readonly pieces: number;
  readonly notes: number;
  /** Seconds of music the scored notes span (each piece's first onset to its last). */
  readonly seconds: number;
  /** The same NLLs per second of music, in bits: total nats × notes ÷ seconds ÷ ln 2. */
  readonly bitsPerSecond: { readonly model: number; readonly baseline: number };
  readonly model: AttributeNll;
  readonly baselines: BaselineScores;
  /** σ of the regression head's Gaussians, fitted on the training split (`null`: binned outputs). */
  readonly widths: GaussianWidths | null;
  /** The training pieces and notes the widths were fitted on; the baselines use all training notes. */
  readonly fit: { readonly pieces: number; readonly notes: number; readonly baselineNotes: number };
  /** Whether the model's pitch NLL is below the bigram baseline's. */
  readonly beatsBigram: boolean;
  /** Attributes on which the model scores worse than its baseline (bigram for pitch). */
  readonly worseThanBaseline: readonly Attribute[];
  /** One line: the model is broken (does not beat the bigram on pitch), or by how much it beats it. */
  readonly verdict: string;
  /** With a repetition cache: the network's own scores, without the cache (`model` has it mixed in). */
  readonly withoutRepetition?: AttributeNll;
}

/** The music half of the report. */
export interface MusicResult extends SimilarityResult {
  readonly pieces: number;
  readonly notesPerPiece: number;
  /** Seeds of the generated pieces, in order. */
  readonly seeds: readonly number[];
  readonly sampling: ResolvedSampling;
  /** Whether a repetition cache was mixed in (at `sampling.repetition`). */
  readonly repetition: boolean;
  /** Generation speed: generated notes (all pieces) per second. */
  readonly notesPerSecond: number;
}

/** Everything `howl eval` measures. */
export interface EvalResult {
  readonly model: ModelConfig;
  readonly split: Split;
  readonly likelihood: LikelihoodResult;
  /** null when no pieces were generated. */
  readonly music: MusicResult | null;
  /** Seconds spent fitting, scoring, generating and comparing. */
  readonly seconds: {
    readonly fit: number;
    readonly score: number;
    readonly generate: number;
    readonly compare: number;
  };
}
