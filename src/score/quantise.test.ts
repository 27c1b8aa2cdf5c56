import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { Note } from './note.js';
import { quantise } from './quantise.js';

const note = (time: number, duration = 0.2, pitch = 60): Note => ({ pitch, velocity: 80, time, duration });
const times = (notes: readonly Note[]): number[] => notes.map((n) => Number(n.time.toFixed(6)));
const durations = (notes: readonly Note[]): number[] => notes.map((n) => Number(n.duration.toFixed(6)));

// At 120 bpm a quarter note is 0.5 s: sixteenths 0.125 s, eighths 0.25 s, eighth triplets 1/6 s.
describe('quantise', () => {
  const played = [note(0.02), note(0.3), note(0.49), note(0.61, 0.3)];

  it('at 100 % puts every onset on its nearest grid point and keeps durations', () => {
    const out = quantise(played, { bpm: 120, division: 16 });
    expect(times(out)).toEqual([0, 0.25, 0.5, 0.625]);
    expect(durations(out)).toEqual([0.2, 0.2, 0.2, 0.3]);
  });

  it('at 50 % halves each distance to the grid, at 0 % changes nothing', () => {
    const half = quantise(played, { bpm: 120, division: 16, strength: 0.5 });
    expect(times(half)).toEqual([0.01, 0.275, 0.495, 0.6175]);
    expect(quantise(played, { bpm: 120, division: 16, strength: 0 })).toEqual(played);
  });

  it('uses the division: quarter notes, eighths, thirty-seconds', () => {
    expect(times(quantise([note(0.3), note(0.8)], { bpm: 120, division: 4 }))).toEqual([0.5, 1]);
    expect(times(quantise([note(0.3), note(0.4)], { bpm: 120, division: 8 }))).toEqual([0.25, 0.5]);
    expect(times(quantise([note(0.3)], { bpm: 120, division: 32 }))).toEqual([0.3125]);
  });

  it('quantises to triplets: three steps in the time of two', () => {
    // Eighth triplets at 120 bpm: 0, 1/6, 1/3, 1/2 s.
    const out = quantise([note(0.15), note(0.36), note(0.52)], { bpm: 120, division: 8, triplet: true });
    expect(times(out)).toEqual([0.166667, 0.333333, 0.5]);
    // Quarter triplets: a third of a second.
    expect(times(quantise([note(0.7)], { bpm: 120, division: 4, triplet: true }))).toEqual([0.666667]);
  });

  it('moves note ends to the grid too with `ends`, never shorter than one step', () => {
    const out = quantise([note(0.02, 0.4), note(0.3, 0.01), note(0.61, 0.3)], {
      bpm: 120,
      division: 16,
      ends: true,
    });
    expect(times(out)).toEqual([0, 0.25, 0.625]);
    // Ends 0.42 → 0.375; 0.31 → 0.25 would collapse the note: one step after its onset, 0.375;
    // 0.91 → 0.875.
    expect(durations(out)).toEqual([0.375, 0.125, 0.25]);
    // At 50 %, ends move half way as well.
    const half = quantise([note(0.02, 0.4)], { bpm: 120, division: 16, ends: true, strength: 0.5 });
    expect(times(half)).toEqual([0.01]);
    expect(durations(half)).toEqual([0.3875]); // end 0.42 → 0.3975
  });

  it('follows the grid offset, and never moves a note before 0 s', () => {
    // Bar 1 at 0.1 s: grid points 0.1, 0.35, 0.6 ... (eighths) and the first at or after 0 is 0.1.
    const out = quantise([note(0.02), note(0.3), note(0.58)], { bpm: 120, division: 8, offset: 0.1 });
    expect(times(out)).toEqual([0.1, 0.35, 0.6]);
    const late = quantise([note(0.01)], { bpm: 120, division: 4, offset: 0.45 });
    expect(times(late)).toEqual([0.45]);
  });

  it('keeps other fields and the order, and does not mutate its input', () => {
    const input = [
      { ...note(0.9), id: 7 },
      { ...note(0.1), id: 3 },
    ];
    const copy = structuredClone(input);
    const out = quantise(input, { bpm: 60, division: 4 });
    expect(out.map((n) => n.id)).toEqual([7, 3]);
    expect(times(out)).toEqual([1, 0]);
    expect(input).toEqual(copy);
  });

  it('refuses options out of range', () => {
    expect(() => quantise([], { bpm: 10, division: 16 })).toThrow(InvalidArgumentError);
    expect(() => quantise([], { bpm: 120, division: 12 })).toThrow(
      'division 12 is not one of 1, 2, 4, 8, 16, 32, 64',
    );
    expect(() => quantise([], { bpm: 120, division: 16, strength: 1.5 })).toThrow(
      'strength 1.5 is not in 0..1',
    );
    expect(() => quantise([], { bpm: 120, division: 16, offset: Number.NaN })).toThrow(/offset/);
  });
});
