import {
  CheckpointError,
  decodeCheckpointConfig,
  encodeCheckpointConfig,
  type CheckpointConfig,
  type TrainingState,
} from './checkpoint.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from './safetensors.js';
import { weightLayout } from './weight-layout.js';
import type { WeightMap, WeightTensor } from './weight-map.js';

/**
 * A model as safetensors, for use outside Howl (PyTorch, JAX, …) and back: a folder of two files,
 * platform-neutral bytes here (`src/node/safetensors-folder.ts` writes and reads the folder).
 *
 * | file | content |
 * |---|---|
 * | `model.safetensors` | every weight as F32, under Howl's names (`weightLayout`), in that order; `__metadata__`: `format: 'howl'`, `architecture: <config.model.type>`, and when known `training_steps`, `training_seconds`, `best_validation_loss` |
 * | `config.json` | the same file as a checkpoint's: `{ format: 'howl-checkpoint', version: 1, model, encoding: 'v1', training }` |
 *
 * The names, shapes and layouts, and how they map to PyTorch, are in `docs/safetensors.md`.
 */

/** The weights file of a safetensors model folder. */
export const SAFETENSORS_FILE = 'model.safetensors';

/** The files of a safetensors model folder, in the order they are written (the weights first). */
export const SAFETENSORS_MODEL_FILES = [SAFETENSORS_FILE, 'config.json'] as const;

/** `__metadata__.format` of a Howl safetensors file. */
export const SAFETENSORS_FORMAT = 'howl';

/** How long a model was trained, as far as is known. */
export interface TrainingSummary {
  /** Updates applied. */
  readonly steps: number;
  /** Training time, in seconds. */
  readonly seconds: number;
  /** Best validation loss (`null`: never validated). */
  readonly bestLoss: number | null;
}

/** A model read from, or to be written as, safetensors. */
export interface SafetensorsModel {
  readonly config: CheckpointConfig;
  /** The weights by Howl's names. */
  readonly weights: WeightMap;
  /** From the metadata; `undefined` when the file does not say. */
  readonly training: TrainingSummary | undefined;
}

/**
 * A checkpoint's training summary.
 *
 * @param state - a checkpoint's training state
 * @returns steps, seconds and the best validation loss
 */
export function trainingSummaryOf(state: TrainingState): TrainingSummary {
  return { steps: state.step, seconds: state.elapsedSeconds, bestLoss: state.best?.loss ?? null };
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((n, i) => n === b[i]);

const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** The weights in layout order, checked: every one present with its shape, nothing else. */
function checkedWeights(
  config: CheckpointConfig,
  weights: WeightMap,
  fail: (reason: string) => never,
): { name: string; tensor: WeightTensor }[] {
  const layout = weightLayout(config.model);
  const kind = `config.json's '${config.model.type}' model`;
  const out = layout.map(({ name, shape }) => {
    const tensor = weights.get(name);
    if (tensor === undefined) fail(`no tensor '${name}' (${kind} needs one of shape ${shapeText(shape)})`);
    if (!sameShape(tensor.shape, shape)) {
      fail(`tensor '${name}' has shape ${shapeText(tensor.shape)}; ${kind} needs ${shapeText(shape)}`);
    }
    return { name, tensor };
  });
  const known = new Set(layout.map((w) => w.name));
  const extra = [...weights.keys()].filter((name) => !known.has(name));
  if (extra.length > 0) {
    fail(
      `unexpected tensor${extra.length > 1 ? 's' : ''} ${extra.map((n) => `'${n}'`).join(', ')} (not weights of ${kind})`,
    );
  }
  return out;
}

/**
 * Encodes a model as the two files of a safetensors model folder.
 *
 * @param model - configuration, weights (exactly those of `weightLayout(config.model)`) and, when
 *   known, the training summary (`trainingSummaryOf(checkpoint.state)`)
 * @returns file name → bytes, in `SAFETENSORS_MODEL_FILES` order
 * @throws SafetensorsError naming a missing, misshapen or unexpected weight
 * @example const files = encodeSafetensorsModel({ config, weights: weightsOf(checkpoint), training: undefined });
 */
export function encodeSafetensorsModel(model: SafetensorsModel): Map<string, Uint8Array> {
  const fail = (reason: string): never => {
    throw new SafetensorsError(SAFETENSORS_FILE, reason);
  };
  const tensors = checkedWeights(model.config, model.weights, fail).map(({ name, tensor }) => ({
    name,
    shape: tensor.shape,
    data: tensor.data,
  }));
  const metadata: Record<string, string> = {
    format: SAFETENSORS_FORMAT,
    architecture: model.config.model.type,
  };
  if (model.training) {
    metadata['training_steps'] = String(model.training.steps);
    metadata['training_seconds'] = String(model.training.seconds);
    if (model.training.bestLoss !== null) metadata['best_validation_loss'] = String(model.training.bestLoss);
  }
  return new Map([
    [SAFETENSORS_FILE, encodeSafetensors(tensors, metadata)],
    ['config.json', encodeCheckpointConfig(model.config)],
  ]);
}

/** The training summary in the metadata, or `undefined` when it has none. */
function summaryOf(metadata: Readonly<Record<string, string>>, fail: (reason: string) => never) {
  const number = (key: string): number | undefined => {
    const text = metadata[key];
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value))
      fail(`__metadata__.${key} ${JSON.stringify(text)} is not a number`);
    return value;
  };
  const steps = number('training_steps');
  const seconds = number('training_seconds');
  const bestLoss = number('best_validation_loss') ?? null;
  return steps === undefined ? undefined : { steps, seconds: seconds ?? 0, bestLoss };
}

