import { describe, expect, test } from 'vitest';
import { PITCH_COUNT } from '../score/clamp-pitch.js';
import { TIME_BINS, VELOCITY_BINS } from '../encoding/grid.js';
import { ChordCache } from './chord-cache.js';
import { chordWeights, validateRepetitionConfig, type ChordCacheConfig } from './repetition-config.js';

const weights = {
  delay: [0.9, 0.5],
  pitch: [0.9, 0.5],
  duration: [0.9, 0.5],
  velocity: [0.9, 0.5],
};
const config: ChordCacheConfig = {
  chordBins: 3,
  orders: [4, 2],
  longContext: 12,
  lambda: { afterNone: weights, afterShort: weights, afterLong: { ...weights, pitch: [0.1, 0.05] } },
  width: { delay: 0.05, duration: 0.05, velocity: 0.05 },
};

/** One note: pitch, delay bin (0-3 inside a chord), duration and velocity bins. */
type Note = [pitch: number, delay: number, duration?: number, velocity?: number];

/** Chords as pitch lists, played in the order given: first note 50 bins after the chord before, the rest 1 bin apart. */
function played(chords: readonly (readonly number[])[]): Note[] {
  return chords.flatMap((chord) =>
    chord.map((pitch, i): Note => [pitch, i === 0 ? 50 : 1, 40 + pitch - 60, 20]),
  );
}

function fed(notes: readonly Note[], c: ChordCacheConfig = config): ChordCache {
  const cache = new ChordCache(c);
  for (const [pitch, delay, duration = 30, velocity = 16] of notes)
    cache.pushBins(pitch, delay, duration, velocity);
  return cache;
}

const progression = [
  [48, 52, 55],
  [50, 53, 57],
  [52, 55, 59],
  [53, 57, 60],
  [55, 59, 62],
];
/** The same chords with their notes in another order, as a pianist might play them again. */
const reordered = [
  [55, 48, 52],
  [53, 57, 50],
  [59, 52, 55],
  [60, 53, 57],
  [62, 59, 55],
];

function pitchDistribution(cache: ChordCache, delay: number): Float64Array {
  const into = new Float64Array(PITCH_COUNT);
  cache.pitchProbabilities(cache.match()!, delay, into);
  return into;
}

