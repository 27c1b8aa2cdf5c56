import { contentHash } from '../../data/content-hash.js';
import { HowlError } from '../../errors.js';
import { validateModelConfig, type ModelConfig } from '../config.js';
import type { RngState } from '../../random/rng.js';

/**
 * The checkpoint format, platform-neutral: a checkpoint is four files (a folder on disk, see
 * `src/node/checkpoint-store.ts`), encoded and decoded here as bytes.
 *
 * | file | content |
 * |---|---|
 * | `config.json` | `{ format: 'howl-checkpoint', version: 1, model, encoding: 'v1', training }` |
 * | `weights.json` | manifest: `[{ name, shape, dtype: 'float32', offset, bytes }]`, offsets into weights.bin |
 * | `weights.bin` | every tensor's float32 values, little-endian, one after another |
 * | `state.json` | the training state, and the byte length and content hash of the three other files |
 *
 * `state.json` is written last and names the exact bytes of the others, so a checkpoint whose files
 * come from two different saves (a crash half-way through replacing them) is refused, not loaded.
 * Model weights have their stable names (`rnn/kernel`, …); the optimiser's moments are stored in the
 * same files as `adam/m/<weight>` and `adam/v/<weight>`.
 */

/** The checkpoint format version this Howl writes and reads. */
export const CHECKPOINT_VERSION = 1;

/** The files of a checkpoint, in the order they are written (`state.json`, the commit marker, last). */
export const CHECKPOINT_FILES = ['config.json', 'weights.json', 'weights.bin', 'state.json'] as const;

/** A checkpoint that cannot be used: missing files, a partial write, corruption or another version. */
export class CheckpointError extends HowlError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('checkpoint', message, options);
  }
}

/** One stored tensor. */
export interface CheckpointTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A point of a loss curve. */
export interface CurvePoint {
  readonly step: number;
  readonly loss: number;
}

/** Everything but the tensors that a resumed run needs to continue exactly. */
export interface TrainingState {
  /** Updates applied so far. */
  readonly step: number;
  /** Steps skipped for a non-finite loss or gradient, in all. */
  readonly skippedSteps: number;
  /** Consecutive skipped steps at the moment of saving. */
  readonly consecutiveFailures: number;
  /** Crops drawn so far / crops per round (4 × training songs). */
  readonly epoch: number;
  /** Real (unpadded) steps trained on. */
  readonly tokens: number;
  /** Training time so far, in seconds (over all resumed sessions). */
  readonly elapsedSeconds: number;
  /** Factor on the scheduled learning rate (halved at every non-finite step). */
  readonly lrFactor: number;
  /** The learning rate of the last step. */
  readonly lr: number;
  /** Generator states: crops and augmentation, and dropout masks. */
  readonly rng: { readonly crops: RngState; readonly dropout: RngState };
  /** Adam's step count and hyper-parameters (the moments are tensors). */
  readonly adam: {
    readonly step: number;
    readonly beta1: number;
    readonly beta2: number;
    readonly epsilon: number;
  };
  /** Best validation loss so far and its step (`null` before the first validation). */
  readonly best: { readonly loss: number; readonly step: number } | null;
  /** Validations in a row without improvement (for early stopping). */
  readonly validationsWithoutImprovement: number;
  /** Loss curves so far (train: mean over each validation interval). */
  readonly curves: { readonly train: readonly CurvePoint[]; readonly validation: readonly CurvePoint[] };
  /**
   * The sum and count of the train losses since the last validation, so that a resumed run's next
   * train point averages the same steps as an uninterrupted run's (absent in older checkpoints).
   */
  readonly interval?: { readonly loss: number; readonly steps: number };
}

/** The contents of `config.json`. */
export interface CheckpointConfig {
  readonly model: ModelConfig;
  readonly encoding: 'v1';
  /** The training options, as JSON (see `TrainOptions`). */
  readonly training: Readonly<Record<string, unknown>>;
}

/** A decoded checkpoint. */
export interface Checkpoint {
  readonly config: CheckpointConfig;
  /** Model weights, then the optimiser's moments. */
  readonly tensors: readonly CheckpointTensor[];
  readonly state: TrainingState;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  offset: number;
  bytes: number;
}

interface FileStamp {
  bytes: number;
  hash: string;
}

const encoder = new TextEncoder();
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value, null, 1) + '\n');
const stamp = (bytes: Uint8Array): FileStamp => ({ bytes: bytes.length, hash: contentHash(bytes) });

/**
 * Encodes a checkpoint into its four files.
 *
 * @param checkpoint - the checkpoint
 * @returns file name → bytes, in `CHECKPOINT_FILES` order
 * @example for (const [name, bytes] of encodeCheckpoint(ck)) await write(name, bytes);
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Map<string, Uint8Array> {
  const manifest: ManifestEntry[] = [];
  let offset = 0;
  for (const t of checkpoint.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) {
      throw new CheckpointError(
        `tensor ${t.name}: shape [${t.shape.join(', ')}] but ${t.data.length} values`,
      );
    }
    manifest.push({ name: t.name, shape: [...t.shape], dtype: 'float32', offset, bytes: 4 * size });
    offset += 4 * size;
  }
  const bin = new Uint8Array(offset);
  const view = new DataView(bin.buffer);
  checkpoint.tensors.forEach((t, i) => {
    let at = (manifest[i] as ManifestEntry).offset;
    for (const x of t.data) {
      view.setFloat32(at, x, true);
      at += 4;
    }
  });
  const config = encodeCheckpointConfig(checkpoint.config);
  const weightsJson = json({ version: CHECKPOINT_VERSION, tensors: manifest });
  const state = json({
    format: 'howl-checkpoint-state',
    version: CHECKPOINT_VERSION,
    files: { 'config.json': stamp(config), 'weights.json': stamp(weightsJson), 'weights.bin': stamp(bin) },
    ...checkpoint.state,
  });
  return new Map([
    ['config.json', config],
    ['weights.json', weightsJson],
    ['weights.bin', bin],
    ['state.json', state],
  ]);
}

/**
 * Encodes a checkpoint's `config.json` (also written beside `model.safetensors`, `safetensors-model.ts`).
 *
 * @param config - the model configuration, encoding and training options
 * @returns the file's bytes
 */
