import { CheckpointError } from '../model/checkpoint/checkpoint.js';
import { resolveSampling, type SamplingOptions } from './sampling.js';

/**
 * A model's own sampling settings: `sampling.json` in its folder, a JSON object of
 * `SamplingOptions` (`sampling.ts`), e.g. `{ "topP": 1, "delayTemperature": 0.96 }`. `howl
 * generate`, `howl eval` and the web page lay it over their defaults, so that settings measured for
 * one network (how it runs free over 1,000 notes) travel with its weights instead of changing every
 * model's defaults. A `"note"` string may say where they come from. Read here, once, for Node
 * (`src/node/model-sampling.ts`) and the browser alike.
 */
export const MODEL_SAMPLING_FILE = 'sampling.json';

const NUMBERS = [
  'temperature',
  'topK',
  'topP',
  'minPitch',
  'maxPitch',
  'timingTemperature',
  'delayTemperature',
  'durationTemperature',
  'velocityTemperature',
  'repetition',
  'release',
  'neighbours',
] as const;

/**
 * Checks a parsed `sampling.json`: known options, their types, `resolveSampling`'s ranges; a
 * `"note"` string is allowed and dropped.
 *
 * @param value - the parsed JSON
 * @param where - names the file in the message
 * @returns the options
 * @throws CheckpointError naming the file and what is wrong
 * @example parseModelSampling({ topP: 1, note: 'measured' }, 'm/sampling.json'); // { topP: 1 }
 */
export function parseModelSampling(value: unknown, where: string): SamplingOptions {
  const fail = (reason: string): never => {
    throw new CheckpointError(`${where}: ${reason}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('not a JSON object of sampling options');
  }
  const options: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (key === 'note') {
      if (typeof entry !== 'string') fail('"note" is not a string');
      continue;
    }
    const expected = (NUMBERS as readonly string[]).includes(key)
      ? 'number'
      : key === 'greedy'
        ? 'boolean'
        : key === 'chords'
          ? 'string'
          : null;
    if (expected === null) fail(`"${key}" is not a sampling option`);
    if (typeof entry !== expected) fail(`"${key}" is not a ${expected}`);
    options[key] = entry;
  }
  try {
    resolveSampling(options as SamplingOptions);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  return options as SamplingOptions;
}

/**
 * Reads `sampling.json` from its bytes or text.
 *
 * @param content - the file's bytes (UTF-8) or text
 * @param where - names the file in the message
 * @returns the options, checked as `parseModelSampling` does
 * @throws CheckpointError naming the file when it is not JSON or not valid options
 * @example decodeModelSampling('{ "topP": 1 }', 'm/sampling.json'); // { topP: 1 }
 */
export function decodeModelSampling(content: Uint8Array | string, where: string): SamplingOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof content === 'string' ? content : new TextDecoder().decode(content));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CheckpointError(`${where}: not JSON (${reason})`, { cause: error });
  }
  return parseModelSampling(parsed, where);
}
