import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { intToNote, midiToNoteName, noteNameToMidi, noteToInt } from './note-names.js';

describe('noteToInt', () => {
  it('reads the examples of docs/original-system.md §2', () => {
    expect(noteToInt('C#4')).toBe(1);
    expect(noteToInt('Db4')).toBe(1);
    expect(noteToInt('c4')).toBe(0);
    expect(noteToInt('C5')).toBe(12);
    expect(noteToInt('F#-1')).toBe(-54);
    expect(noteToInt('C#')).toBe(1);
    expect(noteToInt('C')).toBe(0);
  });

  it('reads the range ends, lower case and double accidentals', () => {
    expect(noteToInt('C-1')).toBe(-60);
    expect(noteToInt('B8')).toBe(59);
    expect(noteToInt('bb3')).toBe(-2); // b flat 3
    expect(noteToInt('B3')).toBe(-1);
    expect(noteToInt('C##4')).toBe(2);
    expect(noteToInt('Ebb4')).toBe(2);
    expect(noteToInt('B#3')).toBe(0);
    expect(noteToInt('Cb4')).toBe(-1);
  });

  it('rejects garbage, naming the string', () => {
    for (const bad of ['H4', '', 'C#4 ', ' C4', 'C###4', 'Cbbb4', '4', 'C4.5', 'Cx4', 'C♯4', 'do4']) {
      expect(() => noteToInt(bad)).toThrow(InvalidArgumentError);
      expect(() => noteToInt(bad)).toThrow(JSON.stringify(bad));
    }
    expect(() => noteToInt('H4')).toThrow('unknown note name "H4"');
  });

  it('rejects names outside C-1..B8', () => {
    expect(() => noteToInt('Cb-1')).toThrow(/"Cb-1" is -61/);
    expect(() => noteToInt('C9')).toThrow(/"C9" is 60/);
    expect(() => noteToInt('B#8')).toThrow(InvalidArgumentError);
  });
});

describe('intToNote', () => {
  it('prints with sharps (docs/original-system.md §2)', () => {
    expect(intToNote(-54)).toBe('F#-1');
    expect(intToNote(1)).toBe('C#4');
    expect(intToNote(0)).toBe('C4');
    expect(intToNote(-1)).toBe('B3');
    expect(intToNote(-60)).toBe('C-1');
    expect(intToNote(59)).toBe('B8');
    expect(intToNote(noteToInt('Db4'))).toBe('C#4');
  });

  it('rejects values outside -60..59 and non-integers', () => {
    for (const bad of [-61, 60, 0.5, Number.NaN, Infinity]) {
      expect(() => intToNote(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => intToNote(60)).toThrow('pitch 60 is not an integer in -60..59');
  });
});

describe('MIDI names', () => {
  it('names MIDI note numbers', () => {
    expect(midiToNoteName(60)).toBe('C4');
    expect(midiToNoteName(0)).toBe('C-1');
    expect(midiToNoteName(21)).toBe('A0');
    expect(midiToNoteName(127)).toBe('G9');
    expect(() => midiToNoteName(128)).toThrow('MIDI note number 128 is not an integer in 0..127');
    expect(() => midiToNoteName(-1)).toThrow(InvalidArgumentError);
  });

  it('parses names into MIDI note numbers', () => {
    expect(noteNameToMidi('C4')).toBe(60);
    expect(noteNameToMidi('G9')).toBe(127);
    expect(noteNameToMidi('a0')).toBe(21);
    expect(() => noteNameToMidi('G#9')).toThrow(/MIDI 128/);
  });
});

test.prop([fc.integer({ min: -60, max: 59 })])('intToNote and noteToInt round-trip over -60..59', (n) => {
  expect(noteToInt(intToNote(n))).toBe(n);
});

test.prop([fc.integer({ min: 0, max: 127 })])('midiToNoteName and noteNameToMidi round-trip', (m) => {
  expect(noteNameToMidi(midiToNoteName(m))).toBe(m);
});

test.prop([fc.integer({ min: -60, max: 59 })])('flat spellings read as their sharp equivalents', (n) => {
  const flats = ['C', 'Db', 'D', 'Eb', 'E', 'F', 'Gb', 'G', 'Ab', 'A', 'Bb', 'B'];
  const name = `${flats[((n % 12) + 12) % 12] ?? ''}${Math.floor(n / 12) + 4}`;
  expect(noteToInt(name)).toBe(n);
  expect(noteToInt(name.toLowerCase())).toBe(n);
});
