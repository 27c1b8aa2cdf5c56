import type { Command } from 'commander';
import type { EvalCommandOptions } from './eval-run.js';
import { DEFAULT_SAMPLING } from '../../generate/sampling.js';

/**
 * Registers `howl eval`: measures a trained model on a dataset's held-out files (likelihood on a
 * shared grid against trivial baselines) and compares music it generates with the held-out music,
 * writing a report (Markdown, SVG figures, JSON).
 *
 * @param program - the `howl` program
 * @example howl eval --model models/piano-lstm192 --data data/piano.howl --out eval/piano-lstm192
 */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'measure a model on held-out music: nats per note against baselines, and how close its music is (report.md, .json, .svg)',
    )
    .requiredOption('--data <file.howl>', 'a dataset made by `howl import`')
    .option(
      '--model <dir>',
      'a run or checkpoint folder of `howl train`, or a safetensors model folder (default: the shipped model)',
    )
    .option('--split <name>', 'the held-out side to score: validation or train', 'validation')
    .option('--out <dir>', 'the report folder (default: eval/<model folder name>)')
    .option('--pieces <k>', 'pieces to generate and compare; 0 skips (default 20)')
    .option('--notes <n>', 'notes per generated piece (default 1000)')
    .option('--seed <n>', 'seed of the first generated piece; piece i uses seed + i (default 1)')
    .option('--fit-notes <n>', 'training notes to fit the timing Gaussians on, at most (default 100000)')
    .option(
      '--baseline-data <file.howl>',
      "fit the count baselines (and timing widths) on this dataset's train split: the model's own training data (default: --data)",
    )
    .option(
      '--temperature <t>',
      `pitch temperature for generating (default ${DEFAULT_SAMPLING.temperature}, as howl generate)`,
    )
    .option(
      '--top-p <p>',
      `nucleus sampling for generating (default ${DEFAULT_SAMPLING.topP}, or the model folder's sampling.json, as howl generate)`,
    )
    .option('--chords <how>', 'rolled (default) or together: where chord notes start (as howl generate)')
    .option(
      '--timing-temperature <t>',
      "timing temperature for generating, for models with a timing distribution: one for every timing head, or delay,duration,velocity (default: the model folder's sampling.json, else 1, as howl generate)",
    )
    .option(
      '--infill',
      "measure a gap-filling model instead (howl train --infill): its likelihood of held-out gaps' notes given the prefix and suffix against the prefix alone, and how often its written notes end within 0.5 s of the gap's end",
    )
    .option('--gaps <n>', 'with --infill: gaps drawn from the held-out pieces (default 100)')
    .option('--min-gap <s>', 'with --infill: the shortest gap, seconds (default 4)')
    .option('--max-gap <s>', 'with --infill: the longest gap, seconds (default 16)')
    .option(
      '--reference-model <dir>',
      'with --infill: also score the same gaps from the prefix alone with this ordered model (e.g. the one the infill model was fine-tuned from)',
    )
    .action(async (options: EvalCommandOptions) => {
      if (options.infill) {
        const { runInfillEval } = await import('./eval-infill-run.js');
        await runInfillEval(options);
        return;
      }
      const { runEval } = await import('./eval-run.js');
      await runEval(options);
    });
}
