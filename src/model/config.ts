import { InvalidArgumentError } from '../errors.js';

/**
 * Model configurations: plain JSON objects discriminated by `type`, saved beside the weights in every
 * checkpoint (`config.json`), so a checkpoint folder says which network it holds. New architectures
 * (a transformer, ...) are added as siblings of `OriginalLstmConfig` in the `ModelConfig` union.
 */

/** The original system's network (spec §5): a recurrent layer, a SELU block with a skip, two heads. */
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

/** Every model configuration Howl knows, discriminated by `type`. */
export type ModelConfig = OriginalLstmConfig;

/** The known values of `ModelConfig['type']`. */
export const MODEL_TYPES = ['original-lstm'] as const;

/** The published variants of the original network, by name (`--arch`). */
export const MODEL_PRESETS = {
  'lstm-192': { type: 'original-lstm', rnn: 'lstm', units: 192, denseUnits: 256, blocks: 3, dropout: 0.01 },
  'lstm-416': { type: 'original-lstm', rnn: 'lstm', units: 416, denseUnits: 256, blocks: 3, dropout: 0.01 },
  'lstm-1024': { type: 'original-lstm', rnn: 'lstm', units: 1024, denseUnits: 256, blocks: 3, dropout: 0.01 },
  'gru-512': { type: 'original-lstm', rnn: 'gru', units: 512, denseUnits: 256, blocks: 3, dropout: 0.01 },
} as const satisfies Record<string, ModelConfig>;

/** A preset's name. */
export type ModelPresetName = keyof typeof MODEL_PRESETS;

/** The default architecture: the published 192-unit LSTM. */
export const DEFAULT_PRESET: ModelPresetName = 'lstm-192';

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
  switch (type) {
    case 'original-lstm': {
      const rnn = value['rnn'];
      if (rnn !== 'lstm' && rnn !== 'gru') {
        throw new InvalidArgumentError(`model config: rnn ${JSON.stringify(rnn)} is not 'lstm' or 'gru'`);
      }
      const dropout = value['dropout'];
      if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) {
        throw new InvalidArgumentError(`model config: dropout ${JSON.stringify(dropout)} is not in [0, 1)`);
      }
      return {
        type,
        rnn,
        units: positiveInteger(value, 'units', 16384),
        denseUnits: positiveInteger(value, 'denseUnits', 16384),
        blocks: positiveInteger(value, 'blocks', 64),
        dropout,
      };
    }
    default:
      throw new InvalidArgumentError(
        `unknown model type ${JSON.stringify(type)}; known: ${MODEL_TYPES.join(', ')}`,
      );
  }
}
