import type { Command } from 'commander';
import type { ExportCommandOptions } from './export-run.js';

/**
 * Registers `howl export`: writes a trained `original-lstm` LSTM model as a TensorFlow.js Layers
 * model (`model.json` + `weights.bin`), which `tf.loadLayersModel` loads and
 * `tensorflowjs_converter` turns into a Keras model.
 *
 * @param program - the `howl` program
 * @example howl export --model runs/piano-lstm192 --out export/piano-lstm192
 */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write a trained LSTM model as a TensorFlow.js Layers model (model.json + weights.bin), loadable by tf.loadLayersModel and convertible to Keras',
    )
    .requiredOption('--out <dir>', 'the folder to write model.json and weights.bin to (created if missing)')
    .option(
      '--model <dir>',
      'a run or checkpoint folder of `howl train` (default: models/piano-lstm192, the original network trained by Howl)',
    )
    .action(async (options: ExportCommandOptions) => {
      const { runExport } = await import('./export-run.js');
      await runExport(options);
    });
}