/**
 * Decodes and checks a safetensors model folder's files.
 *
 * @param read - a file's bytes by name, `undefined` when absent
 * @param where - how to name the folder in messages
 * @returns the configuration, the weights (F16, BF16 and F64 converted to float32) and the training
 *   summary if the file has one
 * @throws SafetensorsError naming `<where>/model.safetensors` and the reason: a malformed file, a
 *   metadata `format` other than 'howl', an `architecture` other than config.json's, a weight
 *   missing, misshapen or not of this model
 * @throws CheckpointError for a missing or invalid config.json
 */
export function decodeSafetensorsModel(
  read: (file: string) => Uint8Array | undefined,
  where: string,
): SafetensorsModel {
  const file = where === '' ? SAFETENSORS_FILE : `${where.replace(/\/$/, '')}/${SAFETENSORS_FILE}`;
  const fail = (reason: string): never => {
    throw new SafetensorsError(file, reason);
  };
  const bytes = read(SAFETENSORS_FILE);
  if (!bytes) fail('missing');
  const configBytes = read('config.json');
  if (!configBytes)
    throw new CheckpointError(`${where}: config.json is missing (it goes beside ${SAFETENSORS_FILE})`);
  const config = decodeCheckpointConfig(configBytes, where);
  const { tensors, metadata } = decodeSafetensors(bytes as Uint8Array, file);
  if (metadata['format'] !== SAFETENSORS_FORMAT) {
    fail(
      `__metadata__.format is ${JSON.stringify(metadata['format'])}, not "${SAFETENSORS_FORMAT}": not a Howl model`,
    );
  }
  if (metadata['architecture'] !== config.model.type) {
    fail(
      `__metadata__.architecture is ${JSON.stringify(metadata['architecture'])} but config.json's model is '${config.model.type}': the two files are not of one model`,
    );
  }
  const byName = new Map(tensors.map((t) => [t.name, { shape: t.shape, data: t.data }]));
  const weights = new Map(checkedWeights(config, byName, fail).map(({ name, tensor }) => [name, tensor]));
  return { config, weights, training: summaryOf(metadata, fail) };
}

/**
 * Whether a folder's files are a safetensors model rather than a checkpoint: it has
 * `model.safetensors` and no `state.json` (a checkpoint's commit marker).
 *
 * @param has - whether the folder has a file
 */
export function isSafetensorsModel(has: (file: string) => boolean): boolean {
  // state.json first: a checkpoint is never asked for a file it does not have.
  return !has('state.json') && has(SAFETENSORS_FILE);
}
