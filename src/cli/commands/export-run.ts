import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import { exportLayersModel, LAYERS_WEIGHTS_FILE } from '../../export/layers-export.js';
import { exportOnnxModel, ONNX_OPSET } from '../../export/onnx-export.js';
import { architectureName } from '../../model/config.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { defaultModelDir, loadModel, originalModelDir, type LoadedModel } from '../../node/load-model.js';
import { saveOnnxModel } from '../../node/onnx-folder.js';
import { writeModelRepetition, writeModelSampling } from '../../node/model-sampling.js';
import { saveSafetensorsModel } from '../../node/safetensors-folder.js';
import { setupNodeBackend } from '../../node/tf-backend.js';
import { CliError } from '../cli-error.js';
import { howlVersion } from '../cli-helpers.js';

/** `howl export`'s options as commander parses them (checked in `runExport`). */
export interface ExportCommandOptions {
  model?: string;
  out: string;
  format: string;
}

/** The formats of `--format`. */
const FORMATS = ['layers', 'safetensors', 'onnx'] as const;
type ExportFormat = (typeof FORMATS)[number];

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * Runs `howl export`: loads the model and writes it into `--out` (created if missing), each file
 * atomically. Nothing is written when the model cannot be exported.
 *
 * - `--format layers` (default): builds it as a TensorFlow.js Layers model and writes `model.json`
 *   and `weights.bin`.
 * - `--format safetensors`: writes `model.safetensors` and `config.json` (`docs/safetensors.md`).
 * - `--format onnx`: writes the step network as `model.onnx` (an ordered network also `pitch.onnx`
 *   and `rest.onnx`) and `onnx.json` (`docs/onnx.md`).
 *
 * @param positional - the model folder given as the command's argument, if any
 * @param options - the parsed command-line options
 * @throws CliError / HowlError with one clear line for a missing or corrupt model, a model the
 *   format cannot hold (Layers: a GRU or an ordered network), an unknown format, or an unwritable
 *   `--out`
 */
export async function runExport(
  positional: string | undefined,
  options: ExportCommandOptions,
): Promise<void> {
  const format = options.format as ExportFormat;
  if (!FORMATS.includes(format)) {
    throw new CliError(
      `--format ${options.format}: unknown; use ${FORMATS.slice(0, -1).join(', ')} or ${FORMATS.at(-1)}`,
    );
  }
  if (positional !== undefined && options.model !== undefined && positional !== options.model) {
    throw new CliError(`two models given: ${positional} and --model ${options.model}; give one`);
  }
  const out = options.out;
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new CliError(`--out ${out} is a file, not a folder`);
  }
  // The Layers default is the original's network: the shipped ordered network is not a Layers graph.
  const modelPath =
    positional ?? options.model ?? (format === 'layers' ? originalModelDir() : defaultModelDir());
  const model = await loadModel(modelPath);
  if (format === 'safetensors') await exportSafetensors(model, out);
  else if (format === 'onnx') await exportOnnx(model, out);
  else await exportLayers(model, out);
}

async function exportSafetensors(model: LoadedModel, out: string): Promise<void> {
  let paths: string[];
  try {
    paths = await saveSafetensorsModel(out, model);
    // Sampling measured for these weights (sampling.json) goes with them.
    const sampling = await writeModelSampling(out, model.sampling);
    if (sampling !== undefined) paths.push(sampling);
    // So does its repetition cache (repetition.json), fitted to these weights.
    if (model.repetition !== undefined) paths.push(await writeModelRepetition(out, model.repetition));
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new CliError(`--out ${error.message}`);
    throw error;
  }
  let parameters = 0;
  for (const w of model.weights.values()) parameters += w.data.length;
  process.stdout.write(
    `${paths.join(', ')}: safetensors, ${architectureName(model.config.model)}, ${count(parameters)} parameters\n`,
  );
}

async function exportOnnx(model: LoadedModel, out: string): Promise<void> {
  let exported;
  try {
    exported = exportOnnxModel(model.config.model, model.weights, { producerVersion: howlVersion() });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new CliError(`${model.dir}: ${error.message}`);
    throw error;
  }
  const paths = await saveOnnxModel(out, exported);
  const { name, parameters } = exported.manifest;
  process.stdout.write(
    `${paths.join(', ')}: ONNX opset ${ONNX_OPSET}, ${name}, ${count(parameters)} parameters\n`,
  );
}

async function exportLayers(model: LoadedModel, out: string): Promise<void> {
  // Building the graph and copying the weights is all the work; wasm is Howl's default backend (the
  // cpu backend would print tfjs's "install tfjs-node" banner).
  await setupNodeBackend('wasm');
  let files;
  try {
    files = await exportLayersModel(model.config.model, model.weights);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new CliError(`${model.dir}: ${error.message}`);
    throw error;
  }
  await mkdir(out, { recursive: true }).catch((error: unknown) => {
    throw new CliError(`cannot create the folder ${out}: ${(error as Error).message}`);
  });
  const jsonPath = join(out, 'model.json');
  const weightsPath = join(out, LAYERS_WEIGHTS_FILE);
  // The weights first: a model.json is only ever next to the weights it describes.
  await writeFileAtomic(weightsPath, files.weightsBin);
  await writeFileAtomic(jsonPath, files.modelJson);
  process.stdout.write(
    `${jsonPath}, ${weightsPath}: TensorFlow.js Layers model, ${architectureName(model.config.model)}, ` +
      `${count(files.parameters)} parameters\n`,
  );
}
