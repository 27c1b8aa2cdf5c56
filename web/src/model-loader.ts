import {
  architectureName,
  CHECKPOINT_FILES,
  createStepNetwork,
  decodeCheckpoint,
  decodeSafetensorsModel,
  HowlError,
  isSafetensorsModel,
  SAFETENSORS_FILE,
  trainingSummaryOf,
  weightsOf,
  type ModelConfig,
  type StepNetwork,
  type TrainingSummary,
  type WeightMap,
} from '../../src/public/index.js';

/**
 * Loading a trained model in the browser: the four files of a checkpoint folder (`config.json`,
 * `weights.json`, `weights.bin`, `state.json`) or the two of a safetensors model folder
 * (`model.safetensors`, `config.json`; `howl export --format safetensors`), fetched from the server
 * or picked by the person, decoded and verified by the same code as `howl generate`. Only the
 * weights are kept: a checkpoint's optimiser moments (`adam/…`) are dropped.
 */

/** A model ready for the step network. */
export interface BrowserModel {
  /** What to call it on the page. */
  readonly name: string;
  readonly config: ModelConfig;
  readonly weights: WeightMap;
  /** One line: architecture, training steps, best validation loss. */
  readonly summary: string;
}

/** A file the person picked: its path inside the folder they chose (or just its name), and bytes. */
export interface PickedFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** Why a model could not be loaded, in words for the page. */
export class ModelLoadError extends HowlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('model-load', message, options);
  }
}

/** The files' model: a checkpoint, or `model.safetensors` + `config.json` when there is no `state.json`. */
function decodeFiles(
  read: (file: string) => Uint8Array | undefined,
  name: string,
): { config: ModelConfig; weights: WeightMap; training: TrainingSummary | undefined } {
  if (isSafetensorsModel((file) => read(file) !== undefined)) {
    const model = decodeSafetensorsModel(read, name);
    return { config: model.config.model, weights: model.weights, training: model.training };
  }
  const checkpoint = decodeCheckpoint(read, name);
  return {
    config: checkpoint.config.model,
    weights: weightsOf(checkpoint),
    training: trainingSummaryOf(checkpoint.state),
  };
}

/**
 * Decodes a model folder's files (a checkpoint, or a safetensors model) into a model.
 *
 * @param read - a file's bytes by name, `undefined` when absent
 * @param name - the model's name, used in messages
 * @returns the model
 * @throws ModelLoadError saying what is wrong (missing file, corrupt, not a model Howl knows)
 */
export function decodeModel(read: (file: string) => Uint8Array | undefined, name: string): BrowserModel {
  let model;
  try {
    model = decodeFiles(read, name);
  } catch (error) {
    throw new ModelLoadError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const { config, weights, training } = model;
  const arch = architectureName(config);
  const loss = training?.bestLoss == null ? '' : `, best validation loss ${training.bestLoss.toFixed(3)}`;
  return {
    name,
    config,
    weights,
    summary:
      training === undefined ? `${arch} (safetensors)` : `${arch}, ${training.steps} training steps${loss}`,
  };
}

/**
 * Builds the batch-1 step network of a model, checking that the weights fit it.
 *
 * @throws ModelLoadError naming a missing or misshapen weight
 */
export function networkOf(model: BrowserModel): StepNetwork {
  try {
    return createStepNetwork(model.config, model.weights, 1);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ModelLoadError(`${model.name}: the weights do not fit the model: ${reason}`, { cause: error });
  }
}

/**
 * Chooses the model among files the person picked: the files themselves, a checkpoint folder, a
 * safetensors model folder, or a `howl train` run folder (its `best/` checkpoint is preferred over
 * `checkpoint/`).
 *
 * @returns the folder prefix ('' for loose files) and a reader of its files
 * @throws ModelLoadError when no config.json is among the files
 */
export function pickCheckpoint(files: readonly PickedFile[]): {
  folder: string;
  read: (file: string) => Uint8Array | undefined;
} {
  const folderOf = (path: string): string => path.slice(0, path.lastIndexOf('/') + 1);
  const folders = files.filter((f) => f.path.split('/').pop() === 'config.json').map((f) => folderOf(f.path));
  if (folders.length === 0) {
    const names = files.map((f) => f.path).slice(0, 5);
    throw new ModelLoadError(
      `no config.json among the files (${names.join(', ') || 'none'}): pick a model folder's ${CHECKPOINT_FILES.join(', ')}, or its ${SAFETENSORS_FILE} and config.json`,
    );
  }
  const rank = (folder: string): number =>
    folder.endsWith('best/') ? 0 : folder.endsWith('checkpoint/') ? 1 : 2;
  const folder = [...folders].sort((a, b) => rank(a) - rank(b) || a.length - b.length)[0]!;
  const byPath = new Map(files.map((f) => [f.path, f.bytes]));
  return { folder, read: (file) => byPath.get(folder + file) };
}

/**
 * Fetches a model folder from the server (`base` ends with '/'): a checkpoint, or a safetensors
 * model. `config.json` and `state.json` come first; with a `state.json` it is a checkpoint and its
 * other two files follow, without one `model.safetensors` does. So a checkpoint costs no failed
 * request (the browser would log each 404 as an error), a safetensors folder one.
 *
 * @throws ModelLoadError when a file cannot be fetched
 */
export async function fetchModel(base: string, name: string): Promise<BrowserModel> {
  const files = new Map<string, Uint8Array>();
  const fetchAll = (names: readonly string[]) =>
    Promise.all(
      names.map(async (file) => {
        let response: Response;
        try {
          response = await fetch(base + file);
        } catch (error) {
          throw new ModelLoadError(`${name}: cannot fetch ${file}: ${String(error)}`, { cause: error });
        }
        if (response.status === 404) return; // decodeModel names the missing file
        if (!response.ok) throw new ModelLoadError(`${name}: cannot fetch ${file}: HTTP ${response.status}`);
        files.set(file, new Uint8Array(await response.arrayBuffer()));
      }),
    );
  await fetchAll(['config.json', 'state.json']);
  await fetchAll(files.has('state.json') ? ['weights.json', 'weights.bin'] : [SAFETENSORS_FILE]);
  return decodeModel((file) => files.get(file), name);
}
