import { InvalidArgumentError } from '../errors.js';
import type { Rng } from '../random/rng.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * Choosing the next pitch from the network's 120 logits.
 *
 * Order of the controls: the pitch range masks pitches out (they cannot be drawn at all), then
 * `temperature` divides the logits, then `topK` keeps the k most likely pitches, then `topP` keeps
 * the smallest set of the most likely pitches whose probability reaches p (nucleus sampling,
 * Holtzman et al. 2020), then one pitch is drawn. `greedy` takes the most likely pitch in range,
 * as the original system did (docs/original-system.md §7).
 *
 * The returned `logProb` is the model's own log-probability of the pitch (temperature 1, no
 * truncation, all 120 pitches), so candidates drawn with different settings are ranked on the
 * same scale.
 */
export interface SamplingOptions {
  /** Divides the logits: < 1 sharper, > 1 flatter. Default 1. Must be > 0. */
  readonly temperature?: number;
  /** Keep only the k most likely pitches (an integer ≥ 1). */
  readonly topK?: number;
  /** Keep the most likely pitches up to this cumulative probability, in (0, 1]. */
  readonly topP?: number;
  /** Always take the most likely pitch (the original's behaviour). */
  readonly greedy?: boolean;
  /** Lowest MIDI pitch allowed (default 0). */
  readonly minPitch?: number;
  /** Highest MIDI pitch allowed (default 119). */
  readonly maxPitch?: number;
  /**
   * Divides the timing and velocity logits of a model that has them (an `ordered-rnn`; the
   * original regresses one value, which has no temperature). Default 1. They are always drawn from
   * the whole distribution: `topK`, `topP` and `greedy` apply to pitch only (a timing's tail is
   * real playing, and a truncated one comes out narrower than the music it learnt from; the
   * likeliest delay after almost any note is 0, a chord, so greedy timing would stack a piece).
   * It sets all three heads at once; `delayTemperature`, `durationTemperature` and
   * `velocityTemperature` override it for one head each.
   */
  readonly timingTemperature?: number;
  /** Divides the delay head's logits (ordered networks). Default `timingTemperature`. Must be > 0. */
  readonly delayTemperature?: number;
  /** Divides the duration head's logits (ordered networks). Default `timingTemperature`. Must be > 0. */
  readonly durationTemperature?: number;
  /** Divides the velocity head's logits (ordered networks). Default `timingTemperature`. Must be > 0. */
  readonly velocityTemperature?: number;
  /**
   * Where a note whose delay falls in the grid's first bin (under 10 ms: a chord) starts, for a
   * model that draws timing bins: `'rolled'` (default) uniformly in [0, 10 ms) after the note
   * before, so a chord rolls over a few milliseconds per note; `'together'` exactly with it.
   * Together matches piano-midi-de (99.6 % of its first-bin delays are under 1 ms) and gives fuller
   * chords, but the shipped ordered LSTM's free-running tempo then slows (notes per second 6.5 →
   * 4.5 and 7 → 3.5 on two seed ranges; `docs/models.md`), so rolled stays the default.
   */
  readonly chords?: 'rolled' | 'together';
  /**
   * Strength of the model's repetition cache when it has one (`repetition-cache.ts`), 0 to 4: its
   * fitted weights are multiplied by this (each capped at 0.99). 1 (default) samples from the
   * distribution the likelihood is scored with; 0 turns the cache off; above 1 the music returns to
   * what it played more often (a network running free strays from its own material more than real
   * music does, so a model's `sampling.json` may set more than 1, measured against real music).
   */
  readonly repetition?: number;
  /**
   * Strength of the release vote when the model's `repetition.json` has one (`release-vote.ts`),
   * 0 to 4: its fitted weights are multiplied by this (capped at 0.99); 1 (default) is the
   * distribution scored. It is off whenever `repetition` is 0. Running free, a strong vote chains
   * notes to one release and lengthens them, so a model's `sampling.json` may set less than 1.
   */
  readonly release?: number;
  /**
   * Strength of the neighbour vote when the model's `repetition.json` has one (`neighbour-vote.ts`),
   * 0 to 4: its fitted weights are multiplied by this (capped at 0.99); 1 (default) is the
   * distribution scored. It is off whenever `repetition` is 0.
   */
  readonly neighbours?: number;
}

/**
 * The sampling Howl's tools use unless told otherwise: `howl generate`, `howl eval` and the web
 * composer. Temperature 1, and nucleus sampling at 0.95 on pitch (the least likely 5 % of pitch
 * mass, mostly wrong notes, is never drawn; timing is always drawn from its whole distribution).
 * `resolveSampling` itself defaults to no truncation (top-p 1): this is the applications' choice.
 * A model folder may hold its own in `sampling.json` (`loadModel(dir).sampling`), which `howl
 * generate` and `howl eval` lay over these, and the web composer its way
 * (`web/src/model-sampling.ts`): the shipped default model's sets top-p 1 and the delay and
 * duration heads' temperatures to 0.96 and 0.94 (`docs/models.md`).
 *
 * @example resolveSampling({ ...DEFAULT_SAMPLING, minPitch: 21 }); // top-p 0.95, A0 and up
 */
