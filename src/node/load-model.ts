import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckpointConfig, TrainingState } from '../model/checkpoint/checkpoint.js';
import { CheckpointError } from '../model/checkpoint/checkpoint.js';
import { weightsOf, type WeightMap } from '../model/checkpoint/weight-map.js';
import { loadCheckpoint } from './checkpoint-store.js';
import { modelCheckpointDir } from './run-folder.js';

/** A trained model read for generation: its configuration and weights (no optimiser state). */
export interface LoadedModel {
  /** The folder the weights came from. */
  readonly dir: string;
  readonly config: CheckpointConfig;
  readonly weights: WeightMap;
  /** How it was trained (steps, time, best validation loss). */
  readonly state: TrainingState;
}

/** The original's network as trained by Howl, shipped for comparison (and for `howl export`). */
export function originalModelDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../models/piano-lstm192');
}

/** The model that ships with Howl (trained on piano-midi-de; see its MODEL_CARD.md). */
export function defaultModelDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../models/piano-asap-ordered-lstm');
}

/**
 * Reads a trained model for generation.
 *
 * @param path - a checkpoint folder, or a run folder of `howl train`, whose best-validation
 *   checkpoint (`best/`) is preferred over the latest (`checkpoint/`) (default: the shipped model)
 * @returns the configuration, weights and training summary
 * @throws CheckpointError naming the folder when there is no model there, or it is corrupt
 * @example const model = await loadModel('runs/piano-ordered-lstm');
 */
export async function loadModel(path: string = defaultModelDir()): Promise<LoadedModel> {
  if (!existsSync(path)) throw new CheckpointError(`${path}: no such model folder`);
  const dir = modelCheckpointDir(path);
  const checkpoint = await loadCheckpoint(dir);
  return { dir, config: checkpoint.config, weights: weightsOf(checkpoint), state: checkpoint.state };
}
