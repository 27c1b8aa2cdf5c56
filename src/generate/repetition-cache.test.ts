import { describe, expect, test } from 'vitest';
import { TIME_BINS, VELOCITY_BINS } from '../encoding/grid.js';
import { InvalidArgumentError } from '../errors.js';
import {
  decodeRepetitionConfig,
  mixLogits,
  mixLogProb,
  RepetitionCache,
  validateRepetitionConfig,
  type RepetitionConfig,
} from './repetition-cache.js';

const config: RepetitionConfig = {
  orders: [6, 4, 2],
  lambda: {
    delay: [0.9, 0.5, 0.1],
    pitch: [0.9, 0.5, 0.1],
    duration: [0.9, 0.5, 0.1],
    velocity: [0.9, 0.5, 0.1],
  },
  width: { delay: 0.05, duration: 0.05, velocity: 0.05 },
};

/** A cache fed pitches, each note with delay bin = its index % 7 + 10, duration 30, velocity 16. */
function fed(pitches: readonly number[], c: RepetitionConfig = config): RepetitionCache {
  const cache = new RepetitionCache(c);
  pitches.forEach((p, i) => cache.pushBins(p, (i % 7) + 10, 30, 16));
  return cache;
}

const phrase = [60, 62, 64, 65, 67, 69, 71, 72, 74, 76];

describe('RepetitionCache', () => {
  test('finds the longest context heard before, and the note that followed it', () => {
    // The phrase, then its first 7 notes again: the last 6 intervals occurred at notes 1..6.
    const cache = fed([...phrase, ...phrase.slice(0, 7)]);
    const match = cache.match();
    expect(match).toEqual({ order: 0, followers: [7] });
    const q = cache.pitchProbabilities(match!);
    expect(q[72]).toBe(1); // phrase[7]
    expect(q.reduce((a, b) => a + b, 0)).toBe(1);
    expect(cache.pitchProbability(match!, 72)).toBe(1);
    expect(cache.pitchProbability(match!, 71)).toBe(0);
  });

  test('a transposed repeat votes for the transposed note; a shorter context when only it matches', () => {
    const up = phrase.slice(0, 5).map((p) => p + 5); // 65 67 69 70 72: intervals 2 2 1 2 as at 0..4
    const cache = fed([...phrase, 50, ...up]);
    const match = cache.match();
    expect(match?.order).toBe(1); // 4 intervals, not 6
    expect(cache.pitchProbabilities(match!)[72 + 2]).toBe(1); // the phrase went on a tone up (67 → 69)
  });

  test('no match in a piece that never repeats a run of intervals', () => {
    const cache = fed([60, 61, 63, 66, 70, 75, 81, 88]);
    expect(cache.match()).toBeNull();
    expect(new RepetitionCache(config).match()).toBeNull();
  });

  test('every earlier occurrence votes, the most recent first, up to maxMatches', () => {
    const loop = [60, 64, 67];
    const pitches = Array.from({ length: 3 * 200 }, (_, i) => loop[i % 3]!);
    const cache = fed(pitches, { ...config, maxMatches: 5 });
    expect(cache.size).toBe(600); // grown past the first 256 rows
    const match = cache.match()!;
    expect(match.order).toBe(0);
    expect(match.followers).toEqual([597, 594, 591, 588, 585]);
    expect(cache.pitchProbabilities(match)[60]).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.match()).toBeNull();
  });

  test('bins: a normalised kernel around the follower bin; duration and velocity only from the same interval', () => {
    const cache = fed([...phrase, ...phrase.slice(0, 7)]);
    const match = cache.match()!;
    const delay = cache.binProbabilities('delay', match);
    expect(delay.votes).toBe(1);
    expect(delay.probabilities).toHaveLength(TIME_BINS);
    expect(delay.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const peak = delay.probabilities.indexOf(Math.max(...delay.probabilities));
    expect(peak).toBe((7 % 7) + 10); // the follower's delay bin
    expect(cache.binProbability('delay', match, peak).probability).toBeCloseTo(
      delay.probabilities[peak]!,
      12,
    );
    const velocity = cache.binProbabilities('velocity', match, 72);
    expect(velocity.votes).toBe(1);
    expect(velocity.probabilities).toHaveLength(VELOCITY_BINS);
    expect(velocity.probabilities.indexOf(Math.max(...velocity.probabilities))).toBe(16);
    // Another pitch did not follow this context: no follower speaks for its duration.
    expect(cache.binProbabilities('duration', match, 73).votes).toBe(0);
    expect(cache.binProbability('duration', match, 30, 73)).toEqual({ probability: 0, votes: 0 });
  });

  test('consecutivePlays counts how many times in a row the matched passage has just been played', () => {
    const figure = [70, 91, 79, 87];
    const once = fed([50, 55, 53, ...figure, 52, 57, ...figure.slice(0, 3)]);
    expect(once.consecutivePlays(once.match()!)).toBe(1); // heard before, not just before
    const thrice = fed([50, ...figure, ...figure, ...figure]);
    const match = thrice.match()!;
    expect(thrice.consecutivePlays(match)).toBe(3);
    const four = fed([50, ...figure, ...figure, ...figure, ...figure]);
    expect(four.consecutivePlays(four.match()!)).toBe(4);
  });

  test('push reads a V1 row as the grid bins', () => {
    const a = new RepetitionCache(config);
    const b = new RepetitionCache(config);
    for (const p of [...phrase, ...phrase.slice(0, 7)]) {
      a.push([0.105, 0.305, 64 / 127, p - 60]);
      b.pushBins(p, 10, 30, 16);
    }
    const match = a.match()!;
    expect(match).toEqual(b.match());
    expect(a.binProbabilities('delay', match).probabilities).toEqual(
      b.binProbabilities('delay', match).probabilities,
    );
  });
});

