import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveSampling, type SamplingOptions } from '../generate/sampling.js';
import { CheckpointError } from '../model/checkpoint/checkpoint.js';
import { writeFileAtomic } from './atomic-write.js';

/**
 * A model's own sampling settings: `sampling.json` in its folder, a JSON object of
 * `SamplingOptions` (`src/generate/sampling.ts`), e.g. `{ "topP": 1, "delayTemperature": 0.96 }`.
 * `howl generate` and `howl eval` lay it over `DEFAULT_SAMPLING`, and their flags over it, so
 * settings measured for one network (how it runs free over 1,000 notes) travel with its weights
 * instead of changing every model's defaults. A `"note"` string may say where they come from.
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
] as const;

/**
 * Reads a model folder's `sampling.json`.
 *
 * @param folder - the model folder (the one given to `loadModel`)
 * @returns its settings, checked; `{}` when the folder has none
 * @throws CheckpointError naming the file when it is not JSON, not an object, has an option Howl
 *   does not know or a value of the wrong type, or fails `resolveSampling`'s checks
 * @example await readModelSampling('models/piano-asap-ordered-lstm'); // { topP: 1, delayTemperature: 0.96, durationTemperature: 0.94 }
 */
export async function readModelSampling(folder: string): Promise<SamplingOptions> {
  const file = join(folder, MODEL_SAMPLING_FILE);
  if (!existsSync(file)) return {};
  const fail = (reason: string): never => {
    throw new CheckpointError(`${file}: ${reason}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    fail(`not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('not a JSON object of sampling options');
  }
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'note') {
      if (typeof value !== 'string') fail('"note" is not a string');
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
    if (typeof value !== expected) fail(`"${key}" is not a ${expected}`);
    options[key] = value;
  }
  try {
    resolveSampling(options as SamplingOptions);
  } catch (error) {
    fail((error as Error).message);
  }
  return options as SamplingOptions;
}

/**
 * Writes a model folder's `sampling.json` (atomically), so that settings measured for a network
 * travel with its weights when they are written elsewhere (`howl export --format safetensors`).
 * Writes nothing when `sampling` is empty.
 *
 * @param folder - the model folder
 * @param sampling - the settings, as `readModelSampling` returns them
 * @returns the path written, or undefined when there was nothing to write
 * @example await writeModelSampling('export/piano', model.sampling);
 */
export async function writeModelSampling(
  folder: string,
  sampling: SamplingOptions,
): Promise<string | undefined> {
  if (Object.keys(sampling).length === 0) return undefined;
  const file = join(folder, MODEL_SAMPLING_FILE);
  await writeFileAtomic(file, `${JSON.stringify(sampling, null, 2)}\n`);
  return file;
}
