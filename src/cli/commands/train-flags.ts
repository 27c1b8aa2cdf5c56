import type { ModelConfig } from '../../model/config.js';

/*
 * What `howl train`'s registration (train.ts, loaded at every start) and its run (train-run.ts,
 * train-settings.ts, loaded only to train) share: light, with no TensorFlow.js.
 */

/** `howl train`'s options as commander parses them (strings; checked in `runTrain`). */
export interface TrainCommandOptions {
  out?: string;
  arch?: string;
  infill?: boolean;
  initFrom?: string;
  steps?: string;
  time?: string;
  epochs?: string;
  batch?: string;
  length?: string;
  lr?: string;
  lrFinal?: string;
  seed?: string;
  augment?: string;
  timeScale?: string;
  sourceWeight?: string;
  valEvery?: string;
  valCrops?: string;
  warmup?: string;
  patience?: string;
  microBatchSteps?: string;
  workers?: string;
  checkpointEvery?: string;
  backend?: string;
  resume?: string;
}

/** The TensorFlow.js backends `--backend` accepts. */
export const BACKENDS = ['wasm', 'cpu', 'webgl', 'webgpu', 'tensorflow'] as const;

/**
 * Crops × notes per step when `--batch` and `--length` are not given. Howl's networks train at
 * 32 × 256, as the shipped models were (about 3 s a step on one core); the original's networks
 * keep the published 64 × 768 (docs/original-system.md §6), nine times the work per step.
 *
 * @param config - the model to train
 * @returns the batch size and crop length
 */
export function defaultBatchShape(config: ModelConfig): { batchSize: number; length: number } {
  return config.type === 'original-lstm' ? { batchSize: 64, length: 768 } : { batchSize: 32, length: 256 };
}
