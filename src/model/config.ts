import { InvalidArgumentError } from '../errors.js';

/**
 * Model configurations: plain JSON objects discriminated by `type`, saved beside the weights in every
 * checkpoint (`config.json`), so a checkpoint folder says which network it holds. New architectures
 * are added as siblings in the `ModelConfig` union.
 */

/**
 * The original system's network (docs/original-system.md §5): a recurrent layer, a SELU block with a
 * skip, two heads.
 */
export interface OriginalLstmConfig {
  readonly type: 'original-lstm';
  /** Recurrent cell: `'lstm'` (published: 192, 416, 1024 units) or `'gru'` (published: 512). */
  readonly rnn: 'lstm' | 'gru';
  /** Recurrent units. */
  readonly units: number;
  /** Width of each dense layer of the self-normalising block (256 in the original). */
  readonly denseUnits: number;
  /** Dense + SELU + AlphaDropout layers in the block (3 in the original). */
  readonly blocks: number;
  /** AlphaDropout rate while training (0.01 in the original); 0 turns it off. */
  readonly dropout: number;
}

/**
 * Howl's distributional network: the original's recurrent layer and SELU block, then heads that
 * predict the next note's attributes in order, each a categorical distribution over the shared
 * grid's bins (`src/encoding/grid.ts`) and each conditioned on the ones already chosen:
 * delay (401 bins of 10 ms) → pitch (120) → duration (401) and velocity (32). Timing is sampled,
 * not regressed, so it keeps the spread of real playing; chords stay coherent because the pitch
 * knows whether it starts with the previous note (delay bin 0) and velocity knows the pitch.
 */
export interface OrderedRnnConfig {
  readonly type: 'ordered-rnn';
  /** Recurrent cell. */
  readonly rnn: 'lstm' | 'gru';
  /** Recurrent units. */
  readonly units: number;
  /** Width of each dense layer of the SELU block. */
  readonly denseUnits: number;
  /** Dense + SELU + AlphaDropout layers in the block. */
  readonly blocks: number;
  /** AlphaDropout rate of the block while training. */
  readonly dropout: number;
  /** Width of the attribute heads' hidden layer (the context the chosen attributes are added to). */
  readonly headUnits: number;
  /**
   * How pitch is read and predicted: `'one-hot'` (120 classes, as the original) or
   * `'octave-class'` (the original author's to-do: octave one-hot (10) + pitch class one-hot (12)
   * on input; on output the octave, then the pitch class given the octave).
   */
  readonly pitchEncoding: 'one-hot' | 'octave-class';
  /**
   * A gap-filling network (`src/model/batching/infill-windows.ts`): the input adds
   * `INFILL_FEATURES` columns after the pitch (segment flags and the time to the gap's start and
   * end), and training rearranges a share of its windows as suffix, prefix, middle, so that it
   * learns to write the notes between a prefix and a suffix and to stop where the gap ends.
   * Absent (never `false` in a clean config) for every other network, whose inputs are unchanged.
   */
  readonly infill?: true;
}

/**
 * A decoder-only transformer over notes (one position per note) with the ordered heads of
 * `OrderedRnnConfig`: the note's input (the ordered network's reals and pitch one-hot) is projected
 * to `modelUnits`, then `layers` pre-norm blocks of causal self-attention and a ReLU feed-forward,
 * then a final layer norm gives the features the heads read. Positions are relative: each head adds
 * ALiBi's linear penalty on the distance (Press et al., ICLR 2022) and sees at most `window` notes
 * back, so a key/value cache of the last `window` notes generates one step per note at any length.
 */
