import type { V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import { fitSigma, gaussianNll, type SigmaFit } from './gaussian.js';
import { timeBin, timeBinEdges, velocityBin, volumeBinEdges, type Attribute } from '../encoding/grid.js';
import type { Predictions } from './predict.js';

/**
 * A model's likelihood of real notes on the shared grid, in nats per note.
 *
 * The original network (`original-lstm`) has a softmax over the 120 pitches, scored as it is, and a
 * regression head for (delay, duration, volume), scored as a Gaussian around each prediction with
 * one σ per attribute fitted on the training split (`gaussian.ts`), integrated over the real
 * value's bin. A network with binned outputs (`ordered-rnn`) is scored by its own probability of
 * each real bin.
 */

/** Nats per note of each attribute, and their sum. */
export type AttributeNll = Readonly<Record<Attribute | 'total', number>>;

/** The real notes a `Predictions` predicts, aligned with it: their grid bins and raw values. */
export interface Targets {
  readonly count: number;
  readonly pitch: Uint8Array;
  readonly delay: Uint16Array;
  readonly duration: Uint16Array;
  readonly velocity: Uint8Array;
  /** `[count, 3]` the real (delay, duration, volume). */
  readonly values: Float64Array;
}

/**
 * The notes 2..n of every piece (those `predictPieces` predicts), in the same order.
 *
 * @param pieces - the pieces as V1 rows
 * @returns their bins and values
 */
export function targetsOf(pieces: readonly (readonly V1Row[])[]): Targets {
  const count = pieces.reduce((sum, rows) => sum + Math.max(0, rows.length - 1), 0);
  const pitch = new Uint8Array(count);
  const delay = new Uint16Array(count);
  const duration = new Uint16Array(count);
  const velocity = new Uint8Array(count);
  const values = new Float64Array(count * 3);
  let k = 0;
  for (const rows of pieces) {
    for (let t = 1; t < rows.length; t++, k++) {
      const [d, len, volume, p] = rows[t]!;
      pitch[k] = p + 60;
      delay[k] = timeBin(d);
      duration[k] = timeBin(len);
      velocity[k] = velocityBin(volume * 127);
      values[k * 3] = d;
      values[k * 3 + 1] = len;
      values[k * 3 + 2] = volume;
    }
  }
  return { count, pitch, delay, duration, velocity, values };
}

/** A fitted σ, and for comparison the RMS error the training loss saw. */
export interface WidthFit extends SigmaFit {
  /** Root-mean-square of (real value clipped to [0, 4] − prediction), as the training loss. */
  readonly rms: number;
}

/** The Gaussians' widths of the regression head, per output. */
export interface GaussianWidths {
  /** Seconds. */
  readonly delay: WidthFit;
  /** Seconds. */
  readonly duration: WidthFit;
  /** Volume units (velocity / 127). */
  readonly volume: WidthFit;
}

const OUTPUTS = [
  ['delay', timeBinEdges, 'delay'],
  ['duration', timeBinEdges, 'duration'],
  ['volume', volumeBinEdges, 'velocity'],
] as const;

/**
 * Fits the σ of each regression output on (training) predictions, by grid likelihood.
 *
 * @param predictions - the model's predictions of some training pieces
 * @param targets - `targetsOf` the same pieces
 * @returns σ per output
 */
export function fitGaussianWidths(predictions: Predictions, targets: Targets): GaussianWidths {
  const fits = OUTPUTS.map(([, edges, attribute], j): WidthFit => {
    const fit = fitSigma(edges, targets[attribute], predictions.regression, { stride: 3, offset: j });
    let squares = 0;
    for (let i = 0; i < targets.count; i++) {
      const r = Math.min(4, Math.max(0, targets.values[i * 3 + j]!)) - predictions.regression[i * 3 + j]!;
      squares += r * r;
    }
    return { ...fit, rms: Math.sqrt(squares / Math.max(1, targets.count)) };
  });
  return { delay: fits[0]!, duration: fits[1]!, volume: fits[2]! };
}

/**
 * Scores predictions of held-out notes on the grid.
 *
 * @param predictions - the model's predictions
 * @param targets - `targetsOf` the same pieces
 * @param widths - σ per regression output (`fitGaussianWidths` on the training split); `null` for
 *   a network with binned outputs, whose log-probabilities are used as they are
 * @returns nats per note per attribute, and the total
 * @throws InvalidArgumentError for regression predictions without widths
 */
export function gridNll(
  predictions: Predictions,
  targets: Targets,
  widths: GaussianWidths | null,
): AttributeNll {
  const meanNll = (logProbs: Float64Array): number => {
    let sum = 0;
    for (let i = 0; i < predictions.count; i++) sum -= logProbs[i]!;
    return predictions.count ? sum / predictions.count : 0;
  };
  const pitch = meanNll(predictions.pitchLogProb);
  const { binned } = predictions;
  if (binned) {
    const [delay, duration, velocity] = [binned.delay, binned.duration, binned.velocity].map(meanNll) as [
      number,
      number,
      number,
    ];
    return { pitch, delay, duration, velocity, total: pitch + delay + duration + velocity };
  }
  if (!widths) throw new InvalidArgumentError('regression predictions are scored with fitted widths');
  const [delay, duration, velocity] = OUTPUTS.map(([name, edges, attribute], j) =>
    gaussianNll(edges, targets[attribute], predictions.regression, widths[name].sigma, 3, j),
  ) as [number, number, number];
  return { pitch, delay, duration, velocity, total: pitch + delay + duration + velocity };
}
