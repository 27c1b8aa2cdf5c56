import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { Note } from '../score/note.js';
import { BLOCK_FRAMES, partitionByPitch, scheduleNotes, type NoteSchedule } from './note-schedule.js';

const events = (s: NoteSchedule): [number, number, number, number][] =>
  Array.from({ length: s.length }, (_, e) => [s.block[e]!, s.channel[e]!, s.pitch[e]!, s.velocity[e]!]);

const blockSeconds = BLOCK_FRAMES / 44100;

describe('scheduleNotes', () => {
  it('puts onsets and ends on the nearest block, ons and offs sorted by block', () => {
    const notes: Note[] = [
      { pitch: 64, velocity: 80, time: 10 * blockSeconds, duration: 5 * blockSeconds },
      { pitch: 60, velocity: 100, time: 0.4 * blockSeconds, duration: 3 * blockSeconds },
    ];
    const s = scheduleNotes(notes, 44100);
    expect(events(s)).toEqual([
      [0, 0, 60, 100],
      [3, 0, 60, 0],
      [10, 0, 64, 80],
      [15, 0, 64, 0],
    ]);
    expect(s.lastBlock).toBe(15);
  });

  it('within a block: offs of sounding notes, then ons, then offs of notes shorter than a block', () => {
    const notes: Note[] = [
      { pitch: 62, velocity: 90, time: 5 * blockSeconds, duration: 0 },
      { pitch: 60, velocity: 90, time: 0, duration: 5 * blockSeconds },
      { pitch: 60, velocity: 70, time: 5 * blockSeconds, duration: blockSeconds },
    ];
    const s = scheduleNotes(notes, 44100);
    expect(events(s).slice(1)).toEqual([
      [5, 0, 60, 0],
      [5, 0, 62, 90],
      [5, 0, 60, 70],
      [5, 0, 62, 0],
      [6, 0, 60, 0],
    ]);
  });

  it('gives a note that starts while the same pitch sounds another channel, never 10', () => {
    const notes: Note[] = Array.from({ length: 11 }, (_, i) => ({
      pitch: 60,
      velocity: 64,
      time: i * 0.01,
      duration: 1,
    }));
    const ons = events(scheduleNotes(notes, 44100)).filter((e) => e[3] > 0);
    expect(ons.map((e) => e[1])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11]);
    // One after another, they share channel 1.
    const sequential = notes.map((n, i) => ({ ...n, time: i, duration: 0.5 }));
    expect(new Set(events(scheduleNotes(sequential, 44100)).map((e) => e[1]))).toEqual(new Set([0]));
  });

  test.prop([
    fc.array(
      fc.record({
        pitch: fc.integer({ min: 40, max: 50 }),
        velocity: fc.integer({ min: 1, max: 127 }),
        time: fc.double({ min: 0, max: 2, noNaN: true }),
        duration: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      { maxLength: 60 },
    ),
  ])('each note-off on a channel ends the oldest sounding note of its pitch there (FIFO)', (notes) => {
    const s = scheduleNotes(notes, 44100);
    expect(s.length).toBe(2 * notes.length);
    const sounding = new Map<string, number>();
    for (const [block, channel, pitch, velocity] of events(s)) {
      const key = `${channel}:${pitch}`;
      if (velocity > 0) sounding.set(key, (sounding.get(key) ?? 0) + 1);
      else {
        expect(sounding.get(key) ?? 0).toBeGreaterThan(0);
        sounding.set(key, sounding.get(key)! - 1);
      }
      expect(block).toBeGreaterThanOrEqual(0);
    }
  });

  it('rejects bad notes with the note index and field', () => {
    const ok = { pitch: 60, velocity: 64, time: 0, duration: 1 };
    expect(() => scheduleNotes([ok, { ...ok, pitch: 128 }], 44100)).toThrow(
      new InvalidArgumentError('note 1: pitch 128 is not an integer in 0..127'),
    );
    expect(() => scheduleNotes([{ ...ok, velocity: 0 }], 44100)).toThrow(
      /velocity 0 is not an integer in 1\.\.127/,
    );
    expect(() => scheduleNotes([{ ...ok, time: -1 }], 44100)).toThrow(/time -1/);
    expect(() => scheduleNotes([{ ...ok, duration: Number.NaN }], 44100)).toThrow(/duration NaN/);
  });
});

describe('partitionByPitch', () => {
  test.prop([
    fc.array(
      fc.record({
        pitch: fc.integer({ min: 0, max: 127 }),
        velocity: fc.constant(64),
        time: fc.double({ min: 0, max: 100, noNaN: true }),
        duration: fc.double({ min: 0, max: 4, noNaN: true }),
      }),
      { maxLength: 200 },
    ),
    fc.integer({ min: 1, max: 5 }),
  ])('splits into disjoint pitch sets that hold every note once', (notes, parts) => {
    const sets = partitionByPitch(notes, parts);
    expect(sets).toHaveLength(parts);
    expect(sets.flat().length).toBe(notes.length);
    const owners = new Map<number, number>();
    sets.forEach((set, k) => {
      for (const note of set) {
        expect(owners.get(note.pitch) ?? k).toBe(k);
        owners.set(note.pitch, k);
      }
    });
  });

  it('balances the work: a chromatic run splits about evenly', () => {
    const notes = Array.from({ length: 48 }, (_, i) => ({
      pitch: 36 + i,
      velocity: 64,
      time: i,
      duration: 1,
    }));
    const sizes = partitionByPitch(notes, 3).map((set) => set.length);
    expect(sizes).toEqual([16, 16, 16]);
  });
});
