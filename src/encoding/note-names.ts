import { InvalidArgumentError } from '../errors.js';

/**
 * Note names in the original system's pitch convention (docs/original-system.md §2): a pitch is an
 * integer number of semitones from middle C, so C4 = 0, C#4 = 1, C5 = 12, C-1 = -60 and B8 = 59. MIDI note numbers
 * are the same scale shifted by 60 (C4 = MIDI 60).
 */

/** Lowest pitch of the original convention: C-1 (MIDI 0). */
export const MIN_NOTE_INT = -60;
/** Highest pitch of the original convention: B8 (MIDI 119). */
export const MAX_NOTE_INT = 59;
/** MIDI note number of middle C (C4), the zero of the original convention. */
export const MIDDLE_C_MIDI = 60;

const LETTER_SEMITONES: Readonly<Record<string, number>> = { C: 0, D: 2, E: 4, F: 5, G: 7, A: 9, B: 11 };
const SHARP_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;
const NAME_PATTERN = /^([A-Ga-g])(##|#|bb|b)?(-?\d{1,3})?$/;

/** Parses a name into semitones from middle C without any range check. */
function parseName(name: string): number {
  const match = typeof name === 'string' ? NAME_PATTERN.exec(name) : null;
  if (match === null) {
    throw new InvalidArgumentError(
      `unknown note name ${JSON.stringify(name)}: expected a letter A-G, an optional #, ##, b or bb, and an optional octave such as 4 or -1`,
    );
  }
  const [, letter = 'C', accidental = '', octaveText = '4'] = match;
  const semitone = LETTER_SEMITONES[letter.toUpperCase()] ?? 0;
  const alter = accidental.startsWith('#') ? accidental.length : -accidental.length;
  return (Number(octaveText) - 4) * 12 + semitone + alter;
}

/** Names any integer number of semitones from middle C with sharps, e.g. 1 → "C#4", -54 → "F#-1". */
function formatName(n: number): string {
  const pitchClass = ((n % 12) + 12) % 12;
  const octave = Math.floor(n / 12) + 4;
  return `${SHARP_NAMES[pitchClass] ?? '?'}${octave}`;
}

function checkInteger(value: number, what: string, low: number, high: number): void {
  if (!Number.isInteger(value) || value < low || value > high) {
    throw new InvalidArgumentError(`${what} ${String(value)} is not an integer in ${low}..${high}`);
  }
}

/**
 * Parses a note name into the original convention: semitones from middle C (C4 = 0).
 *
 * The letter may be upper or lower case. Accidentals: `#` (sharp), `b` (flat), and the doubles
 * `##` and `bb`. The octave is an integer, may be negative, and defaults to 4 when left out.
 * Accidentals may cross an octave boundary as in scientific pitch notation ("B#3" = "C4" = 0,
 * "Cb4" = "B3" = -1). No whitespace, Unicode ♯/♭ or `x` double sharp is accepted.
 *
 * @param name - e.g. "C#4", "Db4", "c4", "F#-1", "C#"
 * @returns an integer in -60..59
 * @throws InvalidArgumentError if `name` is not a note name, or names a pitch outside C-1..B8
 *   (e.g. "Cb-1" or "C9"); clamp with `clampPitch` first if you need the original's octave folding.
 * @example
 * noteToInt('C#4'); // 1
 * noteToInt('Db4'); // 1
 * noteToInt('F#-1'); // -54
 * noteToInt('C#'); // 1 (octave 4)
 */
export function noteToInt(name: string): number {
  const n = parseName(name);
  if (n < MIN_NOTE_INT || n > MAX_NOTE_INT) {
    throw new InvalidArgumentError(
      `note ${JSON.stringify(name)} is ${n}, outside C-1..B8 (${MIN_NOTE_INT}..${MAX_NOTE_INT})`,
    );
  }
  return n;
}

/**
 * Names a pitch of the original convention (semitones from middle C), always with sharps.
 *
 * Out-of-range values are rejected rather than silently folded: use `clampPitch(n + 60) - 60` to
 * get the original's octave clamping first.
 *
 * @param n - an integer in -60..59
 * @returns the name with a sharp where needed and the octave, e.g. "C#4"
 * @throws InvalidArgumentError if `n` is not an integer in -60..59
 * @example
 * intToNote(1); // "C#4"
 * intToNote(-54); // "F#-1"
 * intToNote(59); // "B8"
 */
export function intToNote(n: number): string {
  checkInteger(n, 'pitch', MIN_NOTE_INT, MAX_NOTE_INT);
  return formatName(n);
}

/**
 * Names a MIDI note number (C4 = 60), with sharps. The whole MIDI range 0..127 (C-1..G9) is
 * accepted, including 120..127, which the model's 120 classes do not hold.
 *
 * @param midi - an integer in 0..127
 * @returns e.g. "C4" for 60, "G9" for 127
 * @throws InvalidArgumentError if `midi` is not an integer in 0..127
 * @example
 * midiToNoteName(60); // "C4"
 * midiToNoteName(61); // "C#4"
 */
export function midiToNoteName(midi: number): string {
  checkInteger(midi, 'MIDI note number', 0, 127);
  return formatName(midi - MIDDLE_C_MIDI);
}

/**
 * Parses a note name (same syntax as `noteToInt`) into a MIDI note number (C4 = 60).
 *
 * @param name - e.g. "C4", "G9", "a0"
 * @returns an integer in 0..127
 * @throws InvalidArgumentError if `name` is not a note name, or is outside C-1..G9
 * @example
 * noteNameToMidi('C4'); // 60
 * noteNameToMidi('A0'); // 21
 */
export function noteNameToMidi(name: string): number {
  const midi = parseName(name) + MIDDLE_C_MIDI;
  if (midi < 0 || midi > 127) {
    throw new InvalidArgumentError(`note ${JSON.stringify(name)} is MIDI ${midi}, outside C-1..G9 (0..127)`);
  }
  return midi;
}