export function encodeCheckpointConfig(config: CheckpointConfig): Uint8Array {
  return json({ format: 'howl-checkpoint', version: CHECKPOINT_VERSION, ...config });
}

function parseJson(bytes: Uint8Array, file: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new CheckpointError(`${where}: ${file} is not valid JSON (the checkpoint is corrupt)`, {
      cause: error,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CheckpointError(`${where}: ${file} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function checkVersion(value: Record<string, unknown>, file: string, where: string): void {
  if (value['version'] !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `${where}: ${file} is checkpoint format version ${JSON.stringify(value['version'])}; this Howl reads version ${CHECKPOINT_VERSION}`,
    );
  }
}

/**
 * Decodes and checks a `config.json`: its version, encoding and model configuration.
 *
 * @param bytes - the file's bytes
 * @param where - how to name its folder in messages
 * @returns the configuration
 * @throws CheckpointError naming the folder and the reason (not JSON, another version, an unknown
 *   encoding, an invalid model configuration)
 */
export function decodeCheckpointConfig(bytes: Uint8Array, where: string): CheckpointConfig {
  const config = parseJson(bytes, 'config.json', where);
  checkVersion(config, 'config.json', where);
  if (config['encoding'] !== 'v1') {
    throw new CheckpointError(`${where}: unknown encoding ${JSON.stringify(config['encoding'])}`);
  }
  let model: ModelConfig;
  try {
    model = validateModelConfig(config['model']);
  } catch (error) {
    throw new CheckpointError(`${where}: config.json: ${(error as Error).message}`, { cause: error });
  }
  return { model, encoding: 'v1', training: (config['training'] ?? {}) as Record<string, unknown> };
}

/**
 * Decodes and verifies a checkpoint. `state.json` must be present (it is written last, so a
 * checkpoint without it was never finished), every other file must have exactly the length and
 * content hash that `state.json` records, and the manifest must fit `weights.bin`.
 *
 * @param read - returns a file's bytes, or `undefined` when it does not exist
 * @param where - how to name the checkpoint in messages (e.g. its folder)
 * @returns the checkpoint
 * @throws CheckpointError saying what is wrong: unfinished, partially overwritten, corrupt, another
 *   format version, or an invalid model configuration
 */
export function decodeCheckpoint(read: (file: string) => Uint8Array | undefined, where: string): Checkpoint {
  const stateBytes = read('state.json');
  if (!stateBytes) {
    throw new CheckpointError(`${where}: no state.json, so the checkpoint was never completely written`);
  }
  const state = parseJson(stateBytes, 'state.json', where);
  checkVersion(state, 'state.json', where);
  const stamps = state['files'] as Record<string, FileStamp> | undefined;
  const files = new Map<string, Uint8Array>();
  for (const file of CHECKPOINT_FILES) {
    if (file === 'state.json') continue;
    const bytes = read(file);
    if (!bytes) throw new CheckpointError(`${where}: ${file} is missing`);
    const expected = stamps?.[file];
    if (!expected || expected.bytes !== bytes.length || expected.hash !== contentHash(bytes)) {
      throw new CheckpointError(
        `${where}: ${file} does not match state.json (${bytes.length} bytes, expected ${String(expected?.bytes)}): ` +
          'the checkpoint is partially written or corrupt',
      );
    }
    files.set(file, bytes);
  }
  const config = decodeCheckpointConfig(files.get('config.json') as Uint8Array, where);
  const manifest = parseJson(files.get('weights.json') as Uint8Array, 'weights.json', where);
  checkVersion(manifest, 'weights.json', where);
  const bin = files.get('weights.bin') as Uint8Array;
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const entries = manifest['tensors'];
  if (!Array.isArray(entries)) throw new CheckpointError(`${where}: weights.json has no tensor list`);
  const tensors = (entries as ManifestEntry[]).map((entry) => {
    const size = Array.isArray(entry.shape) ? entry.shape.reduce((a, b) => a * b, 1) : NaN;
    if (
      typeof entry.name !== 'string' ||
      entry.dtype !== 'float32' ||
      !Number.isSafeInteger(size) ||
      entry.bytes !== 4 * size ||
      !Number.isSafeInteger(entry.offset) ||
      entry.offset < 0 ||
      entry.offset + entry.bytes > bin.length
    ) {
      throw new CheckpointError(`${where}: weights.json entry ${JSON.stringify(entry.name)} is invalid`);
    }
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = view.getFloat32(entry.offset + 4 * i, true);
    return { name: entry.name, shape: entry.shape, data };
  });
  const training: Record<string, unknown> = { ...state };
  for (const key of ['format', 'version', 'files']) delete training[key];
  return {
    config,
    tensors,
    state: training as unknown as TrainingState,
  };
}
