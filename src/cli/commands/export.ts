import type { Command } from 'commander';
import type { ExportCommandOptions } from './export-run.js';

/**
 * Registers `howl export`: writes a trained model for use outside Howl. `--format layers` (the
 * default) writes an `original-lstm` LSTM model as a TensorFlow.js Layers model (`model.json` +
 * `weights.bin`), which `tf.loadLayersModel` loads and `tensorflowjs_converter` turns into a Keras
 * model; `--format safetensors` writes any model as `model.safetensors` + `config.json`
 * (`docs/safetensors.md`), which every `--model` option and the composer page read back.
 *
 * @param program - the `howl` program
 * @example howl export runs/piano-transformer --format safetensors -o export/piano-transformer
 */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write a trained model for use elsewhere: as a TensorFlow.js Layers model (model.json + weights.bin, the original LSTM only, convertible to Keras) or, with --format safetensors, any model as model.safetensors + config.json',
    )
    .argument('[model]', 'a run, checkpoint or safetensors model folder (the same as --model)')
    .requiredOption('-o, --out <dir>', 'the folder to write the files to (created if missing)')
    .option('--format <format>', 'layers (TensorFlow.js Layers) or safetensors', 'layers')
    .option(
      '--model <dir>',
      'a run, checkpoint or safetensors model folder (default: models/piano-lstm192, the original network trained by Howl, for layers; the shipped default model for safetensors)',
    )
    .action(async (model: string | undefined, options: ExportCommandOptions) => {
      const { runExport } = await import('./export-run.js');
      await runExport(model, options);
    });
}