export const DEFAULT_SAMPLING = { temperature: 1, topP: 0.95 } as const satisfies SamplingOptions;

/** Sampling options with every default filled in. */
export interface ResolvedSampling {
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly greedy: boolean;
  readonly minPitch: number;
  readonly maxPitch: number;
  readonly timingTemperature: number;
  readonly delayTemperature: number;
  readonly durationTemperature: number;
  readonly velocityTemperature: number;
  readonly chords: 'rolled' | 'together';
  readonly repetition: number;
  readonly release: number;
  readonly neighbours: number;
}

/**
 * Checks sampling options and fills in the defaults.
 *
 * @param options - the options
 * @returns the resolved options
 * @throws InvalidArgumentError naming the bad option
 */
export function resolveSampling(options: SamplingOptions = {}): ResolvedSampling {
  const {
    temperature = 1,
    topK = PITCH_COUNT,
    topP = 1,
    greedy = false,
    minPitch = 0,
    maxPitch = PITCH_COUNT - 1,
    timingTemperature = 1,
    delayTemperature = timingTemperature,
    durationTemperature = timingTemperature,
    velocityTemperature = timingTemperature,
    chords = 'rolled',
    repetition = 1,
    release = 1,
    neighbours = 1,
  } = options;
  if (!(Number.isFinite(release) && release >= 0 && release <= 4)) {
    throw new InvalidArgumentError(`release ${release} is not a number in [0, 4]`);
  }
  if (!(Number.isFinite(neighbours) && neighbours >= 0 && neighbours <= 4)) {
    throw new InvalidArgumentError(`neighbours ${neighbours} is not a number in [0, 4]`);
  }
  if (!(Number.isFinite(repetition) && repetition >= 0 && repetition <= 4)) {
    throw new InvalidArgumentError(`repetition ${repetition} is not a number in [0, 4]`);
  }
  if (chords !== 'rolled' && chords !== 'together') {
    throw new InvalidArgumentError(`chords "${String(chords)}" is not rolled or together`);
  }
  if (!(Number.isFinite(temperature) && temperature > 0)) {
    throw new InvalidArgumentError(`temperature ${temperature} is not a number > 0`);
  }
  for (const [name, value] of [
    ['timing', timingTemperature],
    ['delay', delayTemperature],
    ['duration', durationTemperature],
    ['velocity', velocityTemperature],
  ] as const) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new InvalidArgumentError(`${name} temperature ${value} is not a number > 0`);
    }
  }
  if (!(Number.isSafeInteger(topK) && topK >= 1)) {
    throw new InvalidArgumentError(`top-k ${topK} is not a whole number >= 1`);
  }
  if (!(topP > 0 && topP <= 1)) throw new InvalidArgumentError(`top-p ${topP} is not in (0, 1]`);
  for (const [name, value] of [
    ['lowest pitch', minPitch],
    ['highest pitch', maxPitch],
  ] as const) {
    if (!(Number.isInteger(value) && value >= 0 && value < PITCH_COUNT)) {
      throw new InvalidArgumentError(`${name} ${value} is not a MIDI pitch in 0..119`);
    }
  }
  if (minPitch > maxPitch) {
    throw new InvalidArgumentError(`the pitch range is empty: lowest ${minPitch} > highest ${maxPitch}`);
  }
  return {
    temperature,
    topK: Math.min(topK, PITCH_COUNT),
    topP,
    greedy,
    minPitch,
    maxPitch,
    timingTemperature,
    delayTemperature,
    durationTemperature,
    velocityTemperature,
    chords,
    repetition,
    release,
    neighbours,
  };
}

/** A chosen pitch and the model's log-probability of it. */
export interface PitchChoice {
  /** MIDI pitch 0..119. */
  readonly pitch: number;
  /** log p(pitch) under the model (temperature 1, all pitches). */
  readonly logProb: number;
}

/** Natural-log softmax normaliser of `logits[offset .. offset+count)`. */
function logSumExp(logits: Float32Array, offset: number, count: number): number {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.exp(logits[offset + i]! - max);
  return max + Math.log(sum);
}

/**
 * The model's log-probability of one class (log-softmax of the row's logits at `index`).
 *
 * @param logits - `[batch, count]` logits
 * @param offset - the row's first index (row × count)
 * @param index - the class
 * @param count - classes per row (default 120, the pitches)
 * @returns log p(index), natural log
 */
export function logProbAt(logits: Float32Array, offset: number, index: number, count = PITCH_COUNT): number {
  return logits[offset + index]! - logSumExp(logits, offset, count);
}

/**
 * The model's log-probability of one pitch (log-softmax of the row's logits at `pitch`).
 *
 * @param logits - `[batch, 120]` logits
 * @param offset - the row's first index (row × 120)
 * @param pitch - MIDI pitch 0..119
 * @returns log p(pitch), natural log
 */
