import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMidi } from '../../src/public/index.js';
import { MAX_MIDI_BYTES, midiFileOf, notesFromMidiFile, PieceLoadError } from './midi-file.js';

const fixtures = join(import.meta.dirname, '../../test/fixtures/piano-midi-de/Bach');

describe('midi files in the page', () => {
  it('reads a piece, and writes it back within a millisecond', () => {
    const file = readdirSync(fixtures).find((f) => f.endsWith('.mid'))!;
    const notes = notesFromMidiFile(new Uint8Array(readFileSync(join(fixtures, file))), file);
    expect(notes.length).toBeGreaterThan(100);
    const back = readMidi(midiFileOf(notes), { sustain: false }).notes;
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

  it('refuses what is not a usable piece, saying why', () => {
    expect(() => notesFromMidiFile(new TextEncoder().encode('hello'), 'notes.txt')).toThrow(
      /^notes.txt: not a MIDI file/,
    );
    expect(() => notesFromMidiFile(new Uint8Array(MAX_MIDI_BYTES + 1), 'big.mid')).toThrow(
      /big.mid: 8.0 MB is too large \(at most 8.0 MB\)/,
    );
    expect(() => notesFromMidiFile(midiFileOf([]), 'empty.mid')).toThrow(PieceLoadError);
    expect(() => notesFromMidiFile(midiFileOf([]), 'empty.mid')).toThrow(/empty.mid: the file has no notes/);
  });
});