export interface TransformerConfig {
  readonly type: 'transformer';
  /** Attention + feed-forward blocks. */
  readonly layers: number;
  /** Width of the residual stream (`d`). */
  readonly modelUnits: number;
  /** Attention heads; `modelUnits` must divide by it. */
  readonly heads: number;
  /** Hidden width of each feed-forward block. */
  readonly ffUnits: number;
  /** Notes each position attends to, itself included. */
  readonly window: number;
  /** Dropout rate of the residual branches while training; 0 turns it off. */
  readonly dropout: number;
  /** Width of the attribute heads' hidden layer (as `OrderedRnnConfig.headUnits`). */
  readonly headUnits: number;
  /** How pitch is read and predicted (as `OrderedRnnConfig.pitchEncoding`). */
  readonly pitchEncoding: 'one-hot' | 'octave-class';
}

/** The recurrent networks' configurations (the trunk of `trunk.ts`). */
export type RnnConfig = OriginalLstmConfig | OrderedRnnConfig;

/** The configurations whose heads are the ordered, distributional ones. */
export type OrderedConfig = OrderedRnnConfig | TransformerConfig;

/** Every model configuration Howl knows, discriminated by `type`. */
export type ModelConfig = OriginalLstmConfig | OrderedRnnConfig | TransformerConfig;

/** A model type: the `type` of a `ModelConfig`. */
export type ModelType = ModelConfig['type'];

/** The configuration of one model type, e.g. `ConfigOfType<'transformer'>` is `TransformerConfig`. */
export type ConfigOfType<T extends ModelType> = Extract<ModelConfig, { readonly type: T }>;

/** Named architectures (`--arch`): the original's published variants and Howl's own. */
export const MODEL_PRESETS = {
  'lstm-192': { type: 'original-lstm', rnn: 'lstm', units: 192, denseUnits: 256, blocks: 3, dropout: 0.01 },
  'lstm-416': { type: 'original-lstm', rnn: 'lstm', units: 416, denseUnits: 256, blocks: 3, dropout: 0.01 },
  'lstm-1024': { type: 'original-lstm', rnn: 'lstm', units: 1024, denseUnits: 256, blocks: 3, dropout: 0.01 },
  'gru-512': { type: 'original-lstm', rnn: 'gru', units: 512, denseUnits: 256, blocks: 3, dropout: 0.01 },
  /** The original's published network under its own name (= `lstm-192`). */
  'original-lstm': {
    type: 'original-lstm',
    rnn: 'lstm',
    units: 192,
    denseUnits: 256,
    blocks: 3,
    dropout: 0.01,
  },
  'ordered-lstm': {
    type: 'ordered-rnn',
    rnn: 'lstm',
    units: 192,
    denseUnits: 256,
    blocks: 3,
    dropout: 0.01,
    headUnits: 128,
    pitchEncoding: 'one-hot',
  },
  /** The ordered network with a wider trunk, for corpora of hours (ASAP + piano-midi-de). */
  'ordered-lstm-416': {
    type: 'ordered-rnn',
    rnn: 'lstm',
    units: 416,
    denseUnits: 256,
    blocks: 3,
    dropout: 0.01,
    headUnits: 128,
    pitchEncoding: 'one-hot',
  },
  'ordered-lstm-octave': {
    type: 'ordered-rnn',
    rnn: 'lstm',
    units: 192,
    denseUnits: 256,
    blocks: 3,
    dropout: 0.01,
    headUnits: 128,
    pitchEncoding: 'octave-class',
  },
  'ordered-gru': {
    type: 'ordered-rnn',
    rnn: 'gru',
    units: 256,
    denseUnits: 256,
    blocks: 3,
    dropout: 0.01,
    headUnits: 128,
    pitchEncoding: 'one-hot',
  },
  /** A 2-layer transformer sized for a 2-core machine (`docs/models.md`). */
  'ordered-transformer': {
    type: 'transformer',
    layers: 2,
    modelUnits: 128,
    heads: 4,
    ffUnits: 512,
    window: 256,
    dropout: 0,
    headUnits: 128,
    pitchEncoding: 'one-hot',
  },
} as const satisfies Record<string, ModelConfig>;

/** A preset's name. */
export type ModelPresetName = keyof typeof MODEL_PRESETS;

