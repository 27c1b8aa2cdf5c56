import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createRng } from '../random/rng.js';
import { choosePitch, pitchLogProb, resolveSampling } from './sampling.js';

const logitsOf = (values: Record<number, number>, rest = -20): Float32Array => {
  const logits = new Float32Array(120).fill(rest);
  for (const [pitch, value] of Object.entries(values)) logits[Number(pitch)] = value;
  return logits;
};

function histogram(logits: Float32Array, options: Parameters<typeof resolveSampling>[0], draws = 4000) {
  const sampling = resolveSampling(options);
  const rng = createRng(5);
  const counts = new Map<number, number>();
  for (let i = 0; i < draws; i++) {
    const { pitch } = choosePitch(logits, 0, sampling, rng);
    counts.set(pitch, (counts.get(pitch) ?? 0) + 1);
  }
  return counts;
}

describe('choosePitch', () => {
  test('draws pitches with the softmax probabilities (temperature 1)', () => {
    // p(60) = e^1 / (e^1 + e^0) = 0.731
    const counts = histogram(logitsOf({ 60: 1, 64: 0 }, -50), {});
    expect((counts.get(60) ?? 0) / 4000).toBeCloseTo(0.731, 1);
    expect([...counts.keys()].sort()).toEqual([60, 64]);
  });

  test('temperature sharpens and flattens', () => {
    const logits = logitsOf({ 60: 1, 64: 0 }, -50);
    const cold = histogram(logits, { temperature: 0.25 }).get(60) ?? 0; // e^4/(e^4+1) = 0.982
    const hot = histogram(logits, { temperature: 4 }).get(60) ?? 0; // e^0.25/(e^0.25+1) = 0.562
    expect(cold / 4000).toBeGreaterThan(0.96);
    expect(hot / 4000).toBeLessThan(0.62);
  });

  test('greedy takes the most likely pitch in range; the range masks pitches out', () => {
    const logits = logitsOf({ 30: 5, 60: 3, 72: 2 });
    const rng = createRng(1);
    expect(choosePitch(logits, 0, resolveSampling({ greedy: true }), rng).pitch).toBe(30);
    expect(choosePitch(logits, 0, resolveSampling({ greedy: true, minPitch: 40 }), rng).pitch).toBe(60);
    const counts = histogram(logits, { minPitch: 61, maxPitch: 80 });
    expect([...counts.keys()].every((p) => p >= 61 && p <= 80)).toBe(true);
  });

  test('top-k and top-p keep only the most likely pitches', () => {
    const logits = logitsOf({ 50: 3, 51: 2.9, 52: 2.8, 53: 0 }, -3);
    expect([...histogram(logits, { topK: 2 }).keys()].sort()).toEqual([50, 51]);
    // p ≈ 0.33, 0.30, 0.27 for the top three: top-p 0.5 keeps two of them.
    expect([...histogram(logits, { topP: 0.5 }).keys()].sort()).toEqual([50, 51]);
    expect(histogram(logits, { topP: 1 }).size).toBeGreaterThan(3);
  });

  test('logProb is the model log-probability, whatever the controls', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        (seed, temperature) => {
          const rng = createRng(seed);
          const logits = Float32Array.from({ length: 120 }, () => rng.uniform(-4, 4));
          const choice = choosePitch(logits, 0, resolveSampling({ temperature, topK: 10 }), rng);
          const z = logits.reduce((s, x) => s + Math.exp(x), 0);
          expect(choice.logProb).toBeCloseTo(logits[choice.pitch]! - Math.log(z), 5);
          expect(pitchLogProb(logits, 0, choice.pitch)).toBeCloseTo(choice.logProb, 10);
        },
      ),
      { numRuns: 100 },
    );
  });

  test('timing temperatures: one for all three heads, each head overriding it', () => {
    const heads = (options: Parameters<typeof resolveSampling>[0]) => {
      const s = resolveSampling(options);
      return [s.delayTemperature, s.durationTemperature, s.velocityTemperature];
    };
    expect(heads({})).toEqual([1, 1, 1]);
    expect(heads({ timingTemperature: 0.8 })).toEqual([0.8, 0.8, 0.8]);
    expect(heads({ timingTemperature: 0.8, durationTemperature: 0.5 })).toEqual([0.8, 0.5, 0.8]);
    expect(heads({ delayTemperature: 0.96, durationTemperature: 0.94 })).toEqual([0.96, 0.94, 1]);
    expect(() => resolveSampling({ delayTemperature: 0 })).toThrow('delay temperature 0 is not a number > 0');
    expect(() => resolveSampling({ velocityTemperature: NaN })).toThrow('velocity temperature NaN');
  });

  test('bad options are named', () => {
    expect(() => resolveSampling({ temperature: 0 })).toThrow('temperature 0 is not a number > 0');
    expect(() => resolveSampling({ temperature: -1 })).toThrow('temperature -1');
    expect(() => resolveSampling({ topK: 0 })).toThrow('top-k 0');
    expect(() => resolveSampling({ topP: 1.5 })).toThrow('top-p 1.5 is not in (0, 1]');
    expect(() => resolveSampling({ repetition: -0.5 })).toThrow('repetition -0.5 is not a number in [0, 4]');
    expect(resolveSampling({}).repetition).toBe(1);
    expect(resolveSampling({ repetition: 1.25 }).repetition).toBe(1.25);
    expect(() => resolveSampling({ release: 5 })).toThrow('release 5 is not a number in [0, 4]');
    expect(() => resolveSampling({ neighbours: -1 })).toThrow('neighbours -1 is not a number in [0, 4]');
    expect(resolveSampling({}).neighbours).toBe(1);
    expect(() => resolveSampling({ minPitch: 130 })).toThrow('lowest pitch 130');
    expect(() => resolveSampling({ minPitch: 70, maxPitch: 60 })).toThrow('the pitch range is empty');
  });
});
