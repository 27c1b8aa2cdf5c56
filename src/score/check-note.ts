import { InvalidArgumentError } from '../errors.js';
import type { Note } from './note.js';

/**
 * Checks that a note can be played or written as MIDI: time and duration finite and >= 0, pitch an
 * integer 0..127, velocity an integer 1..127. Used by `writeMidi` and the audio renderer.
 *
 * @param note - the note
 * @param index - its position, for the message
 * @throws {InvalidArgumentError} "note 3: pitch 130 is not an integer in 0..127"
 */
export function checkPlayableNote(note: Note, index: number): void {
  const { pitch, velocity, time, duration } = note;
  const bad = (field: string, value: unknown, expected: string): never => {
    throw new InvalidArgumentError(`note ${index}: ${field} ${String(value)} is not ${expected}`);
  };
  if (!(Number.isFinite(time) && time >= 0)) bad('time', time, 'a finite number of seconds >= 0');
  if (!(Number.isFinite(duration) && duration >= 0))
    bad('duration', duration, 'a finite number of seconds >= 0');
  if (!(Number.isInteger(pitch) && pitch >= 0 && pitch <= 127)) bad('pitch', pitch, 'an integer in 0..127');
  if (!(Number.isInteger(velocity) && velocity >= 1 && velocity <= 127)) {
    bad('velocity', velocity, 'an integer in 1..127');
  }
}
