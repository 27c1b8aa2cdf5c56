import { InvalidArgumentError } from '../errors.js';

/**
 * A repetition cache's settings (`repetition-cache.ts`), as a model folder keeps them in
 * `repetition.json` (`howl fit-repetition` writes it; `fitRepetition` in `src/eval` fits it).
 */

/** A fitted cache: its context lengths and mixing weights (a model folder's `repetition.json`). */
export interface RepetitionConfig {
  /** Context lengths in pitch intervals, longest first (each >= 1). */
  readonly orders: readonly number[];
  /** λ of each attribute, one per order (0 <= λ < 1). */
  readonly lambda: {
    readonly delay: readonly number[];
    readonly pitch: readonly number[];
    readonly duration: readonly number[];
    readonly velocity: readonly number[];
  };
  /** Width of each binned attribute's kernel, in ln(bin + 1) (> 0). */
  readonly width: { readonly delay: number; readonly duration: number; readonly velocity: number };
  /** Most earlier occurrences that vote (the most recent ones; default 32). */
  readonly maxMatches?: number;
  /** The chord cache mixed in after this one (`chord-cache.ts`); absent in files fitted before it. */
  readonly chords?: ChordCacheConfig;
  /** The release vote mixed into durations after both (`release-vote.ts`); absent before it. */
  readonly release?: ReleaseConfig;
  /** The neighbour vote mixed into durations and velocities last (`neighbour-vote.ts`); absent before it. */
  readonly neighbours?: NeighbourConfig;
}

/** One attribute's neighbour vote: how the recent notes are weighted, spread and mixed. */
export interface NeighbourHeadConfig {
  /** Each note further back weighs this much less (0 < decay <= 1). */
  readonly decay: number;
  /** A note `d` semitones away weighs `exp(−d / pitchScale)` (> 0). */
  readonly pitchScale: number;
  /** Width of the kernel around each voted bin, in ln(bin + 1) (> 0). */
  readonly width: number;
  /** The vote's weight λ (0 <= λ < 1). */
  readonly lambda: number;
}

/** A fitted neighbour vote (`neighbour-vote.ts`): the `neighbours` of a `repetition.json`. */
export interface NeighbourConfig {
  /** Notes back that vote. */
  readonly recent: number;
  readonly duration: NeighbourHeadConfig;
  readonly velocity: NeighbourHeadConfig;
}

/** A fitted release vote (`release-vote.ts`): the `release` of a `repetition.json`. */
export interface ReleaseConfig {
  /** Notes before the next one that may share its end. */
  readonly recent: number;
  /** Width of the kernel around each voted duration bin, in ln(bin + 1) (> 0). */
  readonly width: number;
  /** The vote's weight λ, as a list of one (0 <= λ < 1). */
  readonly lambda: readonly number[];
}

/** A fitted chord cache (`chord-cache.ts`): the `chords` of a `repetition.json`. */
export interface ChordCacheConfig {
  /** A note whose delay bin is at most this belongs to the chord before it (3: under 40 ms). */
  readonly chordBins: number;
  /** Context lengths in intervals of the chords' pitch-ordered notes, longest first. */
  readonly orders: readonly number[];
  /** An interval-cache match of this many intervals or more is long (`lambda.afterLong`). */
  readonly longContext: number;
  /**
   * λ of each attribute, one per order, in three sets by what the interval cache matched for the
   * same note: nothing, a context shorter than `longContext`, or a long one (where it is often
   * right already: sequenced music repeats note for note, and its weights there are small).
   */
  readonly lambda: {
    readonly afterNone: RepetitionConfig['lambda'];
    readonly afterShort: RepetitionConfig['lambda'];
    readonly afterLong: RepetitionConfig['lambda'];
  };
  /** Width of each binned attribute's kernel, in ln(bin + 1) (> 0). */
  readonly width: RepetitionConfig['width'];
  /** Most earlier occurrences that vote (default 32). */
  readonly maxMatches?: number;
}

/** The cases of the interval cache's match that the chord cache has weights for. */
export const CHORD_WEIGHT_SETS = ['afterNone', 'afterShort', 'afterLong'] as const;

/**
 * The chord cache's weights for a note, by the interval cache's match for it.
 *
 * @param chords - the chord cache's config
 * @param intervalContext - the length of the interval cache's match, or null when it has none
 * @returns λ of each attribute, one per chord order
 */
export function chordWeights(
  chords: ChordCacheConfig,
  intervalContext: number | null,
): RepetitionConfig['lambda'] {
  if (intervalContext === null) return chords.lambda.afterNone;
  return intervalContext >= chords.longContext ? chords.lambda.afterLong : chords.lambda.afterShort;
}

/**
 * Checks a repetition config (as read from JSON).
 *
 * @param value - the parsed JSON
 * @param where - names the source in an error
 * @returns the config
 * @throws InvalidArgumentError naming what is wrong
 */
