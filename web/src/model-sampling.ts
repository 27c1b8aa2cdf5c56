import {
  decodeRepetitionConfig,
  resolveSampling,
  parseRepetitionConfig,
  type RepetitionConfig,
  type SamplingOptions,
} from '../../src/public/index.js';

/**
 * A model's tuned sampling on the page: its folder's `sampling.json` (the settings measured for
 * its weights, read and checked by the library's `decodeModelSampling`, as `howl generate` reads
 * them), and how the page's sliders combine with it.
 *
 * - *top-p* (and *top-k*, if the model gives one) is set to the model's value when the model loads;
 *   the person may move it afterwards.
 * - *timing* is a multiplier on the model's tuned per-head temperatures (delay, duration, velocity;
 *   1: as tuned); for a model without them it is the plain timing temperature.
 * - *temp* likewise multiplies the model's pitch temperature, if it gives one.
 * - `chords`, `greedy`, `repetition` (the strength of its repetition caches), `release` (of its
 *   release vote) and `neighbours` (of its neighbour vote), which have no control on the page,
 *   come from the model.
 *
 * A model folder may also hold a `repetition.json` (its fitted repetition cache, read and checked by
 * the library's `decodeRepetitionConfig`, as `loadModel` reads it), which the composer worker
 * gives `createComposer`; `sampling.json`'s `repetition` scales it.
 */

export {
  decodeModelSampling,
  MODEL_REPETITION_FILE,
  MODEL_SAMPLING_FILE,
  parseModelSampling,
} from '../../src/public/index.js';

/**
 * Reads a model's `repetition.json` (fetched or picked bytes) as `loadModel` does.
 *
 * @param content - the file's bytes (or text)
 * @param where - names the file in an error
 * @returns the cache's config
 * @throws InvalidArgumentError naming the file when it is not JSON or not a valid config
 */
export function decodeModelRepetition(content: Uint8Array | string, where: string): RepetitionConfig {
  return decodeRepetitionConfig(
    typeof content === 'string' ? content : new TextDecoder().decode(content),
    where,
  );
}

/**
 * Checks a `repetition.json` already parsed (as `model/about.json` carries the default's; a
 * `"note"` is dropped): the library's `parseRepetitionConfig`.
 *
 * @throws InvalidArgumentError naming `where` when it is not a valid config
 */
export const parseModelRepetition: (value: unknown, where: string) => RepetitionConfig =
  parseRepetitionConfig;

/** Which of the page's sliders act as multipliers on the model's tuned values. */
export interface TunedSliders {
  /** *timing* multiplies the model's delay, duration and velocity temperatures. */
  readonly timing: boolean;
  /** *temp* multiplies the model's pitch temperature. */
  readonly temperature: boolean;
}

/** What a model's sampling makes of the sliders. */
export function tunedSliders(tuned: SamplingOptions): TunedSliders {
  return {
    timing:
      tuned.timingTemperature !== undefined ||
      tuned.delayTemperature !== undefined ||
      tuned.durationTemperature !== undefined ||
      tuned.velocityTemperature !== undefined,
    temperature: tuned.temperature !== undefined,
  };
}

/** The page's sampling controls (`storage.ts`'s `Settings` has them). */
export interface PageSampling {
  readonly temperature: number;
  readonly timingTemperature: number;
  readonly topP: number;
  readonly topK: number | null;
  readonly minPitch: number;
  readonly maxPitch: number;
}

/**
 * The sampling a generation uses: the page's controls over the model's tuned sampling.
 *
 * @param page - the sliders and fields
 * @param tuned - the model's `sampling.json` (`{}`: none)
 * @returns the options sent to the composer worker
 * @example samplingFor({ ...settings, timingTemperature: 1.1 }, { delayTemperature: 0.96 });
 *   // delayTemperature 1.056, durationTemperature 1.1, velocityTemperature 1.1
 */
export function samplingFor(page: PageSampling, tuned: SamplingOptions): SamplingOptions {
  const heads = resolveSampling(tuned);
  const sliders = tunedSliders(tuned);
  return {
    temperature: page.temperature * (sliders.temperature ? heads.temperature : 1),
    timingTemperature: page.timingTemperature * (sliders.timing ? heads.timingTemperature : 1),
    ...(sliders.timing
      ? {
          delayTemperature: page.timingTemperature * heads.delayTemperature,
          durationTemperature: page.timingTemperature * heads.durationTemperature,
          velocityTemperature: page.timingTemperature * heads.velocityTemperature,
        }
      : {}),
    topP: page.topP,
    ...(page.topK === null ? {} : { topK: page.topK }),
    minPitch: page.minPitch,
    maxPitch: page.maxPitch,
    ...(tuned.chords === undefined ? {} : { chords: tuned.chords }),
    ...(tuned.greedy === undefined ? {} : { greedy: tuned.greedy }),
    ...(tuned.repetition === undefined ? {} : { repetition: tuned.repetition }),
    ...(tuned.release === undefined ? {} : { release: tuned.release }),
    ...(tuned.neighbours === undefined ? {} : { neighbours: tuned.neighbours }),
  };
}

/**
 * The page's controls once a model loads: its top-p and top-k, when it gives them, replace the
 * sliders' (the person's later changes hold until the next model loads); the rest stay.
 */
export function settingsOnLoad<S extends PageSampling>(page: S, tuned: SamplingOptions): S {
  return {
    ...page,
    ...(tuned.topP === undefined ? {} : { topP: tuned.topP }),
    ...(tuned.topK === undefined ? {} : { topK: Math.min(120, tuned.topK) }),
  };
}