describe('ChordCache', () => {
  test('matches a passage played again with its chords in another order', () => {
    // The progression, then its first three chords reordered, and one note of the fourth (60).
    const cache = fed([...played(progression), ...played(reordered.slice(0, 3)), [60, 50]]);
    const match = cache.match();
    expect(match?.order).toBe(0); // the 4 intervals of chords 2-3 (sorted) were heard before
    expect(match?.votes).toHaveLength(1);
    // Inside the chord: the notes of [53 57 60] not played yet, equally.
    const inside = pitchDistribution(cache, 1);
    expect(inside[53]).toBeCloseTo(0.5);
    expect(inside[57]).toBeCloseTo(0.5);
    expect(inside[60]).toBe(0);
    // A longer delay: the next chord's notes.
    const after = pitchDistribution(cache, 50);
    for (const pitch of [55, 59, 62]) expect(after[pitch]).toBeCloseTo(1 / 3);
  });

  test('the interval run as played would not have matched', () => {
    // The reordered chords' intervals as played differ from the first playing's.
    const asPlayed = (chords: readonly (readonly number[])[]) =>
      chords
        .flat()
        .slice(1)
        .map((p, i) => p - chords.flat()[i]!);
    expect(asPlayed(reordered.slice(0, 3))).not.toEqual(asPlayed(progression.slice(0, 3)));
  });

  test('a transposed repeat votes transposed notes', () => {
    const up = progression.map((chord) => chord.map((p) => p + 7));
    const cache = fed([...played(progression), ...played(up.slice(0, 3))]);
    // Nothing of the fourth chord played yet: the follower is its first note, by a chord's delay.
    const after = pitchDistribution(cache, 50);
    for (const pitch of [53 + 7, 57 + 7, 60 + 7]) expect(after[pitch]).toBeCloseTo(1 / 3);
  });

  test('an occurrence whose chord lacks a note played here does not vote', () => {
    const cache = fed([...played(progression), ...played(progression.slice(0, 3)), [61, 50]]);
    expect(cache.match()).toBeNull(); // 61 is not in [53 57 60]
  });

  test('votes the delay, duration and velocity of the notes there', () => {
    const notes = played(progression);
    notes[10]![1] = 2; // the fourth chord's second note came 2 bins after its first
    const cache = fed([...notes, ...played(progression.slice(0, 3)), [53, 50]]);
    const match = cache.match()!;
    const delay = new Float64Array(TIME_BINS);
    expect(cache.delayProbabilities(match, delay)).toBe(1);
    expect(delay.indexOf(Math.max(...delay))).toBe(2);
    const duration = new Float64Array(TIME_BINS);
    expect(cache.binProbabilities('duration', match, 2, 57, duration)).toBe(1);
    expect(duration.indexOf(Math.max(...duration))).toBe(40 + 57 - 60);
    const velocity = new Float64Array(VELOCITY_BINS);
    expect(cache.binProbabilities('velocity', match, 2, 61, velocity)).toBe(0); // no such note there
    // The one-value form gives the same numbers.
    const next = { delay: 2, pitch: 57, duration: 37, velocity: 20 };
    expect(cache.probability('delay', match, next).probability).toBeCloseTo(delay[2]!, 12);
    expect(cache.probability('duration', match, next).probability).toBeCloseTo(duration[37]!, 12);
    expect(cache.probability('pitch', match, next).probability).toBeCloseTo(
      pitchDistribution(cache, 2)[57]!,
      12,
    );
  });

  test('separate: no context spans the break; clear forgets the piece', () => {
    const cache = fed(played(progression));
    cache.separate();
    for (const [pitch, delay] of played(progression.slice(0, 3))) cache.pushBins(pitch, delay, 30, 16);
    expect(cache.match()).not.toBeNull(); // the three chords after the break match the first three
    const split = fed(played(progression.slice(0, 2)));
    split.separate();
    for (const [pitch, delay] of played(progression.slice(2, 3))) split.pushBins(pitch, delay, 30, 16);
    // The 2 intervals across the break (50 53 57 | 52 55 59) would match nothing anyway; with the
    // break, chords before it and after it never form one context.
    expect(split.match()).toBeNull();
    cache.clear();
    expect(cache.match()).toBeNull();
  });
});

describe('repetition config with a chord cache', () => {
  const base = {
    orders: [4, 2],
    lambda: weights,
    width: config.width,
  };
  test('accepts chords, and names what is wrong in them', () => {
    expect(validateRepetitionConfig({ ...base, chords: config }).chords).toEqual(config);
    expect(() => validateRepetitionConfig({ ...base, chords: { ...config, chordBins: -1 } })).toThrow(
      /chords.chordBins/,
    );
    expect(() => validateRepetitionConfig({ ...base, chords: { ...config, longContext: 0 } })).toThrow(
      /chords.longContext/,
    );
    const short = { ...config.lambda, afterShort: { ...weights, pitch: [0.5] } };
    expect(() => validateRepetitionConfig({ ...base, chords: { ...config, lambda: short } })).toThrow(
      /chords \(afterShort\): lambda.pitch/,
    );
  });

  test('the weights follow what the interval cache matched', () => {
    expect(chordWeights(config, null)).toBe(config.lambda.afterNone);
    expect(chordWeights(config, 8)).toBe(config.lambda.afterShort);
    expect(chordWeights(config, 12)).toBe(config.lambda.afterLong);
    expect(chordWeights(config, 32)).toBe(config.lambda.afterLong);
  });
});