export function validateRepetitionConfig(value: unknown, where = 'repetition config'): RepetitionConfig {
  const fail = (why: string): never => {
    throw new InvalidArgumentError(`${where}: ${why}`);
  };
  if (typeof value !== 'object' || value === null) return fail('not an object');
  const config = value as Partial<RepetitionConfig>;
  const orders = config.orders;
  if (!Array.isArray(orders) || orders.length === 0) return fail('orders is not a non-empty list');
  orders.forEach((k, i) => {
    if (!(Number.isInteger(k) && k >= 1 && k <= 256)) fail(`orders[${i}] is not a whole number in 1..256`);
    if (i > 0 && !(k < orders[i - 1]!)) fail('orders are not longest first');
  });
  for (const attribute of ['delay', 'pitch', 'duration', 'velocity'] as const) {
    const weights = config.lambda?.[attribute];
    if (!Array.isArray(weights) || weights.length !== orders.length) {
      fail(`lambda.${attribute} is not a list of ${orders.length} weights`);
    }
    (weights as number[]).forEach((w, i) => {
      if (!(typeof w === 'number' && w >= 0 && w < 1)) fail(`lambda.${attribute}[${i}] is not in [0, 1)`);
    });
  }
  for (const attribute of ['delay', 'duration', 'velocity'] as const) {
    const w = config.width?.[attribute];
    if (!(typeof w === 'number' && w > 0 && Number.isFinite(w)))
      fail(`width.${attribute} is not a positive number`);
  }
  if (config.maxMatches !== undefined && !(Number.isInteger(config.maxMatches) && config.maxMatches >= 1)) {
    fail('maxMatches is not a whole number >= 1');
  }
  if (config.chords !== undefined) {
    const chords = config.chords as Partial<ChordCacheConfig>;
    const bins = chords?.chordBins;
    if (!(Number.isInteger(bins) && bins! >= 0 && bins! <= 100))
      fail('chords.chordBins is not a whole number in 0..100');
    const long = chords.longContext;
    if (!(Number.isInteger(long) && long! >= 1)) fail('chords.longContext is not a whole number >= 1');
    for (const set of CHORD_WEIGHT_SETS) {
      // Each set is checked as an interval cache's weights are, against the chords' orders.
      validateRepetitionConfig(
        {
          orders: chords.orders,
          lambda: chords.lambda?.[set],
          width: chords.width,
          maxMatches: chords.maxMatches,
        },
        `${where}: chords (${set})`,
      );
    }
  }
  if (config.release !== undefined) {
    const release = config.release as Partial<ReleaseConfig>;
    if (!(Number.isInteger(release?.recent) && release.recent! >= 1 && release.recent! <= 256))
      fail('release.recent is not a whole number in 1..256');
    if (!(typeof release.width === 'number' && release.width > 0 && Number.isFinite(release.width)))
      fail('release.width is not a positive number');
    const weights = release.lambda;
    if (!Array.isArray(weights) || weights.length === 0) fail('release.lambda is not a non-empty list');
    (weights as number[]).forEach((w, i) => {
      if (!(typeof w === 'number' && w >= 0 && w < 1)) fail(`release.lambda[${i}] is not in [0, 1)`);
    });
  }
  if (config.neighbours !== undefined) validateNeighbours(config.neighbours, fail);
  return config as RepetitionConfig;
}

function validateNeighbours(value: unknown, fail: (why: string) => never): void {
  const neighbours = value as Partial<NeighbourConfig> | null;
  if (!(Number.isInteger(neighbours?.recent) && neighbours!.recent! >= 1 && neighbours!.recent! <= 1024))
    fail('neighbours.recent is not a whole number in 1..1024');
  for (const attribute of ['duration', 'velocity'] as const) {
    const head = neighbours![attribute] as Partial<NeighbourHeadConfig> | undefined;
    const at = `neighbours.${attribute}`;
    if (typeof head !== 'object' || head === null) fail(`${at} is not an object`);
    if (!(typeof head!.decay === 'number' && head!.decay > 0 && head!.decay <= 1))
      fail(`${at}.decay is not in (0, 1]`);
    for (const key of ['pitchScale', 'width'] as const) {
      const v = head![key];
      if (!(typeof v === 'number' && v > 0 && Number.isFinite(v)))
        fail(`${at}.${key} is not a positive number`);
    }
    if (!(typeof head!.lambda === 'number' && head!.lambda >= 0 && head!.lambda < 1))
      fail(`${at}.lambda is not in [0, 1)`);
  }
}

/** The file a model folder keeps its fitted cache in. */
export const MODEL_REPETITION_FILE = 'repetition.json';

/**
 * Reads a `repetition.json` text (a `"note"` string is allowed and dropped).
 *
 * @param text - the file's text
 * @param where - names the file in an error
 * @returns the config
 * @throws InvalidArgumentError naming the file when it is not JSON or not a valid config
 */
export function decodeRepetitionConfig(text: string, where: string): RepetitionConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`${where}: not JSON (${(error as Error).message})`);
  }
  return parseRepetitionConfig(parsed, where);
}

/**
 * Checks a `repetition.json` already parsed (as `model/about.json` carries one): a `"note"` is
 * dropped, the rest must be a valid config.
 *
 * @param value - the parsed JSON
 * @param where - names the source in an error
 * @returns the config
 * @throws InvalidArgumentError naming `where` when it is not a valid config
 */
export function parseRepetitionConfig(value: unknown, where: string): RepetitionConfig {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'note' in value) {
    const rest: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    delete rest['note'];
    return validateRepetitionConfig(rest, where);
  }
  return validateRepetitionConfig(value, where);
}