export function pitchLogProb(logits: Float32Array, offset: number, pitch: number): number {
  return logProbAt(logits, offset, pitch, PITCH_COUNT);
}

/** The most classes `chooseIndex` draws from (a delay or duration on the grid: 401 bins). */
const MAX_CLASSES = 401;
const order = new Int32Array(MAX_CLASSES);
const weights = new Float64Array(MAX_CLASSES);
const taken = new Uint8Array(MAX_CLASSES);

/** How `chooseIndex` draws: temperature and truncation, or greedy (`ResolvedSampling` is one). */
export interface IndexSampling {
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly greedy: boolean;
}

/** A chosen class and the model's log-probability of it (temperature 1, all classes). */
export interface IndexChoice {
  readonly index: number;
  readonly logProb: number;
}

/**
 * Chooses one class from a row of logits: classes outside `min..max` are masked out, then
 * temperature, top-k and top-p (in that order), then one draw; or the most likely allowed class.
 *
 * Truncation picks the most likely classes by repeated selection (k or, for top-p, usually a
 * handful of passes) rather than a sort, which costs more than the network step.
 *
 * @param logits - `[batch, count]` logits
 * @param offset - the row's first index (row × count)
 * @param count - classes per row (at most 401)
 * @param sampling - the controls
 * @param rng - the generator (not used when greedy)
 * @param min - lowest class allowed (default 0)
 * @param last - highest class allowed (default count − 1)
 * @returns the class and its log-probability
 */
export function chooseIndex(
  logits: Float32Array,
  offset: number,
  count: number,
  sampling: IndexSampling,
  rng: Rng,
  min = 0,
  last = count - 1,
): IndexChoice {
  const { temperature, topK, topP } = sampling;
  let best = min;
  for (let p = min + 1; p <= last; p++) if (logits[offset + p]! > logits[offset + best]!) best = p;
  let normaliser = NaN;
  const choose = (index: number): IndexChoice => ({ index, logProb: logits[offset + index]! - normaliser });
  if (sampling.greedy) {
    normaliser = logSumExp(logits, offset, count);
    return choose(best);
  }

  // Weights of the classes allowed, after temperature (relative to the best one allowed).
  const top = logits[offset + best]!;
  const allowed = last - min + 1;
  let total = 0;
  for (let i = 0; i < allowed; i++) {
    const w = Math.exp((logits[offset + min + i]! - top) / temperature);
    weights[i] = w;
    total += w;
  }
  // All classes at temperature 1: the weights' sum is the softmax's (saves a pass of exp over 401).
  normaliser =
    allowed === count && temperature === 1 ? top + Math.log(total) : logSumExp(logits, offset, count);
  if (topK >= allowed && topP >= 1) {
    let u = rng.next() * total;
    for (let i = 0; i < allowed - 1; i++) {
      u -= weights[i]!;
      if (u < 0) return choose(min + i);
    }
    return choose(last);
  }

  // The most likely first: k of them, or (top-p) until their share of the kept mass reaches p.
  const k = Math.min(topK, allowed);
  let kept = 0;
  let keptTotal = 0;
  taken.fill(0, 0, allowed);
  const takeNext = (): void => {
    let arg = -1;
    for (let i = 0; i < allowed; i++) if (!taken[i] && (arg < 0 || weights[i]! > weights[arg]!)) arg = i;
    taken[arg] = 1;
    order[kept++] = arg;
    keptTotal += weights[arg]!;
  };
  if (topP >= 1) {
    while (kept < k) takeNext();
  } else {
    // Top-p applies to the top-k set's own mass: with k < allowed, that needs the k first.
    let mass = total;
    if (k < allowed) {
      while (kept < k) takeNext();
      mass = keptTotal;
      kept = 0;
      keptTotal = 0;
      taken.fill(0, 0, allowed);
    }
    while (kept < k && keptTotal < topP * mass) takeNext();
  }
  let u = rng.next() * keptTotal;
  for (let i = 0; i < kept - 1; i++) {
    u -= weights[order[i]!]!;
    if (u < 0) return choose(min + order[i]!);
  }
  return choose(min + order[kept - 1]!);
}

/**
 * Chooses one pitch from the logits of one batch row (`chooseIndex` over the pitch range).
 *
 * @param logits - `[batch, 120]` logits
 * @param offset - the row's first index (row × 120)
 * @param sampling - resolved options
 * @param rng - the generator (not used when greedy)
 * @returns the pitch and its log-probability
 */
export function choosePitch(
  logits: Float32Array,
  offset: number,
  sampling: ResolvedSampling,
  rng: Rng,
): PitchChoice {
  const { index, logProb } = chooseIndex(
    logits,
    offset,
    PITCH_COUNT,
    sampling,
    rng,
    sampling.minPitch,
    sampling.maxPitch,
  );
  return { pitch: index, logProb };
}
