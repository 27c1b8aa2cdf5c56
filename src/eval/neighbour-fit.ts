import type { V1Row } from '../encoding/v1.js';
import {
  NEIGHBOUR_ATTRIBUTES,
  type NeighbourAttribute,
  type NeighbourVote,
} from '../generate/neighbour-vote.js';
import type {
  NeighbourConfig,
  NeighbourHeadConfig,
  RepetitionConfig,
} from '../generate/repetition-config.js';
import { mixLogProb } from '../generate/repetition-mix.js';
import { fitMixture } from './mixture-weights.js';
import type { Predictions } from './predict.js';
import { walkNeighbours, type RealNote } from './repetition-walk.js';

/**
 * Fitting the neighbour vote (`src/generate/neighbour-vote.ts`) over a model with its repetition
 * caches and release vote mixed in, and mixing it into held-out predictions.
 */

/** Notes back the neighbour vote reads. */
export const DEFAULT_NEIGHBOUR_RECENT = 64;

/**
 * The settings tried for each attribute: every decay × pitch scale × kernel width. On ASAP (the
 * LSTM-416 at 4,000 steps) the best were decay 0.95, scale 2, width 0.05 for durations and 0.8, 1,
 * 0.05 for velocities; a decay of 0.98 and a width of 0.02 never won, and are not tried.
 */
const DECAYS = [0.8, 0.9, 0.95];
const PITCH_SCALES = [1, 2, 4, 8];
const WIDTHS = [0.05, 0.1];
const TRIED: readonly NeighbourHeadConfig[] = DECAYS.flatMap((decay) =>
  PITCH_SCALES.flatMap((pitchScale) => WIDTHS.map((width) => ({ decay, pitchScale, width, lambda: 0 }))),
);

/**
 * The neighbour vote's settings and weight for durations and velocities: of `TRIED`, the one whose
 * EM-fitted λ gains most on these pieces.
 *
 * @param cached - the model's predictions with the caches and release vote already mixed in
 * @param pieces - the pieces, as V1 rows
 * @param recent - notes back that vote
 * @returns the config, and the mean gain in nats per note of each attribute
 */
export function fitNeighbourStage(
  cached: Predictions,
  pieces: readonly (readonly V1Row[])[],
  recent = DEFAULT_NEIGHBOUR_RECENT,
): { config: NeighbourConfig; gain: { duration: number; velocity: number } } {
  const probe: NeighbourConfig = {
    recent,
    duration: TRIED[0]!,
    velocity: TRIED[0]!,
  };
  const fit = fitMixture(
    1,
    cached.count,
    (add) =>
      walkNeighbours(probe, cached, pieces, (vote, k, next) => {
        for (const attribute of NEIGHBOUR_ATTRIBUTES) {
          const p = Math.max(Math.exp(cached.binned![attribute][k]!), 1e-300);
          TRIED.forEach((head, t) => {
            const q = vote.probability(attribute, next.pitch, next[attribute], head);
            if (q !== null) add(attribute, t, 0, p, q);
          });
        }
      }),
    TRIED.map((_, t) => t),
  );
  const head = (attribute: 'duration' | 'velocity'): NeighbourHeadConfig => ({
    ...TRIED[fit.width[attribute]]!,
    lambda: fit.lambda[attribute][0]!,
  });
  return {
    config: { recent, duration: head('duration'), velocity: head('velocity') },
    gain: { duration: fit.gain.duration, velocity: fit.gain.velocity },
  };
}

/**
 * Mixes the neighbour vote into `binned` (changed in place): durations and velocities.
 *
 * @param config - the cache's config (nothing is done without `neighbours`)
 * @param predictions - the predictions `binned` belongs to (their offsets)
 * @param pieces - the pieces, as V1 rows
 * @param binned - the log-probabilities to mix into
 */
export function mixNeighbours(
  config: RepetitionConfig,
  predictions: Predictions,
  pieces: readonly (readonly V1Row[])[],
  binned: { duration: Float64Array; velocity: Float64Array },
): void {
  const neighbours = config.neighbours;
  if (neighbours === undefined) return;
  walkNeighbours(neighbours, predictions, pieces, (vote, k, next) => {
    for (const attribute of NEIGHBOUR_ATTRIBUTES) {
      binned[attribute][k] = withNeighbourVote(vote, attribute, binned[attribute][k]!, next);
    }
  });
}

/**
 * One attribute's log-probability with the neighbour vote mixed in at its weight (unchanged when
 * the weight is 0 or no note votes).
 *
 * @param vote - the vote, fed the notes before this one
 * @param attribute - duration or velocity
 * @param logP - the log-probability of the real value so far
 * @param next - the note's real pitch and bins
 * @returns the mixed log-probability
 */
export function withNeighbourVote(
  vote: NeighbourVote,
  attribute: NeighbourAttribute,
  logP: number,
  next: RealNote,
): number {
  const lambda = vote.config[attribute].lambda;
  if (!(lambda > 0)) return logP;
  const q = vote.probability(attribute, next.pitch, next[attribute]);
  return q === null ? logP : mixLogProb(logP, lambda, q);
}
