import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import {
  decodeSafetensorsModel,
  encodeSafetensorsModel,
  isSafetensorsModel,
  SAFETENSORS_MODEL_FILES,
  type SafetensorsModel,
} from '../model/checkpoint/safetensors-model.js';
import { WriteFileError, writeFileAtomic } from './atomic-write.js';
import { describeFsError } from './file-system-errors.js';

/**
 * Safetensors model folders on disk (`model.safetensors` + `config.json`, see
 * `src/model/checkpoint/safetensors-model.ts` and `docs/safetensors.md`).
 */

/**
 * Whether `dir` holds a safetensors model (`model.safetensors`, and no checkpoint's `state.json`).
 *
 * @param dir - a folder
 */
export function isSafetensorsFolder(dir: string): boolean {
  return isSafetensorsModel((file) => existsSync(join(dir, file)));
}

/**
 * Writes a model as `dir/model.safetensors` and `dir/config.json`, each atomically (a temporary
 * file renamed over the old one), the weights first: a crash in between leaves the new weights
 * beside the old config.json, which the reader refuses (their architectures or shapes differ) or
 * reads as the model it is.
 *
 * @param dir - the folder, created if missing; it must not hold a Howl checkpoint
 * @param model - configuration, weights and training summary
 * @returns the paths written, in order
 * @throws InvalidArgumentError when `dir` holds a checkpoint (its config.json is not to be replaced)
 * @throws SafetensorsError naming a weight that does not fit the configuration (nothing written)
 * @throws WriteFileError naming the file and the reason
 * @example await saveSafetensorsModel('export/piano', { config, weights, training: undefined });
 */
export async function saveSafetensorsModel(dir: string, model: SafetensorsModel): Promise<string[]> {
  if (existsSync(join(dir, 'state.json')) || existsSync(join(dir, 'weights.json'))) {
    throw new InvalidArgumentError(
      `${dir} holds a Howl checkpoint; write the safetensors to another folder (its config.json would be replaced)`,
    );
  }
  const files = encodeSafetensorsModel(model);
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw new WriteFileError(dir, describeFsError(error, dir), { cause: error });
  });
  const written: string[] = [];
  for (const name of SAFETENSORS_MODEL_FILES) {
    const path = join(dir, name);
    await writeFileAtomic(path, files.get(name) as Uint8Array);
    written.push(path);
  }
  return written;
}

/**
 * Reads a safetensors model folder.
 *
 * @param dir - the folder
 * @returns configuration, weights (float32) and the training summary when the file has one
 * @throws SafetensorsError naming `dir/model.safetensors` and what is wrong with it
 * @throws CheckpointError for a missing or invalid `config.json`
 * @example const { config, weights } = await loadSafetensorsModel('export/piano');
 */
export async function loadSafetensorsModel(dir: string): Promise<SafetensorsModel> {
  const files = new Map<string, Uint8Array>();
  for (const name of SAFETENSORS_MODEL_FILES) {
    try {
      files.set(name, new Uint8Array(await readFile(join(dir, name))));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return decodeSafetensorsModel((name) => files.get(name), dir);
}
