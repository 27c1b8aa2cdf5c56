import type { Composer, Note } from '../../src/public/index.js';

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
