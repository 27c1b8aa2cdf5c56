import { describe, expect, test } from 'vitest';
import {
  architectureName,
  ARCHITECTURES,
  describeArchitecture,
  MODEL_PRESETS,
  MODEL_TYPES,
  presetConfig,
  validateModelConfig,
  type OrderedRnnConfig,
} from './config.js';

describe('model config', () => {
  test("presets are the published variants, the original by name and Howl's ordered networks and transformer; all validate", () => {
    expect(Object.keys(MODEL_PRESETS)).toEqual([
      'lstm-192',
      'lstm-416',
      'lstm-1024',
      'gru-512',
      'original-lstm',
      'ordered-lstm',
      'ordered-lstm-416',
      'ordered-lstm-octave',
      'ordered-gru',
      'ordered-transformer',
    ]);
    expect(presetConfig('original-lstm')).toEqual(presetConfig('lstm-192'));
    for (const name of Object.keys(MODEL_PRESETS)) {
      const config = presetConfig(name);
      expect(validateModelConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
    }
    expect(presetConfig('gru-512')).toMatchObject({
      rnn: 'gru',
      units: 512,
      denseUnits: 256,
      blocks: 3,
      dropout: 0.01,
    });
  });

  test('unknown architectures and types are clear errors', () => {
    expect(() => presetConfig('lstm-7')).toThrow(/unknown architecture 'lstm-7'; known: lstm-192, lstm-416/);
    expect(() => validateModelConfig({ type: 'mamba' })).toThrow(
      /unknown model type "mamba"; known: original-lstm, ordered-rnn, transformer/,
    );
    expect(() => validateModelConfig({ type: 'transformer' })).toThrow(/modelUnits undefined/);
    expect(() => validateModelConfig([])).toThrow(/not a JSON object/);
  });

  test('bad fields are named', () => {
    const good = presetConfig('lstm-192');
    expect(() => validateModelConfig({ ...good, units: 0 })).toThrow(/units 0/);
    expect(() => validateModelConfig({ ...good, rnn: 'rnn' })).toThrow(/rnn "rnn"/);
    expect(() => validateModelConfig({ ...good, dropout: 1 })).toThrow(/dropout 1/);
    expect(validateModelConfig({ ...good, extra: 1 })).toEqual(good);
    const ordered = presetConfig('ordered-lstm-octave') as OrderedRnnConfig;
    expect(() => validateModelConfig({ ...ordered, headUnits: 1.5 })).toThrow(/headUnits 1.5/);
    expect(() => validateModelConfig({ ...ordered, pitchEncoding: 'midi' })).toThrow(/pitchEncoding "midi"/);
    // A config written before note-octave encoding existed reads as one-hot.
    const { pitchEncoding, ...older } = ordered;
    expect(pitchEncoding).toBe('octave-class');
    expect(validateModelConfig(older)).toEqual({ ...ordered, pitchEncoding: 'one-hot' });
  });

  test('infill: true marks a gap-filling ordered network; false or absent is an ordinary one', () => {
    const ordered = presetConfig('ordered-lstm') as OrderedRnnConfig;
    expect(validateModelConfig({ ...ordered, infill: true })).toEqual({ ...ordered, infill: true });
    expect(validateModelConfig({ ...ordered, infill: false })).toEqual(ordered);
    expect(() => validateModelConfig({ ...ordered, infill: 'yes' })).toThrow(/infill "yes"/);
    expect(architectureName({ ...ordered, infill: true })).toBe('ordered LSTM-192 infill');
    expect(describeArchitecture({ ...ordered, infill: true })).toMatch(/fills gaps/);
    // Only the ordered recurrent network reads it; other types drop the field.
    expect(validateModelConfig({ ...presetConfig('ordered-transformer'), infill: true })).not.toHaveProperty(
      'infill',
    );
  });

  test('every model type has a spec that names and describes it', () => {
    expect(MODEL_TYPES).toEqual(['original-lstm', 'ordered-rnn', 'transformer']);
    expect(Object.keys(ARCHITECTURES)).toEqual(MODEL_TYPES);
    expect(architectureName(presetConfig('lstm-192'))).toBe('LSTM-192');
    expect(architectureName(presetConfig('ordered-gru'))).toBe('ordered GRU-256');
    expect(architectureName(presetConfig('ordered-transformer'))).toBe('transformer 2 × 128');
    expect(describeArchitecture(presetConfig('gru-512'))).toBe('original-lstm: GRU 512, dense 256 × 3');
    for (const name of Object.keys(MODEL_PRESETS)) {
      const config = presetConfig(name);
      expect(describeArchitecture(config).startsWith(`${config.type}: `)).toBe(true);
    }
  });
});
