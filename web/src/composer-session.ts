import type { Composer, Note } from '../../src/public/index.js';
import { plainNote } from './editor-state.js';

/**
 * Brings a composer in line with the notes a person now has before the generation point, rolling
 * its state back to the first note that differs (the composer keeps its state before every note)
 * and reading only the notes from there: an edit near the end costs a few network steps, not the
 * whole piece.
 *
 * @param composer - the composer
 * @param prefix - the notes the model should continue, in time order
 * @returns how many notes were kept as they were and how many were (re-)read
 */
export function syncComposer(composer: Composer, prefix: readonly Note[]): { kept: number; fed: number } {
  const have = composer.notes;
  const limit = Math.min(have.length, prefix.length);
  let kept = 0;
  while (kept < limit && sameNote(have[kept]!, prefix[kept]!)) kept++;
  if (kept === have.length && kept === prefix.length) return { kept, fed: 0 };
  composer.replaceFrom(kept, prefix.slice(kept));
  return { kept, fed: prefix.length - kept };
}

function sameNote(a: Note, b: Note): boolean {
  return a.pitch === b.pitch && a.time === b.time && a.duration === b.duration && a.velocity === b.velocity;
}

/**
 * Moves a pitch by octaves into `min..max` (clamps it when the range is narrower than an octave
 * and no octave fits).
 */
export function pitchIntoRange(pitch: number, min: number, max: number): number {
  let p = pitch;
  while (p < min) p += 12;
  while (p > max) p -= 12;
  return p >= min ? p : Math.min(max, Math.max(min, pitch));
}

/**
 * Keeps the first note of an empty piece inside the pitch range. That note is drawn at random
 * around middle C (as the original did), not by the pitch controls; when the person's range
 * leaves it out, it moves by octaves into the range. Call right after the composer's first `next()`.
 *
 * @returns the first note as it now is
 */
export function firstNoteInRange(composer: Composer): Note {
  const first = plainNote(composer.notes[0]!);
  const { minPitch, maxPitch } = composer.sampling;
  const pitch = pitchIntoRange(first.pitch, minPitch, maxPitch);
  if (pitch === first.pitch) return first;
  composer.replaceFrom(0, [{ ...first, pitch }]);
  return plainNote(composer.notes[0]!);
}
