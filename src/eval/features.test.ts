import { describe, expect, test } from 'vitest';
import type { Note } from '../score/note.js';
import { FEATURES, FEATURE_SPECS, histogram, measureFeatures, median, recurrenceShares } from './features.js';

const note = (pitch: number, time: number, duration: number, velocity = 64): Note => ({
  pitch,
  velocity,
  time,
  duration,
});

describe('features of a hand-made piece', () => {
  // A C major chord at 0 s (1 s long, one note 5 ms late), E5 at 0.5 s, G3 alone at 2 s.
  const piece = [
    note(60, 0, 1),
    note(64, 0.005, 1),
    note(67, 0, 1, 100),
    note(76, 0.5, 0.2, 30),
    note(55, 2, 0.5),
  ];
  const values = measureFeatures(piece);

  test('pitch, pitch class, duration and velocity: one value per note', () => {
    expect(values.pitch.sort()).toEqual([55, 60, 64, 67, 76]);
    expect(values.pitchClass.sort()).toEqual([0, 4, 4, 7, 7]);
    expect(values.duration.sort()).toEqual([0.2, 0.5, 1, 1, 1]);
    expect(values.velocity.sort()).toEqual([100, 30, 64, 64, 64]);
  });

  test('onsets group a chord (within 10 ms); polyphony counts the notes still sounding', () => {
    expect(values.ioi).toEqual([0.5, 1.5]);
    expect(values.polyphony).toEqual([3, 4, 1]);
  });

  test('texture: chord sizes per onset, and which notes join the onset before them', () => {
    expect(values.chordSize).toEqual([3, 1, 1]);
    // After the first note: two join its chord, then two new onsets.
    expect(values.simultaneous.sort()).toEqual([0, 0, 1, 1]);
    expect(histogram(FEATURE_SPECS.simultaneous, values.simultaneous)).toEqual([2, 2]);
    expect(FEATURE_SPECS.chordSize.binOf(20)).toBe(11);
  });

  test('notes per second in complete 2 s windows', () => {
    expect(values.notesPerSecond).toEqual([2]); // 4 onsets in [0, 2); G3 starts the next, incomplete window
  });

  test('binning', () => {
    expect(histogram(FEATURE_SPECS.pitchClass, values.pitchClass)).toEqual([
      1, 0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0,
    ]);
    const ioi = FEATURE_SPECS.ioi;
    expect(ioi.labels[ioi.binOf(0.5)]).toMatch(/^403 ms–508 ms$/);
    expect(ioi.binOf(0.005)).toBe(0);
    expect(ioi.binOf(0.01)).toBe(1);
    expect(ioi.binOf(100)).toBe(ioi.labels.length - 1);
    expect(FEATURE_SPECS.polyphony.binOf(40)).toBe(31);
    expect(FEATURE_SPECS.notesPerSecond.binOf(2)).toBe(2);
    for (const f of FEATURES) expect(FEATURE_SPECS[f].ticks).toHaveLength(FEATURE_SPECS[f].labels.length);
  });

  test('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('recurrence', () => {
  test('a looping figure recurs once its first period has passed, and its transposition too', () => {
    // 60 61 62 63 repeated: 4 distinct 6-interval patterns (notes 6..9), then only repeats.
    const loop = Array.from({ length: 100 }, (_, i) => 60 + (i % 4));
    expect(recurrenceShares(loop)).toEqual([40 / 50, 1]);
    // The same figure a fifth higher in the second half still recurs (intervals, not pitches).
    const transposed = loop.map((p, i) => (i < 50 ? p : p + 7));
    expect(recurrenceShares(transposed)[1]).toBeGreaterThan(0.8);
  });

  test('a sequence that never repeats a 6-interval pattern has none, and short pieces give no window', () => {
    const rising = Array.from({ length: 100 }, (_, i) => (i * (i + 1)) / 2);
    expect(recurrenceShares(rising)).toEqual([0, 0]);
    expect(recurrenceShares([60, 62, 64])).toEqual([]);
    expect(FEATURE_SPECS.recurrence.binOf(1)).toBe(9);
    expect(FEATURE_SPECS.recurrence.binOf(0.35)).toBe(3);
  });

  test('measureFeatures adds one recurrence value per 50-note window', () => {
    const piece = Array.from({ length: 120 }, (_, i) => note(60 + (i % 3), i * 0.25, 0.2));
    expect(measureFeatures(piece).recurrence).toHaveLength(2);
  });
});
