import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHIPPED_MODELS } from './model-catalogue.js';
import {
  decodeModelRepetition,
  decodeModelSampling,
  MODEL_REPETITION_FILE,
  parseModelRepetition,
  parseModelSampling,
  samplingFor,
  settingsOnLoad,
  tunedSliders,
} from './model-sampling.js';

const page = { temperature: 1, timingTemperature: 1, topP: 0.95, topK: null, minPitch: 21, maxPitch: 108 };
const models = join(import.meta.dirname, '../../models');

describe('a model sampling.json on the page', () => {
  it("reads the default model's file as howl generate does", () => {
    const bytes = readFileSync(join(models, SHIPPED_MODELS[0]!.folder, 'sampling.json'));
    expect(decodeModelSampling(bytes, 'sampling.json')).toEqual({
      topP: 1,
      repetition: 2,
      release: 1,
      neighbours: 0,
      minPitch: 21,
      maxPitch: 108,
    });
  });

  it('the catalogue says which shipped models have one (the page fetches only those)', () => {
    for (const m of SHIPPED_MODELS) {
      expect(existsSync(join(models, m.folder, 'sampling.json')), m.folder).toBe(m.sampling);
    }
  });

  it('refuses what is not sampling options, naming the file', () => {
    const bytes = (text: string) => new TextEncoder().encode(text);
    expect(() => decodeModelSampling(bytes('{'), 'm/sampling.json')).toThrow(/^m\/sampling\.json: not JSON/);
    expect(() => parseModelSampling([], 'f')).toThrow('f: not a JSON object of sampling options');
    expect(() => parseModelSampling({ speed: 2 }, 'f')).toThrow('f: "speed" is not a sampling option');
    expect(() => parseModelSampling({ topP: '1' }, 'f')).toThrow('f: "topP" is not a number');
    expect(() => parseModelSampling({ topP: 1.5 }, 'f')).toThrow(/^f: top-p 1\.5 is not in/);
    expect(() => parseModelSampling({ delayTemperature: 0 }, 'f')).toThrow(/delay temperature 0/);
    expect(parseModelSampling({ note: 'why', chords: 'together' }, 'f')).toEqual({ chords: 'together' });
  });
});

describe('a model repetition.json on the page', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const config = {
    orders: [4, 2],
    lambda: { delay: [0.5, 0.2], pitch: [0.6, 0.3], duration: [0.4, 0.1], velocity: [0.3, 0.1] },
    width: { delay: 0.05, duration: 0.02, velocity: 0.1 },
  };

  it("reads the default model's file as loadModel does (its note dropped)", () => {
    expect(MODEL_REPETITION_FILE).toBe('repetition.json');
    const file = readFileSync(join(models, SHIPPED_MODELS[0]!.folder, MODEL_REPETITION_FILE));
    const read = decodeModelRepetition(file, 'repetition.json');
    expect(read.orders[0]).toBe(32);
    expect(read.lambda.pitch).toHaveLength(read.orders.length);
    expect(read).not.toHaveProperty('note');
    // As model/about.json carries it (parsed, with or without its note): the same.
    const parsed = JSON.parse(file.toString('utf8')) as Record<string, unknown>;
    expect(parseModelRepetition(parsed, 'about.json')).toEqual(read);
    delete parsed['note'];
    expect(parseModelRepetition(parsed, 'about.json')).toEqual(read);
  });

  it('the catalogue says which shipped models have one (the page fetches only those)', () => {
    for (const m of SHIPPED_MODELS) {
      expect(existsSync(join(models, m.folder, MODEL_REPETITION_FILE)), m.folder).toBe(m.repetition);
    }
  });

  it('reads a valid one from bytes or text', () => {
    expect(decodeModelRepetition(bytes(JSON.stringify({ note: 'n', ...config })), 'f')).toEqual(config);
    expect(decodeModelRepetition(JSON.stringify(config), 'f')).toEqual(config);
  });

  it('refuses a broken one, naming the file', () => {
    expect(() => decodeModelRepetition(bytes('{'), 'm/repetition.json')).toThrow(
      /^m\/repetition\.json: not JSON/,
    );
    expect(() => decodeModelRepetition(bytes('[]'), 'f')).toThrow('f: orders is not a non-empty list');
    expect(() => decodeModelRepetition(bytes(JSON.stringify({ ...config, orders: [2, 4] })), 'f')).toThrow(
      'f: orders are not longest first',
    );
    expect(() =>
      parseModelRepetition({ ...config, lambda: { ...config.lambda, pitch: [1, 0] } }, 'f'),
    ).toThrow('f: lambda.pitch[0] is not in [0, 1)');
    expect(() => parseModelRepetition(null, 'f')).toThrow('f: not an object');
  });
});

