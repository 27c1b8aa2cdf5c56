import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckpointConfig, TrainingState } from '../model/checkpoint/checkpoint.js';
import { CheckpointError } from '../model/checkpoint/checkpoint.js';
import { trainingSummaryOf, type TrainingSummary } from '../model/checkpoint/safetensors-model.js';
import { weightsOf, type WeightMap } from '../model/checkpoint/weight-map.js';
import type { SamplingOptions } from '../generate/sampling.js';
import { loadCheckpoint } from './checkpoint-store.js';
import { readModelRepetition, readModelSampling } from './model-sampling.js';
import type { RepetitionConfig } from '../generate/repetition-cache.js';
import { modelCheckpointDir } from './run-folder.js';
import { isSafetensorsFolder, loadSafetensorsModel } from './safetensors-folder.js';

/** A trained model read for generation: its configuration and weights (no optimiser state). */
export interface LoadedModel {
  /** The folder the weights came from. */
  readonly dir: string;
  /** What the folder holds: a checkpoint of `howl train`, or `model.safetensors` + `config.json`. */
  readonly format: 'checkpoint' | 'safetensors';
  readonly config: CheckpointConfig;
  readonly weights: WeightMap;
  /** A checkpoint's training state; `undefined` for a safetensors model. */
  readonly state: TrainingState | undefined;
  /** How long it was trained (steps, time, best validation loss), when the folder says. */
  readonly training: TrainingSummary | undefined;
  /**
   * The model's own sampling settings, from `sampling.json` in the folder given (`{}` when it has
   * none): `howl generate` and `howl eval` lay them over `DEFAULT_SAMPLING` (`model-sampling.ts`).
   */
  readonly sampling: SamplingOptions;
  /**
   * The model's repetition cache, from `repetition.json` in the folder given (`howl
   * fit-repetition`), or undefined: scored with by `howl eval` and mixed in by `howl generate`.
   */
  readonly repetition: RepetitionConfig | undefined;
}

/** The original's network as trained by Howl, shipped for comparison (and for `howl export`). */
export function originalModelDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../models/piano-lstm192');
}

/** The model that ships with Howl (trained on piano-midi-de; see its MODEL_CARD.md). */
export function defaultModelDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../models/piano-asap-ordered-lstm');
}

/** The shipped gap-filling model (`howl infill`, `howl eval --infill`; see its MODEL_CARD.md). */
export function infillModelDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../models/piano-asap-infill');
}

/**
 * Reads a trained model for generation.
 *
 * @param path - a checkpoint folder, a safetensors model folder (`model.safetensors` +
 *   `config.json`, as `howl export --format safetensors` writes), or a run folder of `howl train`,
 *   whose best-validation checkpoint (`best/`) is preferred over the latest (`checkpoint/`)
 *   (default: the shipped model)
 * @returns the configuration, weights, training summary and the folder's sampling settings
 * @throws CheckpointError naming the folder when there is no model there, or it is corrupt (or its
 *   `sampling.json` is)
 * @throws SafetensorsError naming `model.safetensors` and what is wrong with it
 * @example const model = await loadModel('runs/piano-ordered-lstm');
 */
export async function loadModel(path: string = defaultModelDir()): Promise<LoadedModel> {
  if (!existsSync(path)) throw new CheckpointError(`${path}: no such model folder`);
  const dir = modelCheckpointDir(path);
  const sampling = await readModelSampling(path);
  const repetition = await readModelRepetition(path);
  if (isSafetensorsFolder(dir)) {
    const model = await loadSafetensorsModel(dir);
    return { dir, format: 'safetensors', ...model, state: undefined, sampling, repetition };
  }
  const checkpoint = await loadCheckpoint(dir);
  return {
    dir,
    format: 'checkpoint',
    config: checkpoint.config,
    weights: weightsOf(checkpoint),
    state: checkpoint.state,
    training: trainingSummaryOf(checkpoint.state),
    sampling,
    repetition,
  };
}
