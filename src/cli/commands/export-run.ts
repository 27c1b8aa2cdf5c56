import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import { exportLayersModel, LAYERS_WEIGHTS_FILE } from '../../export/layers-export.js';
import { architectureName } from '../../model/config.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { loadModel, originalModelDir } from '../../node/load-model.js';
import { setupNodeBackend } from '../../node/tf-backend.js';
import { CliError } from '../cli-error.js';

/** `howl export`'s options as commander parses them (checked in `runExport`). */
export interface ExportCommandOptions {
  model?: string;
  out: string;
}

/**
 * Runs `howl export`: loads the model, builds it as a TensorFlow.js Layers model and writes
 * `model.json` and `weights.bin` into `--out` (created if missing), each atomically. Nothing is
 * written when the model cannot be exported.
 *
 * @param options - the parsed command-line options
 * @throws CliError / HowlError with one clear line for a missing or corrupt model, a GRU or
 *   `ordered-rnn` model (not exportable), or an unwritable `--out`
 */
export async function runExport(options: ExportCommandOptions): Promise<void> {
  const out = options.out;
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new CliError(`--out ${out} is a file, not a folder`);
  }
  // The default is the original's network: the shipped ordered network is not a Layers graph.
  const modelPath = options.model ?? originalModelDir();
  const model = await loadModel(modelPath);
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
      `${files.parameters.toLocaleString('en-US')} parameters\n`,
  );
}