describe('samplingFor: the sliders over the tuned sampling', () => {
  it('without tuned sampling is the sliders as they are', () => {
    expect(samplingFor({ ...page, timingTemperature: 0.8, topK: 8 }, {})).toEqual({
      temperature: 1,
      timingTemperature: 0.8,
      topP: 0.95,
      topK: 8,
      minPitch: 21,
      maxPitch: 108,
    });
    expect(tunedSliders({ topP: 1 })).toEqual({ timing: false, temperature: false });
  });

  it('multiplies the tuned heads by the timing slider (1: as tuned)', () => {
    const tuned = { topP: 1, delayTemperature: 0.96, durationTemperature: 0.94 };
    expect(tunedSliders(tuned)).toEqual({ timing: true, temperature: false });
    const asTuned = samplingFor({ ...page, topP: 1 }, tuned);
    expect(asTuned).toMatchObject({
      temperature: 1,
      delayTemperature: 0.96,
      durationTemperature: 0.94,
      velocityTemperature: 1,
      topP: 1,
    });
    const hotter = samplingFor({ ...page, timingTemperature: 1.5 }, tuned);
    expect(hotter.delayTemperature).toBeCloseTo(1.44, 12);
    expect(hotter.durationTemperature).toBeCloseTo(1.41, 12);
    expect(hotter.velocityTemperature).toBe(1.5);
    expect(hotter.topP).toBe(0.95); // the slider's, as the person set it
  });

  it('multiplies a tuned timing temperature, per-head ones over it, and the pitch temperature', () => {
    const tuned = {
      temperature: 0.9,
      timingTemperature: 0.8,
      velocityTemperature: 1.2,
      chords: 'together',
    } as const;
    const s = samplingFor({ ...page, temperature: 2, timingTemperature: 0.5 }, tuned);
    expect(s.temperature).toBeCloseTo(1.8, 12);
    expect(s.timingTemperature).toBeCloseTo(0.4, 12);
    expect(s.delayTemperature).toBeCloseTo(0.4, 12);
    expect(s.durationTemperature).toBeCloseTo(0.4, 12);
    expect(s.velocityTemperature).toBeCloseTo(0.6, 12);
    expect(s.chords).toBe('together');
  });

  it("passes the model's repetition strength through, and none without one", () => {
    expect(samplingFor(page, { topP: 1, delayTemperature: 0.96, repetition: 1.25 }).repetition).toBe(1.25);
    expect(samplingFor(page, { repetition: 0 }).repetition).toBe(0);
    expect(samplingFor(page, { topP: 1 })).not.toHaveProperty('repetition');
    expect(samplingFor(page, {})).not.toHaveProperty('repetition');
  });

  it("sets top-p and top-k to the model's on load, and nothing else", () => {
    expect(settingsOnLoad(page, { topP: 1, delayTemperature: 0.96 })).toEqual({ ...page, topP: 1 });
    expect(settingsOnLoad(page, { topK: 500 })).toEqual({ ...page, topK: 120 });
    expect(settingsOnLoad(page, {})).toEqual(page);
  });
});
