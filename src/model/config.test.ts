import { describe, expect, test } from 'vitest';
import { MODEL_PRESETS, presetConfig, validateModelConfig } from './config.js';

describe('model config', () => {
  test('presets are the published variants and validate', () => {
    expect(Object.keys(MODEL_PRESETS)).toEqual(['lstm-192', 'lstm-416', 'lstm-1024', 'gru-512']);
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
    expect(() => validateModelConfig({ type: 'transformer' })).toThrow(
      /unknown model type "transformer"; known: original-lstm/,
    );
    expect(() => validateModelConfig([])).toThrow(/not a JSON object/);
  });

  test('bad fields are named', () => {
    const good = presetConfig('lstm-192');
    expect(() => validateModelConfig({ ...good, units: 0 })).toThrow(/units 0/);
    expect(() => validateModelConfig({ ...good, rnn: 'rnn' })).toThrow(/rnn "rnn"/);
    expect(() => validateModelConfig({ ...good, dropout: 1 })).toThrow(/dropout 1/);
    expect(validateModelConfig({ ...good, extra: 1 })).toEqual(good);
  });
});
