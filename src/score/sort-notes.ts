import type { Note } from './note.js';

/**
 * Sorts notes in place by (onset rounded to 10 ms, then pitch), the original system's order, and
 * returns the same array. Ties after that keep their previous order (the sort is stable).
 */
export function sortNotes<T extends Note>(notes: T[]): T[] {
  return notes.sort((a, b) => Math.round(a.time * 100) - Math.round(b.time * 100) || a.pitch - b.pitch);
}
