import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SamplingOptions } from '../generate/sampling.js';
import { decodeModelSampling, MODEL_SAMPLING_FILE } from '../generate/sampling-file.js';
import { writeFileAtomic } from './atomic-write.js';
import {
  decodeRepetitionConfig,
  MODEL_REPETITION_FILE,
  type RepetitionConfig,
} from '../generate/repetition-cache.js';
import { CheckpointError } from '../model/checkpoint/checkpoint.js';

export { MODEL_SAMPLING_FILE } from '../generate/sampling-file.js';

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
  return decodeModelSampling(await readFile(file, 'utf8'), file);
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

/**
 * Reads a model folder's `repetition.json` (its fitted repetition cache).
 *
 * @param folder - the model folder
 * @returns the config; undefined when the folder has none
 * @throws CheckpointError naming the file when it is not a valid config
 * @example await readModelRepetition('models/piano-asap-ordered-lstm');
 */
export async function readModelRepetition(folder: string): Promise<RepetitionConfig | undefined> {
  const file = join(folder, MODEL_REPETITION_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return decodeRepetitionConfig(await readFile(file, 'utf8'), file);
  } catch (error) {
    throw new CheckpointError((error as Error).message, { cause: error });
  }
}

/**
 * Writes a model folder's `repetition.json` (atomically).
 *
 * @param folder - the model folder
 * @param config - the fitted cache
 * @param note - a line on how it was fitted, kept in the file
 * @returns the file written
 */
export async function writeModelRepetition(
  folder: string,
  config: RepetitionConfig,
  note?: string,
): Promise<string> {
  const file = join(folder, MODEL_REPETITION_FILE);
  // One line per list, so the file reads as a table of weights.
  const text = JSON.stringify(note === undefined ? config : { note, ...config }, null, 2).replace(
    /\[\s+([^\]]*?)\s+\]/g,
    (_, inner: string) => `[${inner.split(/,\s+/).join(', ')}]`,
  );
  await writeFileAtomic(file, `${text}\n`);
  return file;
}
