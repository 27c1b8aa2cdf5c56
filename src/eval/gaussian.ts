import { InvalidArgumentError } from '../errors.js';
import { logBinProbability } from './erf.js';

/**
 * A continuous prediction scored on the grid: the model's output μ taken as the mean of a normal
 * distribution N(μ, σ²), whose probability of the real value's bin `[low, high)` is
 * Φ((high − μ)/σ) − Φ((low − μ)/σ). One σ per attribute, fitted on the training split
 * (`fitSigma`), turns a regression head trained with squared error into a distribution: the best
 * Gaussian that head admits, the fairest reading of a model that never predicted a distribution.
 */

/** Edges of a grid bin: `[low, high)`, possibly infinite at the ends of the grid. */
export type BinEdges = (bin: number) => readonly [number, number];

/**
 * log P(bin) under N(mean, sigma²).
 *
 * @param edges - the attribute's bin edges (`timeBinEdges`, `volumeBinEdges`)
 * @param bin - the bin
 * @param mean - the prediction μ
 * @param sigma - the standard deviation σ > 0
 * @returns the natural-log probability
 * @example gaussianBinLogProb(timeBinEdges, 25, 0.255, 0.1); // log P(0.25 ≤ X < 0.26)
 */
export function gaussianBinLogProb(edges: BinEdges, bin: number, mean: number, sigma: number): number {
  const [low, high] = edges(bin);
  return logBinProbability((low - mean) / sigma, (high - mean) / sigma);
}

/**
 * The probability of every bin under N(mean, sigma²) (they sum to 1: the bins cover the line).
 *
 * @param edges - the attribute's bin edges
 * @param bins - number of bins
 * @param mean - μ
 * @param sigma - σ > 0
 * @returns `bins` probabilities
 * @example gaussianGrid(timeBinEdges, TIME_BINS, 0.5, 0.2).reduce((a, b) => a + b); // 1
 */
export function gaussianGrid(edges: BinEdges, bins: number, mean: number, sigma: number): Float64Array {
  const p = new Float64Array(bins);
  for (let b = 0; b < bins; b++) p[b] = Math.exp(gaussianBinLogProb(edges, b, mean, sigma));
  return p;
}

/**
 * Mean negative log-likelihood (nats per value) of bins under Gaussians around predictions.
 *
 * @param edges - bin edges
 * @param bins - the real values' bins
 * @param means - the predictions, one per bin (a strided view: `means[i * stride + offset]`)
 * @param sigma - σ
 * @param stride - distance between two predictions in `means` (default 1)
 * @param offset - index of the first prediction (default 0)
 * @returns nats per value (0 when there are none)
 */
export function gaussianNll(
  edges: BinEdges,
  bins: ArrayLike<number>,
  means: ArrayLike<number>,
  sigma: number,
  stride = 1,
  offset = 0,
): number {
  let sum = 0;
  for (let i = 0; i < bins.length; i++) {
    sum -= gaussianBinLogProb(edges, bins[i]!, means[i * stride + offset]!, sigma);
  }
  return bins.length ? sum / bins.length : 0;
}

/** The fitted width of one attribute's Gaussian. */
export interface SigmaFit {
  /** σ maximising the grid likelihood of the fitting values. */
  readonly sigma: number;
  /** Mean NLL of the fitting values at that σ, nats per value. */
  readonly nll: number;
  /** Values it was fitted on. */
  readonly count: number;
}

/** Options of `fitSigma`. */
export interface FitSigmaOptions {
  /** Smallest σ considered (default 1e-4). */
  readonly min?: number;
  /** Largest σ considered (default 10). */
  readonly max?: number;
  /** Distance between predictions in `means` (default 1). */
  readonly stride?: number;
  /** Index of the first prediction in `means` (default 0). */
  readonly offset?: number;
}

/**
 * Fits the Gaussian's σ by maximum likelihood on the grid: the σ in [min, max] that minimises the
 * mean NLL of the real values' bins, by golden-section search on log σ (to 1e-4 relative).
 * On the grid this is the σ that gives the model its best score on the fitting data; it is close
 * to the residuals' RMS when the residuals are normal and much wider than a bin.
 *
 * @param edges - bin edges
 * @param bins - the real values' bins
 * @param means - the predictions
 * @param options - search range and the layout of `means`
 * @returns σ, its NLL and the count
 * @throws InvalidArgumentError when there are no values
 * @example fitSigma(timeBinEdges, delayBins, predictedDelays).sigma;
 */
export function fitSigma(
  edges: BinEdges,
  bins: ArrayLike<number>,
  means: ArrayLike<number>,
  options: FitSigmaOptions = {},
): SigmaFit {
  const { min = 1e-4, max = 10, stride = 1, offset = 0 } = options;
  if (bins.length === 0) throw new InvalidArgumentError('no values to fit a Gaussian width on');
  const nllAt = (logSigma: number): number =>
    gaussianNll(edges, bins, means, Math.exp(logSigma), stride, offset);
  let a = Math.log(min);
  let b = Math.log(max);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = nllAt(c);
  let fd = nllAt(d);
  while (b - a > 1e-4) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = nllAt(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = nllAt(d);
    }
  }
  const logSigma = fc <= fd ? c : d;
  return {
    sigma: Math.exp(logSigma),
    nll: Math.min(fc, fd),
    count: bins.length,
  };
}
