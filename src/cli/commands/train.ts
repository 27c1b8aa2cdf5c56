import type { Command } from 'commander';
import { DEFAULT_PRESET, MODEL_PRESETS } from '../../model/config.js';

/** `howl train`'s options as commander parses them (strings; checked in `runTrain`). */
export interface TrainCommandOptions {
  out?: string;
  arch?: string;
  steps?: string;
  time?: string;
  epochs?: string;
  batch?: string;
  length?: string;
  lr?: string;
  seed?: string;
  valEvery?: string;
  valCrops?: string;
  warmup?: string;
  patience?: string;
  microBatchSteps?: string;
  workers?: string;
  checkpointEvery: string;
  backend: string;
  resume?: string;
}

/** The TensorFlow.js backends `--backend` accepts. */
export const BACKENDS = ['wasm', 'cpu', 'webgl', 'webgpu', 'tensorflow'] as const;

/**
 * Registers `howl train DATA.howl`: trains a model on a dataset's training split, validating on
 * its held-out split, with checkpoints, a metrics log and a loss plot in the run folder.
 *
 * @param program - the `howl` program
 * @example howl train data/piano.howl --arch lstm-192 --time 12h --out runs/piano
 */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model on a dataset (checkpoints, metrics.jsonl and loss.svg go to the run folder)')
    .argument('<dataset>', 'a *.howl dataset made by `howl import`')
    .option('--out <dir>', 'run folder (default: runs/<dataset>-<arch>)')
    .option(
      '--arch <name>',
      `architecture: ${Object.keys(MODEL_PRESETS).join(', ')} (default ${DEFAULT_PRESET})`,
    )
    .option('--steps <n>', 'stop after this many steps in all')
    .option(
      '--time <duration>',
      'stop after this much training time in all, e.g. 30m, 12h (default 12h when no other limit)',
    )
    .option('--epochs <n>', 'stop after this many rounds (a round is 4 crops per training song)')
    .option('--batch <n>', 'crops per step (default 64)')
    .option('--length <n>', 'notes per crop (default 768)')
    .option('--lr <rate>', 'peak learning rate (default 1e-3)')
    .option('--seed <n>', 'seed of crops, augmentation and dropout (default 1)')
    .option('--val-every <n>', 'validate every this many steps (default 200)')
    .option('--val-crops <n>', 'fixed validation crops (default 2 × batch)')
    .option('--warmup <n>', 'learning-rate warm-up steps (default 20)')
    .option('--patience <n>', 'stop after this many validations without a new best')
    .option(
      '--micro-batch-steps <n>',
      'most crops × notes per pass; larger batches are split and their gradients added (default 16384)',
    )
    .option(
      '--workers <n>',
      "threads computing each step (data-parallel, same results; default 1, or the resumed run's)",
    )
    .option('--checkpoint-every <duration>', 'checkpoint interval', '10m')
    .option('--backend <name>', `TensorFlow.js backend: ${BACKENDS.join(', ')}`, 'wasm')
    .option('--resume <dir>', 'continue the run in this folder (or from this checkpoint folder)')
    .action(async (dataset: string, options: TrainCommandOptions) => {
      // TensorFlow.js loads only when training runs, so the other commands start fast.
      const { runTrain } = await import('./train-run.js');
      await runTrain(dataset, options);
    });
}