describe('mixing', () => {
  test('mixLogProb is ln((1 − λ) p + λ q)', () => {
    expect(mixLogProb(Math.log(0.2), 0.25, 0.6)).toBeCloseTo(Math.log(0.75 * 0.2 + 0.25 * 0.6), 12);
    expect(mixLogProb(Math.log(0.2), 0, 0.6)).toBeCloseTo(Math.log(0.2), 12);
  });

  test('mixLogits gives normalised log-probabilities, keeps ruled-out bins out and renormalises the votes left', () => {
    const logits = Float32Array.of(9, 1, 2, -Infinity, 0);
    const q = Float64Array.of(0, 0.5, 0.5, 0);
    const out = mixLogits(logits, 1, 4, 0.4, q, new Float32Array(4)); // reads 1, 2, −∞, 0
    const p = Array.from(out, Math.exp);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(out[2]).toBe(-Infinity);
    // q's vote on the ruled-out bin is dropped: bin 1 gets all of λ.
    const z = Math.exp(1) + Math.exp(2) + Math.exp(0);
    expect(p[0]).toBeCloseTo((0.6 * Math.exp(1)) / z + 0.4 * 0, 6);
    expect(p[1]).toBeCloseTo((0.6 * Math.exp(2)) / z + 0.4 * 1, 6);
    // No vote left: the model alone.
    const alone = mixLogits(logits, 1, 4, 0.4, Float64Array.of(0, 0, 1, 0), new Float32Array(4));
    expect(Math.exp(alone[0]!)).toBeCloseTo(Math.exp(1) / z, 6);
  });
});

describe('config files', () => {
  test('a valid config passes, with a note dropped', () => {
    expect(validateRepetitionConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
    expect(decodeRepetitionConfig(JSON.stringify({ note: 'fitted', ...config }), 'r.json')).toEqual(config);
  });

  test.each([
    [{ ...config, orders: [] }, /orders is not a non-empty list/],
    [{ ...config, orders: [2, 4, 6] }, /longest first/],
    [{ ...config, lambda: { ...config.lambda, pitch: [0.5, 0.5] } }, /lambda.pitch is not a list of 3/],
    [{ ...config, lambda: { ...config.lambda, delay: [0.5, 1, 0] } }, /lambda.delay\[1\] is not in \[0, 1\)/],
    [{ ...config, width: { ...config.width, velocity: 0 } }, /width.velocity is not a positive number/],
    [{ ...config, maxMatches: 0 }, /maxMatches/],
  ])('refuses %#, naming what is wrong', (bad, message) => {
    expect(() => validateRepetitionConfig(bad, 'm/repetition.json')).toThrow(InvalidArgumentError);
    expect(() => validateRepetitionConfig(bad, 'm/repetition.json')).toThrow(message);
  });

  test('text that is not JSON names the file', () => {
    expect(() => decodeRepetitionConfig('{', 'm/repetition.json')).toThrow(/m\/repetition.json: not JSON/);
  });
});
