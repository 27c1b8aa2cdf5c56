import { describe, expect, it } from 'vitest';
import type { BeatGrid, Note } from '../../src/public/index.js';
import {
  clicksBetween,
  liveBatch,
  LOOP_MAX_SECONDS,
  pieceTime,
  timelineFrom,
  timelineNotes,
} from './play-timeline.js';

const note = (time: number, duration: number, pitch = 60): Note => ({ pitch, velocity: 80, time, duration });
const at = (notes: readonly Note[]): [number, number, number][] =>
  notes.map((n) => [n.pitch, Number(n.time.toFixed(6)), Number(n.duration.toFixed(6))]);

describe('a play with a loop', () => {
  const notes = [note(0, 0.5, 60), note(1, 0.5, 62), note(1.5, 1, 64), note(2.5, 0.5, 65), note(4, 1, 67)];
  const loop = { start: 1, end: 2 };

  it('starts at the loop when the cursor is outside it, and from the cursor inside it', () => {
    expect(timelineFrom(3, loop)).toEqual({ from: 1, loop });
    expect(timelineFrom(0.5, loop)).toEqual({ from: 1, loop });
    expect(timelineFrom(1.25, loop)).toEqual({ from: 1.25, loop });
    expect(timelineFrom(3, null)).toEqual({ from: 3, loop: null });
    expect(timelineFrom(3, { start: 1, end: 1.01 })).toEqual({ from: 3, loop: null }); // too short
  });

  it('sounds the notes to the loop end, then the loop again and again, notes cut at its end', () => {
    const heard = timelineNotes(notes, { from: 1.25, loop });
    // From 1.25: the rest of D (sounding), E cut at the loop end; then each turn D and E again.
    expect(at(heard.slice(0, 6))).toEqual([
      [62, 0, 0.25],
      [64, 0.25, 0.5],
      [62, 0.75, 0.5],
      [64, 1.25, 0.5],
      [62, 1.75, 0.5],
      [64, 2.25, 0.5],
    ]);
    const last = heard[heard.length - 1]!;
    // Turns start until 10 minutes of playing.
    expect(last.time).toBeGreaterThan(LOOP_MAX_SECONDS - 1);
    expect(last.time).toBeLessThan(LOOP_MAX_SECONDS + 1);
    // Without a loop: everything after the cursor, as before.
    expect(at(timelineNotes(notes, { from: 2.5, loop: null }))).toEqual([
      [65, 0, 0.5],
      [67, 1.5, 1],
    ]);
  });

  it('maps seconds of playing to the piece: round the loop', () => {
    const timeline = { from: 1.25, loop };
    expect(pieceTime(timeline, 0)).toBe(1.25);
    expect(pieceTime(timeline, 0.5)).toBe(1.75);
    expect(pieceTime(timeline, 0.75)).toBe(1);
    expect(pieceTime(timeline, 2.0)).toBeCloseTo(1.25, 9);
    expect(pieceTime({ from: 3, loop: null }, 2)).toBe(5);
  });

  it('clicks the beats heard, downbeats marked, round the loop too', () => {
    const grid: BeatGrid = { bpm: 120, meter: { numerator: 2, denominator: 4 }, offset: 0 };
    const plain = clicksBetween({ from: 0.75, loop: null }, grid, 0, 1.3);
    expect(plain).toEqual([
      { at: 0.25, downbeat: true }, // piece 1.0 s: bar 2
      { at: 0.75, downbeat: false },
      { at: 1.25, downbeat: true },
    ]);
    // Loop 1..2 s from 1.25: beats at piece 1.5 (heard 0.25), then each turn 1.0 and 1.5.
    const looped = clicksBetween({ from: 1.25, loop }, grid, 0, 2);
    expect(looped.map((c) => [c.at, c.downbeat])).toEqual([
      [0.25, false],
      [0.75, true],
      [1.25, false],
      [1.75, true],
    ]);
    // A window later on, not from the start.
    expect(clicksBetween({ from: 1.25, loop }, grid, 10, 10.6).map((c) => c.at)).toEqual([10.25]);
  });
});

describe('the notes the model writes while playing', () => {
  const written = [note(3, 0.5), note(3.5, 0.5), note(4, 0.5), note(9, 0.5), note(12, 0.5), note(14, 0.5)];

  it('adds them up to 8 s ahead of the playhead, below the last onset written', () => {
    expect(liveBatch(written, -Infinity, 2)).toEqual({ notes: written.slice(0, 4), until: 10 });
    // The last onset may still get chord notes: it waits.
    expect(liveBatch(written.slice(0, 3), -Infinity, 2)).toEqual({ notes: written.slice(0, 2), until: 4 });
    expect(liveBatch([], -Infinity, 2)).toBeNull();
  });

  it('goes on from where it stopped, in batches of 2 s unless the notes are needed sooner', () => {
    expect(liveBatch(written, 10, 2.5)).toBeNull(); // 10..10.5: half a second, 7.5 s away
    expect(liveBatch(written, 10, 4)).toEqual({ notes: [], until: 12 }); // 2 s: nothing in it
    expect(liveBatch(written, 12, 10.5)).toEqual({ notes: [written[4]!], until: 14 });
    expect(liveBatch(written, 12, 11)).toEqual({ notes: [written[4]!], until: 14 }); // needed within 2 s
    expect(liveBatch(written.slice(0, 5), 11, 10.5)).toEqual({ notes: [], until: 12 }); // short, but soon
    expect(liveBatch(written, 14, 20)).toBeNull(); // the model is behind the playhead: nothing to add
  });
});
