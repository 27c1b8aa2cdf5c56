import { describe, expect, test } from 'vitest';
import { TIME_BINS, VELOCITY_BINS } from '../encoding/grid.js';
import type { V1Row } from '../encoding/v1.js';
import { createRng } from '../random/rng.js';
import type { Predictions } from './predict.js';
import { fitRepetition, withRepetition } from './repetition-fit.js';

/** A piece as V1 rows: the pitches, each 0.2 s after the last, 0.3 s long, velocity 64. */
const piece = (pitches: readonly number[]): V1Row[] => pitches.map((p) => [0.2, 0.3, 64 / 127, p - 60]);

/** Predictions of a model that knows nothing: uniform over every grid. */
function uniform(pieces: readonly V1Row[][]): Predictions {
  const offsets = new Int32Array(pieces.length + 1);
  pieces.forEach((rows, i) => (offsets[i + 1] = offsets[i]! + rows.length - 1));
  const count = offsets[pieces.length]!;
  return {
    count,
    pitchLogProb: new Float64Array(count).fill(-Math.log(120)),
    regression: new Float32Array(count * 3),
    binned: {
      delay: new Float64Array(count).fill(-Math.log(TIME_BINS)),
      duration: new Float64Array(count).fill(-Math.log(TIME_BINS)),
      velocity: new Float64Array(count).fill(-Math.log(VELOCITY_BINS)),
    },
    offsets,
  };
}

const phrase = [60, 64, 67, 72, 71, 67, 62, 65, 69, 74, 72, 67];
const repeated = [0, 3, 7].map((shift) =>
  piece(Array.from({ length: 48 }, (_, i) => phrase[i % 12]! + shift)),
);
const rng = createRng(5);
const random = Array.from({ length: 3 }, () => piece(Array.from({ length: 48 }, () => rng.int(30, 90))));
const orders = [8, 4, 2];

describe('fitRepetition', () => {
  test('music that repeats: large weights on long contexts, and a large gain', () => {
    const fit = fitRepetition(uniform(repeated), repeated, { orders, chordOrders: false });
    expect(fit.notes).toBe(3 * 47);
    expect(fit.config.orders).toEqual(orders);
    expect(fit.config.lambda.pitch[0]).toBeGreaterThan(0.9);
    // Every repeat is exact: the pitch of a note after a matched 8-interval context is certain.
    expect(fit.gain.pitch).toBeGreaterThan(2.5);
    expect(fit.gain.delay).toBeGreaterThan(1);
    expect(fit.matched[0]).toBe(3 * 27); // notes 21..47 of each piece follow a context heard 12 notes before
    for (const w of Object.values(fit.config.width)) expect(w).toBeGreaterThan(0);
  });

  test('music that does not repeat: small weights, and the fit never loses likelihood', () => {
    const fit = fitRepetition(uniform(random), random, { orders, chordOrders: false });
    for (const attribute of ['pitch', 'delay', 'duration', 'velocity'] as const) {
      expect(fit.gain[attribute]).toBeGreaterThanOrEqual(-1e-3);
    }
    expect(Math.max(...fit.config.lambda.pitch)).toBeLessThan(0.3);
  });
});

describe('withRepetition', () => {
  test('raises the log-probability of matched notes, leaves the others and its input alone', () => {
    const { config } = fitRepetition(uniform(repeated), repeated, { orders, chordOrders: false });
    const pieces = [repeated[0]!, random[0]!];
    const before = uniform(pieces);
    const copy = Float64Array.from(before.pitchLogProb);
    const after = withRepetition(before, pieces, config);
    expect(before.pitchLogProb).toEqual(copy);
    // The repeated piece's second half is predicted far better; its first notes are not.
    const second = after.pitchLogProb.slice(30, 47);
    for (const lp of second) expect(lp).toBeGreaterThan(-0.5);
    expect(after.pitchLogProb[0]).toBe(before.pitchLogProb[0]);
    const mean = (a: Float64Array): number => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(after.binned!.delay.slice(30, 47))).toBeGreaterThan(
      mean(before.binned!.delay.slice(30, 47)) + 1,
    );
  });
});