/** The default architecture of `howl train`: Howl's ordered network (`docs/models.md` says why). */
export const DEFAULT_PRESET: ModelPresetName = 'ordered-lstm';

/**
 * The configuration of a named preset.
 *
 * @param name - e.g. `'lstm-192'`
 * @returns a copy of the preset
 * @throws InvalidArgumentError listing the known presets, if `name` is not one
 * @example presetConfig('gru-512').units; // 512
 */
export function presetConfig(name: string): ModelConfig {
  if (!Object.hasOwn(MODEL_PRESETS, name)) {
    throw new InvalidArgumentError(
      `unknown architecture '${name}'; known: ${Object.keys(MODEL_PRESETS).join(', ')}`,
    );
  }
  return { ...MODEL_PRESETS[name as ModelPresetName] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInteger(config: Record<string, unknown>, key: string, max: number): number {
  const value = config[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(
      `model config: ${key} ${JSON.stringify(value)} is not an integer in 1..${max}`,
    );
  }
  return value;
}

/** The recurrent layer and SELU block's fields, shared by the recurrent network types. */
function trunkFields(value: Record<string, unknown>) {
  const rnn = value['rnn'];
  if (rnn !== 'lstm' && rnn !== 'gru') {
    throw new InvalidArgumentError(`model config: rnn ${JSON.stringify(rnn)} is not 'lstm' or 'gru'`);
  }
  return {
    rnn,
    units: positiveInteger(value, 'units', 16384),
    denseUnits: positiveInteger(value, 'denseUnits', 16384),
    blocks: positiveInteger(value, 'blocks', 64),
    dropout: dropoutField(value),
  } as const;
}

function dropoutField(value: Record<string, unknown>): number {
  const dropout = value['dropout'];
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) {
    throw new InvalidArgumentError(`model config: dropout ${JSON.stringify(dropout)} is not in [0, 1)`);
  }
  return dropout;
}

/** The ordered heads' fields. */
function headFields(value: Record<string, unknown>) {
  // Configs written before note-octave encoding existed are one-hot.
  const pitchEncoding = value['pitchEncoding'] ?? 'one-hot';
  if (pitchEncoding !== 'one-hot' && pitchEncoding !== 'octave-class') {
    throw new InvalidArgumentError(
      `model config: pitchEncoding ${JSON.stringify(pitchEncoding)} is not 'one-hot' or 'octave-class'`,
    );
  }
  return { headUnits: positiveInteger(value, 'headUnits', 16384), pitchEncoding } as const;
}

/** `infill: true`, or nothing: a config without the field is an ordinary network. */
function infillField(value: Record<string, unknown>): { infill?: true } {
  const infill = value['infill'];
  if (infill === undefined || infill === false) return {};
  if (infill !== true) {
    throw new InvalidArgumentError(`model config: infill ${JSON.stringify(infill)} is not true or false`);
  }
  return { infill: true };
}

/**
 * What this file knows of one model type: how to read its configuration and how to name it. The
 * registry below has one for each type; `create-model.ts` (its training network) and
 * `src/inference/create-step-network.ts` (its step network) have the other two tables keyed by type.
 */
export interface ArchitectureSpec<C extends ModelConfig> {
  /** Checks the fields of a config object of this type and returns a clean copy of them. */
  readonly validate: (value: Readonly<Record<string, unknown>>) => C;
  /** A short name, for messages: e.g. `'LSTM-192'`. */
  readonly name: (config: C) => string;
  /** Its sizes in one line, for reports. */
  readonly describe: (config: C) => string;
}

/**
 * Every model type's `ArchitectureSpec`. A mapped type over `ModelType`, so a type added to
 * `ModelConfig` without an entry here (or in the training and step tables) does not compile.
 */
export const ARCHITECTURES: { readonly [T in ModelType]: ArchitectureSpec<ConfigOfType<T>> } = {
  'original-lstm': {
    validate: (value) => ({ type: 'original-lstm', ...trunkFields(value) }),
    name: (config) => `${config.rnn.toUpperCase()}-${config.units}`,
    describe: (config) =>
      `original-lstm: ${config.rnn.toUpperCase()} ${config.units}, dense ${config.denseUnits} × ${config.blocks}`,
  },
  'ordered-rnn': {
    validate: (value) => ({
      type: 'ordered-rnn',
      ...trunkFields(value),
      ...headFields(value),
      ...infillField(value),
    }),
    name: (config) => `ordered ${config.rnn.toUpperCase()}-${config.units}${config.infill ? ' infill' : ''}`,
    describe: (config) =>
      `ordered-rnn: ${config.rnn.toUpperCase()} ${config.units}, dense ${config.denseUnits} × ${config.blocks}, heads ${config.headUnits} (delay → pitch → duration, velocity on the grid)${config.infill ? '; fills gaps (suffix, prefix, middle)' : ''}`,
  },
  transformer: {
    validate: (value) => {
      const modelUnits = positiveInteger(value, 'modelUnits', 16384);
      const heads = positiveInteger(value, 'heads', 256);
      if (modelUnits % heads !== 0) {
        throw new InvalidArgumentError(
          `model config: modelUnits ${modelUnits} is not a multiple of heads ${heads}`,
        );
      }
      return {
        type: 'transformer',
        layers: positiveInteger(value, 'layers', 64),
        modelUnits,
        heads,
        ffUnits: positiveInteger(value, 'ffUnits', 65536),
        window: positiveInteger(value, 'window', 1 << 20),
        dropout: dropoutField(value),
        ...headFields(value),
      };
    },
    name: (config) => `transformer ${config.layers} × ${config.modelUnits}`,
    describe: (config) =>
      `transformer: ${config.layers} layers × ${config.modelUnits}, ${config.heads} heads, feed-forward ${config.ffUnits}, window ${config.window}, heads ${config.headUnits} (delay → pitch → duration, velocity on the grid)`,
  },
};

/** The known values of `ModelConfig['type']`, in `ARCHITECTURES`' order. */
export const MODEL_TYPES = Object.keys(ARCHITECTURES) as readonly ModelType[];

/** Whether `type` is a model type Howl knows. */
function isModelType(type: unknown): type is ModelType {
  return typeof type === 'string' && Object.hasOwn(ARCHITECTURES, type);
}

/** A model type's spec, typed for any configuration (the tables are correlated by `type`). */
function specOf(type: ModelType): ArchitectureSpec<ModelConfig> {
  return ARCHITECTURES[type] as ArchitectureSpec<ModelConfig>;
}

/**
 * Checks that `value` (e.g. parsed from `config.json`) is a valid model configuration and returns a
 * clean copy with only the known fields.
 *
 * @param value - anything
 * @returns the validated configuration
 * @throws InvalidArgumentError naming the bad field, or listing the known types for an unknown `type`
 * @example validateModelConfig(JSON.parse(text));
 */
export function validateModelConfig(value: unknown): ModelConfig {
  if (!isObject(value)) throw new InvalidArgumentError('model config is not a JSON object');
  const type = value['type'];
  if (!isModelType(type)) {
    throw new InvalidArgumentError(
      `unknown model type ${JSON.stringify(type)}; known: ${MODEL_TYPES.join(', ')}`,
    );
  }
  return specOf(type).validate(value);
}

/**
 * A short name of a configuration's network, for messages.
 *
 * @param config - a model configuration
 * @returns e.g. `'LSTM-192'`, `'ordered LSTM-192'`, `'transformer 3 × 128'`
 */
export function architectureName(config: ModelConfig): string {
  return specOf(config.type).name(config);
}

/**
 * A configuration's network and sizes in one line, for reports.
 *
 * @param config - a model configuration
 * @returns e.g. `'original-lstm: LSTM 192, dense 256 × 3'`
 */
export function describeArchitecture(config: ModelConfig): string {
  return specOf(config.type).describe(config);
}
