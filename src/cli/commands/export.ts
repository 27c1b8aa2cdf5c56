import type { Command } from 'commander';
import type { ExportCommandOptions } from './export-run.js';

/**
 * Registers `howl export`: writes a trained model for use outside Howl. `--format layers` (the
 * default) writes an `original-lstm` LSTM model as a TensorFlow.js Layers model (`model.json` +
 * `weights.bin`), which `tf.loadLayersModel` loads and `tensorflowjs_converter` turns into a Keras
 * model; `--format safetensors` writes any model as `model.safetensors` + `config.json`
 * (`docs/safetensors.md`), which every `--model` option and the composer page read back;
 * `--format onnx` writes any model's step network (one note in, the state in and out) as ONNX
 * graphs + `onnx.json` for onnxruntime and other runtimes (`docs/onnx.md`).
 *
 * @param program - the `howl` program
 * @example howl export runs/piano-transformer --format safetensors -o export/piano-transformer
 */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      "write a trained model for use elsewhere: as a TensorFlow.js Layers model (model.json + weights.bin, the original LSTM only, convertible to Keras); with --format safetensors, any model as model.safetensors + config.json; with --format onnx, any model's step network (one note in, state in and out) as model.onnx (an ordered network also pitch.onnx and rest.onnx, its heads given the attributes drawn) + onnx.json, for onnxruntime",
    )
    .argument('[model]', 'a run, checkpoint or safetensors model folder (the same as --model)')
    .requiredOption('-o, --out <dir>', 'the folder to write the files to (created if missing)')
    .option('--format <format>', 'layers (TensorFlow.js Layers), safetensors or onnx', 'layers')
    .option(
      '--model <dir>',
      'a run, checkpoint or safetensors model folder (default: models/piano-lstm192, the original network trained by Howl, for layers; the shipped default model for safetensors and onnx)',
    )
    .action(async (model: string | undefined, options: ExportCommandOptions) => {
      const { runExport } = await import('./export-run.js');
      await runExport(model, options);
    });
}
