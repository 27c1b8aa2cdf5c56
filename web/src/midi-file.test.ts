import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMidi } from 'midi-file';
import { DEFAULT_BEAT_GRID, readMidi, type BeatGrid } from '../../src/public/index.js';
import { barShift, MAX_MIDI_BYTES, midiFileOf, notesFromMidiFile, PieceLoadError } from './midi-file.js';

const fixtures = join(import.meta.dirname, '../../test/fixtures/piano-midi-de/Bach');

describe('midi files in the page', () => {
  it('reads a piece, and writes it back within a millisecond', () => {
    const file = readdirSync(fixtures).find((f) => f.endsWith('.mid'))!;
    const notes = notesFromMidiFile(new Uint8Array(readFileSync(join(fixtures, file))), file);
    expect(notes.length).toBeGreaterThan(100);
    const back = readMidi(midiFileOf(notes, DEFAULT_BEAT_GRID), { sustain: false }).notes;
    expect(back).toHaveLength(notes.length);
    const key = (n: { pitch: number; time: number }) => `${Math.round(n.time * 1000)}:${n.pitch}`;
    const sorted = (list: typeof notes) => [...list].sort((a, b) => a.time - b.time || a.pitch - b.pitch);
    sorted(back).forEach((n, i) => {
      const m = sorted(notes)[i]!;
      expect(Math.abs(n.time - m.time)).toBeLessThan(0.0015);
      expect(Math.abs(n.duration - m.duration)).toBeLessThan(0.003);
      expect(n.pitch, key(n)).toBe(m.pitch);
      expect(n.velocity).toBe(m.velocity);
    });
  });

  it("writes the grid's tempo and meter, moving the notes so the bars line up", () => {
    const grid: BeatGrid = { bpm: 90, meter: { numerator: 3, denominator: 4 }, offset: 0.5 };
    const notes = [
      { pitch: 60, velocity: 80, time: 0.5, duration: 0.5 },
      { pitch: 64, velocity: 80, time: 1.5, duration: 0.5 },
    ];
    const bytes = midiFileOf(notes, grid);
    const meta = parseMidi(bytes).tracks[0]!;
    expect(meta).toContainEqual(expect.objectContaining({ type: 'setTempo', microsecondsPerBeat: 666_667 }));
    expect(meta).toContainEqual(
      expect.objectContaining({ type: 'timeSignature', numerator: 3, denominator: 4 }),
    );
    // Bar 1 at 0.5 s and nothing before it: the notes move 0.5 s earlier, onto the file's bar 1.
    expect(barShift(notes, grid)).toBe(-0.5);
    const back = readMidi(bytes).notes;
    expect(back.map((n) => Number(n.time.toFixed(3)))).toEqual([0, 1]);
    // A pickup before bar 1 moves later instead, to the end of the file's first bar (2 s at 90 bpm in 3/4).
    const pickup = [{ pitch: 59, velocity: 80, time: 0.1, duration: 0.2 }, ...notes];
    expect(barShift(pickup, grid)).toBeCloseTo(1.5, 9);
    // A first note a little early (under a tenth of a beat) is bar 1 played early: it goes to 0 s.
    const early = [{ pitch: 59, velocity: 80, time: 0.45, duration: 0.2 }, ...notes];
    expect(barShift(early, grid)).toBe(-0.5);
    expect(readMidi(midiFileOf(early, grid)).notes[0]).toMatchObject({ pitch: 59, time: 0 });
    expect(barShift(notes, { ...grid, offset: 0 })).toBe(0);
    expect(barShift(notes, { ...grid, offset: 4.5 })).toBe(-0.5); // bars repeat: 4.5 s is 0.5 s + 2 bars
  });

  it('refuses what is not a usable piece, saying why', () => {
    expect(() => notesFromMidiFile(new TextEncoder().encode('hello'), 'notes.txt')).toThrow(
      /^notes.txt: not a MIDI file/,
    );
    expect(() => notesFromMidiFile(new Uint8Array(MAX_MIDI_BYTES + 1), 'big.mid')).toThrow(
      /big.mid: 8.0 MB is too large \(at most 8.0 MB\)/,
    );
    expect(() => notesFromMidiFile(midiFileOf([], DEFAULT_BEAT_GRID), 'empty.mid')).toThrow(PieceLoadError);
    expect(() => notesFromMidiFile(midiFileOf([], DEFAULT_BEAT_GRID), 'empty.mid')).toThrow(
      /empty.mid: the file has no notes/,
    );
  });
});