describe('fitRepetition with the chord cache', () => {
  /** Chords of 3 notes 10 ms apart (0.5 s between chords), each time in a random order. */
  const chords = [
    [48, 52, 55],
    [50, 53, 57],
    [52, 55, 59],
    [47, 53, 55],
    [48, 52, 60],
    [45, 52, 57],
  ];
  const shuffled = (r: ReturnType<typeof createRng>): V1Row[] =>
    Array.from({ length: 8 }, () => chords)
      .flat()
      .flatMap((chord) => {
        const order = [...chord];
        for (let i = order.length - 1; i > 0; i--) {
          const j = r.int(0, i);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        return order.map((p, i): V1Row => [i === 0 ? 0.5 : 0.01, 0.4, 80 / 127, p - 60]);
      });
  const chordRng = createRng(11);
  const performed = [shuffled(chordRng), shuffled(chordRng)];

  test('chords played in another order each time: the chord cache gains on the interval cache', () => {
    const fit = fitRepetition(uniform(performed), performed, { orders, chordOrders: [6, 3] });
    expect(fit.config.chords?.chordBins).toBe(3);
    expect(fit.config.chords?.orders).toEqual([6, 3]);
    expect(fit.chords!.matched[0]).toBeGreaterThan(200);
    expect(fit.chords!.gain.pitch).toBeGreaterThan(0.5);
    const { afterNone, afterShort } = fit.config.chords!.lambda;
    expect(Math.max(afterNone.pitch[0]!, afterShort.pitch[0]!)).toBeGreaterThan(0.5);
    // Scoring with it gives what the fit found, over both caches.
    const scored = withRepetition(uniform(performed), performed, fit.config);
    const gain = scored.pitchLogProb.reduce((a, b) => a + b, 0) / scored.count + Math.log(120);
    expect(gain).toBeCloseTo(fit.gain.pitch, 6);
  });
});

describe('fitRepetition with the release vote', () => {
  /** Notes 0.15 s apart in groups of 4 held by a pedal: each group's notes all end when it lifts. */
  const pedalled = (r: ReturnType<typeof createRng>): V1Row[] => {
    const rows: V1Row[] = [];
    let time = 0;
    for (let g = 0; g < 20; g++) {
      const lift = time + 4 * 0.15 + r.int(5, 40) / 100;
      for (let i = 0; i < 4; i++) {
        rows.push([rows.length === 0 ? 0 : 0.15, lift - time, 70 / 127, r.int(48, 72) - 60]);
        time += 0.15;
      }
    }
    return rows;
  };
  const pedalRng = createRng(3);
  const pieces = [pedalled(pedalRng), pedalled(pedalRng)];

  test('notes that end together: a large weight and a large gain on durations', () => {
    const fit = fitRepetition(uniform(pieces), pieces, { orders, chordOrders: [4, 2] });
    expect(fit.config.release?.recent).toBe(8);
    expect(Math.max(...fit.config.release!.lambda)).toBeGreaterThan(0.5);
    expect(fit.release!.gain).toBeGreaterThan(2);
    // Scoring with it gives the gain the fit found.
    const scored = withRepetition(uniform(pieces), pieces, fit.config);
    const mean = scored.binned!.duration.reduce((a, b) => a + b, 0) / scored.count;
    expect(mean + Math.log(TIME_BINS)).toBeCloseTo(fit.gain.duration, 6);
    // Without it, the durations gain far less.
    const without = fitRepetition(uniform(pieces), pieces, {
      orders,
      chordOrders: [4, 2],
      releaseRecent: false,
    });
    expect(without.config.release).toBeUndefined();
    expect(without.gain.duration).toBeLessThan(fit.gain.duration - 2);
  });
});

describe('fitRepetition with the neighbour vote', () => {
  /** Two hands that never repeat a pattern: the low one plays soft and long, the high one loud and short. */
  const hands = (r: ReturnType<typeof createRng>): V1Row[] =>
    Array.from({ length: 120 }, () => {
      const low = r.next() < 0.5;
      const pitch = low ? r.int(36, 48) : r.int(72, 84);
      return [0.12, low ? 0.8 : 0.1, (low ? 40 : 100) / 127, pitch - 60];
    });
  const handRng = createRng(11);
  const pieces = [hands(handRng), hands(handRng)];

  test('notes near in pitch share their touch: large weights, a pitch scale, and a gain', () => {
    const fit = fitRepetition(uniform(pieces), pieces, { orders, chordOrders: [4, 2] });
    const neighbours = fit.config.neighbours!;
    expect(neighbours.recent).toBe(64);
    expect(neighbours.velocity.lambda).toBeGreaterThan(0.5);
    // The hands are 24+ semitones apart: the vote must not let the other hand in.
    expect(neighbours.velocity.pitchScale).toBeLessThanOrEqual(4);
    expect(fit.neighbours!.gain.velocity).toBeGreaterThan(1);
    // Scoring with it gives what the fit found.
    const scored = withRepetition(uniform(pieces), pieces, fit.config);
    const mean = scored.binned!.velocity.reduce((a, b) => a + b, 0) / scored.count;
    expect(mean + Math.log(VELOCITY_BINS)).toBeCloseTo(fit.gain.velocity, 6);
    const without = fitRepetition(uniform(pieces), pieces, {
      orders,
      chordOrders: [4, 2],
      neighbourRecent: false,
    });
    expect(without.config.neighbours).toBeUndefined();
    expect(without.gain.velocity).toBeLessThan(fit.gain.velocity - 1);
  });
});
