import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { randomStepWeights } from '../test-support/random-step-weights.js';
import { TINY_MODEL, makeTinyDataset } from '../test-support/fixtures.js';
import { fileIndicesOf, fileNotes } from '../data/dataset-format.js';
import { evaluateModel, pitchVerdict, type EvalProgress } from './evaluate.js';
import { FEATURES } from './features.js';

const weights = randomStepWeights(TINY_MODEL, 2);

describe('evaluateModel', () => {
  const dataset = makeTinyDataset({ trainNotes: [40, 40, 24], validationNotes: [30, 25] });

  test('scores every held-out note, fits on training notes, generates and compares', () => {
    const phases = new Set<EvalProgress['phase']>();
    const result = evaluateModel(TINY_MODEL, weights, dataset, {
      pieces: 3,
      notes: 40,
      seed: 5,
      onProgress: (p) => phases.add(p.phase),
    });
    const l = result.likelihood;
    expect(l.pieces).toBe(2);
    expect(l.notes).toBe(29 + 24);
    expect(l.fit).toEqual({ pieces: 3, notes: 39 + 39 + 23, baselineNotes: 39 + 39 + 23 });
    for (const v of Object.values(l.model)) expect(Number.isFinite(v)).toBe(true);
    expect(l.model.total).toBeCloseTo(l.model.pitch + l.model.delay + l.model.duration + l.model.velocity, 9);
    expect(l.baselines.total).toBeCloseTo(
      l.baselines.bigramPitch + l.baselines.delay + l.baselines.duration + l.baselines.velocity,
      9,
    );
    // A random network against a bigram of a phrase that always repeats: broken, and the report says so.
    expect(l.beatsBigram).toBe(false);
    expect(l.verdict).toMatch(/^BROKEN: the model does not beat the bigram pitch baseline/);
    expect(l.worseThanBaseline).toContain('pitch');

    const music = result.music!;
    expect(music.seeds).toEqual([5, 6, 7]);
    expect(music.generated.perPiece.map((p) => p.notes)).toEqual([40, 40, 40]);
    expect(music.sampling).toMatchObject({ temperature: 1, topP: 0.95 });
    expect(music.features.map((f) => f.feature)).toEqual([...FEATURES]);
    expect(music.meanOverlappedArea).toBeGreaterThanOrEqual(0);
    expect(music.meanOverlappedArea).toBeLessThanOrEqual(1);
    expect(music.real.pieces).toBe(2);
    expect([...phases].sort()).toEqual(['compare', 'fit', 'generate', 'score']);
  });

  test('bits per second: the same NLL over the seconds of music the scored notes span', () => {
    const l = evaluateModel(TINY_MODEL, weights, dataset, { pieces: 0 }).likelihood;
    const spans = fileIndicesOf(dataset, 'validation').map((i) => {
      const times = fileNotes(dataset, i).map((n) => n.time);
      return Math.max(...times) - Math.min(...times);
    });
    expect(l.seconds).toBeCloseTo(spans[0]! + spans[1]!, 9);
    expect(l.seconds).toBeGreaterThan(0);
    expect(l.bitsPerSecond.model).toBeCloseTo((l.model.total * l.notes) / l.seconds / Math.LN2, 9);
    expect(l.bitsPerSecond.baseline).toBeCloseTo((l.baselines.total * l.notes) / l.seconds / Math.LN2, 9);
  });

  test("baselines can be fitted on another dataset, the model's own training data", () => {
    const other = makeTinyDataset({ trainNotes: [60], validationNotes: [10] });
    const own = evaluateModel(TINY_MODEL, weights, dataset, { pieces: 0 }).likelihood;
    const fitted = evaluateModel(TINY_MODEL, weights, dataset, { pieces: 0, baselineData: other }).likelihood;
    expect(fitted.fit.baselineNotes).toBe(59);
    expect(own.fit.baselineNotes).toBe(39 + 39 + 23);
    expect(fitted.notes).toBe(own.notes); // the same held-out notes are scored
    expect(fitted.fit.pieces).toBe(1); // the timing widths too are fitted on the other data
    expect(fitted.baselines.bigramPitch).not.toBe(own.baselines.bigramPitch);
  });

  test('the same settings give the same numbers', () => {
    const options = { pieces: 2, notes: 20 };
    const a = evaluateModel(TINY_MODEL, weights, dataset, options);
    const b = evaluateModel(TINY_MODEL, weights, dataset, options);
    const timeless = (r: typeof a) => ({ ...r, seconds: null, music: { ...r.music!, notesPerSecond: null } });
    expect(timeless(a)).toEqual(timeless(b));
  });

  test('pieces 0 skips the music; fitNotes limits the fitting sample', () => {
    const result = evaluateModel(TINY_MODEL, weights, dataset, { pieces: 0, fitNotes: 10 });
    expect(result.music).toBeNull();
    expect(result.likelihood.fit.pieces).toBe(1);
  });

  test('an empty split or a bad option is a clear error', () => {
    const noValidation = makeTinyDataset({ trainNotes: [40], validationNotes: [] });
    expect(() => evaluateModel(TINY_MODEL, weights, noValidation)).toThrow(InvalidArgumentError);
    expect(() => evaluateModel(TINY_MODEL, weights, noValidation)).toThrow(/validation split has no piece/);
    const noTraining = makeTinyDataset({ trainNotes: [], validationNotes: [30] });
    expect(() => evaluateModel(TINY_MODEL, weights, noTraining)).toThrow(/train split has no piece/);
    expect(() => evaluateModel(TINY_MODEL, weights, dataset, { notes: 0 })).toThrow(/notes per piece 0/);
  });
});

describe('pitchVerdict', () => {
  test('beats, or is broken', () => {
    expect(pitchVerdict(3.2, 3.5)).toBe('The model beats the bigram pitch baseline by 0.300 nats/note.');
    expect(pitchVerdict(3.5, 3.5)).toMatch(/^BROKEN/);
  });
});
