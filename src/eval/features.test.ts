import { describe, expect, test } from 'vitest';
import type { Note } from '../score/note.js';
import { FEATURES, FEATURE_SPECS, histogram, measureFeatures, median } from './features.js';

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
