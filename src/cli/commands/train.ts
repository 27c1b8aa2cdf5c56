import type { Command } from 'commander';
import { DEFAULT_PRESET, MODEL_PRESETS } from '../../model/config.js';
import { BACKENDS, type TrainCommandOptions } from './train-flags.js';

const HELP_AFTER = `
What a step costs. With Howl's native kernels (Linux x64 with OpenBLAS: apt-get install
libopenblas0-pthread; the first line says which kernels run), on 2 cores: at 32 × 256 notes, the
default of Howl's networks, about 0.4 s for ordered-lstm; at 64 × 256 about 0.45 s for lstm-192,
1.0 s for lstm-416 and gru-512, and 0.8 s for ordered-transformer (docs/bench/train-native.md).
Elsewhere (or HOWL_NATIVE=0) Howl's WebAssembly kernels run the same ops, about 0.65 s at 32 × 256
for ordered-lstm; with HOWL_WASM_KERNELS=0 as well, TensorFlow.js's own wasm kernels, about 3 s.
A new run on the CPU splits each step between one worker thread per core (at least 8 crops each;
HOWL_THREADS caps the cores), each computing its share of the batch: 1.5-1.9x one thread here,
where --workers 1 (both cores inside the kernels) gives 1.3-1.5x.

Progress: on a terminal a status line is redrawn in place; in a log file or a pipe (nohup, > log)
a plain line (step, loss, notes/s, s/step, elapsed, ETA) is printed after the first step and then
every 30 s.

Resume: --resume RUN continues a run from its last checkpoint, with its dataset (recorded in
RUN/run.json) and its saved settings (batch, length, learning rate, intervals, backend). Limits
count in all: a new --steps, --epochs or --time replaces the saved ones and extends the run
(howl train --resume runs/x --steps 2400). A run already at its limit says so and exits with 0.
--checkpoint-every, --val-every, --val-crops, --patience, --workers, --lr-final and --backend may be
changed on resume; metrics.jsonl is cut back to the checkpoint's step, so each step is logged once.
`;

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
    .argument('[dataset]', "a *.howl dataset made by `howl import` (with --resume: the run's own)")
    .option('--out <dir>', 'run folder (default: runs/<dataset>-<arch>)')
    .option(
      '--arch <name>',
      `architecture: ${Object.keys(MODEL_PRESETS).join(', ')} (default ${DEFAULT_PRESET})`,
    )
    .option(
      '--infill',
      'train a gap-filling network (ordered-lstm, ordered-gru): half the crops are read as suffix, prefix, middle, so it learns to write between two passages (howl infill)',
    )
    .option(
      '--init-from <dir>',
      "start from this model's weights (fine-tuning; a model folder, run or checkpoint of the same architecture; with --infill the new input columns start at zero)",
    )
    .option('--steps <n>', 'stop after this many steps in all')
    .option(
      '--time <duration>',
      'stop after this much training time in all, e.g. 30m, 12h (default 12h when no other limit)',
    )
    .option('--epochs <n>', 'stop after this many rounds (a round is 4 crops per training song)')
    .option('--batch <n>', 'crops per step (default 32; 64 for the original-lstm networks)')
    .option('--length <n>', 'notes per crop (default 256; 768 for the original-lstm networks)')
    .option('--lr <rate>', 'peak learning rate (default 1e-3)')
    .option('--seed <n>', 'seed of crops, augmentation and dropout (default 1)')
    .option(
      '--augment <kind>',
      "v1 (the original's: tempo, transposition, volume), performance (v1 and a random velocity curve per crop, for several pianos and players) or none (default v1)",
    )
    .option(
      '--time-scale <low,high>',
      "range of the augmentation's tempo factor on delays and durations, e.g. 0.8,1.25 to stay near the players' own tempi (default 0.5,2, the original's)",
    )
    .option(
      '--source-weight <tag=w,...>',
      'share of crops per source of a combined dataset, by tag (howl inspect lists them), e.g. asap=1,piano-midi-de=1 (default: uniform per file)',
    )
    .option('--val-every <n>', 'validate every this many steps (default 200)')
    .option('--val-crops <n>', 'fixed validation crops (default 2 × batch)')
    .option('--warmup <n>', 'learning-rate warm-up steps (default 20)')
    .option(
      '--lr-final <factor>',
      'where the cosine decay ends, as a share of the peak rate (default 0.1; may be changed on resume, e.g. 0.01 to anneal further)',
    )
    .option('--patience <n>', 'stop after this many validations without a new best')
    .option(
      '--micro-batch-steps <n>',
      'most crops × notes per pass; larger batches are split and their gradients added (default 16384)',
    )
    .option(
      '--workers <n>',
      "threads computing each step, each on its share of the batch (data-parallel; default on the CPU backends: one per core, at least 8 crops each; or the resumed run's)",
    )
    .option('--checkpoint-every <duration>', "checkpoint interval (default 10m, or the resumed run's)")
    .option(
      '--backend <name>',
      `TensorFlow.js backend: ${BACKENDS.join(', ')} (default wasm, or the resumed run's)`,
    )
    .option(
      '--resume <dir>',
      'continue the run in this folder (or from this checkpoint folder); the dataset may be left out',
    )
    .addHelpText('after', HELP_AFTER)
    .action(async (dataset: string | undefined, options: TrainCommandOptions) => {
      // TensorFlow.js loads only when training runs, so the other commands start fast.
      const { runTrain } = await import('./train-run.js');
      await runTrain(dataset, options);
    });
}
