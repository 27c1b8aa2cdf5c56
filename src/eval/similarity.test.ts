import { describe, expect, test } from 'vitest';
import type { Note } from '../score/note.js';
import { FEATURES } from './features.js';
import { compareMusic } from './similarity.js';

const piece = (offset: number, n = 200): Note[] =>
  Array.from({ length: n }, (_, i) => ({
    pitch: 48 + ((i * 7 + offset) % 30),
    velocity: 40 + ((i * 13) % 60),
    time: i * 0.2 + (i % 3) * 0.01,
    duration: 0.1 + (i % 5) * 0.2,
  }));

describe('compareMusic', () => {
  test('music compared with itself overlaps 1 on every feature', () => {
    const real = [piece(0), piece(3)];
    const result = compareMusic(real, real);
    expect(result.features.map((f) => f.feature)).toEqual([...FEATURES]);
    for (const f of result.features) expect(f.overlappedArea).toBeCloseTo(1, 12);
    expect(result.meanOverlappedArea).toBeCloseTo(1, 12);
    expect(result.generated).toEqual(result.real);
  });

  test('different music overlaps less; degeneration counts stalled pieces', () => {
    const stuck: Note[] = Array.from({ length: 50 }, (_, i) => ({
      pitch: 100,
      velocity: 120,
      time: i * 3,
      duration: 0.05,
    }));
    const result = compareMusic([piece(0)], [stuck, piece(5)]);
    expect(result.meanOverlappedArea!).toBeLessThan(0.8);
    // Neither piece has chords, so the two texture features (chord size, simultaneous onsets) agree
    // fully; every other feature keeps the stuck piece far from the real one.
    const alone = compareMusic([piece(0)], [stuck]);
    expect(alone.meanOverlappedArea!).toBeLessThan(0.25);
    const others = alone.features.filter((f) => f.feature !== 'chordSize' && f.feature !== 'simultaneous');
    expect(others.reduce((sum, f) => sum + f.overlappedArea!, 0) / others.length).toBeLessThan(0.2);
    expect(result.generated.pieces).toBe(2);
    expect(result.generated.stalled).toBe(1);
    expect(result.generated.repeatedPitchStalls).toBe(1);
    expect(result.generated.stalledShare).toBe(0.5);
    expect(result.generated.perPiece[0]!.repeatCoverage).toBe(1);
  });

  test('no generated pieces: overlaps are null', () => {
    const result = compareMusic([piece(0)], []);
    expect(result.meanOverlappedArea).toBeNull();
    expect(result.features[0]!.generatedMedian).toBeNull();
  });
});
