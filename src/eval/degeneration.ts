import type { Note } from '../score/note.js';

/**
 * Signs that a generator has degenerated: looping, or stalling.
 *
 * - **Repetition**: the longest pitch sequence of at least 16 notes that occurs twice or more in the
 *   piece (occurrences may overlap), and the share of the piece's notes its occurrences cover. A
 *   piece that loops one phrase is covered almost entirely; music with a repeated section (a da
 *   capo) is covered by its two copies; 0 when no 16 notes repeat exactly. Pitches only: timing from
 *   a real performance never repeats exactly, and a loop is a loop whatever its rhythm.
 * - **Stall**: the same pitch 10 or more times in a row, or a silence longer than 10 s (no note
 *   sounding between the end of everything before and the next onset).
 *
 * Real music has some of both (repeated sections, repeated notes), so the report gives the same
 * numbers for the held-out pieces beside the generated ones.
 */

/** Shortest pattern counted as a repetition (notes). */
export const MIN_REPEAT_NOTES = 16;
/** Same pitch this many times in a row is a stall. */
export const STALL_REPEATED_PITCH = 10;
/** A silence longer than this is a stall (seconds). */
export const STALL_SILENCE_SECONDS = 10;

/** The longest repeated pattern of a sequence. */
export interface Repeat {
  /** Its length (0 when no pattern of `minLength` repeats). */
  readonly length: number;
  /** Where its occurrences start, ascending. */
  readonly starts: readonly number[];
  /** Share of the sequence covered by its occurrences, 0..1. */
  readonly coverage: number;
}

/** Suffix array by prefix doubling: O(n log² n), exact for any sequence. */
function suffixArray(s: ArrayLike<number>): Int32Array {
  const n = s.length;
  const sa = Int32Array.from({ length: n }, (_, i) => i);
  let rank = Int32Array.from(s);
  const next = new Int32Array(n);
  for (let k = 1; n > 1; k *= 2) {
    const key = (i: number): number => (i + k < n ? rank[i + k]! : -1);
    const compare = (a: number, b: number): number => rank[a]! - rank[b]! || key(a) - key(b);
    sa.sort(compare);
    next[sa[0]!] = 0;
    for (let i = 1; i < n; i++) next[sa[i]!] = next[sa[i - 1]!]! + (compare(sa[i - 1]!, sa[i]!) < 0 ? 1 : 0);
    rank = Int32Array.from(next);
    if (rank[sa[n - 1]!] === n - 1 || k >= n) break;
  }
  return sa;
}

/** Kasai's algorithm: lcp[i] = common prefix of suffixes sa[i − 1] and sa[i] (lcp[0] = 0). */
function lcpArray(s: ArrayLike<number>, sa: Int32Array): Int32Array {
  const n = s.length;
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) rank[sa[i]!] = i;
  const lcp = new Int32Array(n);
  let h = 0;
  for (let i = 0; i < n; i++) {
    if (rank[i]! > 0) {
      const j = sa[rank[i]! - 1]!;
      while (i + h < n && j + h < n && s[i + h] === s[j + h]) h++;
      lcp[rank[i]!] = h;
      if (h > 0) h--;
    } else {
      h = 0;
    }
  }
  return lcp;
}

/**
 * The longest exactly repeated pattern of a sequence, and how much of it its occurrences cover.
 * Among patterns of the same greatest length, the one covering most is taken.
 *
 * @param sequence - e.g. the pitches of a piece
 * @param minLength - shortest pattern that counts (default 16)
 * @returns the pattern's length, occurrences and coverage
 * @example longestRepeat([1, 2, 3, 1, 2, 3, 1, 2, 3], 3); // { length: 6, starts: [0, 3], coverage: 1 }
 */
export function longestRepeat(sequence: ArrayLike<number>, minLength = MIN_REPEAT_NOTES): Repeat {
  const n = sequence.length;
  const none: Repeat = { length: 0, starts: [], coverage: 0 };
  if (n < 2) return none;
  const sa = suffixArray(sequence);
  const lcp = lcpArray(sequence, sa);
  let length = 0;
  for (let i = 1; i < n; i++) length = Math.max(length, lcp[i]!);
  if (length < Math.max(1, minLength)) return none;
  let best = none;
  for (let i = 1; i < n; i++) {
    if (lcp[i]! < length) continue;
    // A run of suffixes sharing this longest prefix: all occurrences of one pattern.
    const starts = [sa[i - 1]!];
    while (i < n && lcp[i]! >= length) starts.push(sa[i++]!);
    starts.sort((a, b) => a - b);
    let covered = 0;
    let reach = 0;
    for (const s of starts) {
      covered += Math.max(0, s + length - Math.max(s, reach));
      reach = Math.max(reach, s + length);
    }
    if (covered / n > best.coverage) best = { length, starts, coverage: covered / n };
  }
  return best;
}

/**
 * The longest run of equal consecutive values.
 *
 * @param sequence - e.g. pitches
 * @returns the run's length (0 for an empty sequence)
 * @example longestRun([60, 60, 62, 62, 62]); // 3
 */
export function longestRun(sequence: ArrayLike<number>): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < sequence.length; i++) {
    run = i > 0 && sequence[i] === sequence[i - 1] ? run + 1 : 1;
    best = Math.max(best, run);
  }
  return best;
}

/**
 * The longest time with no note sounding between the piece's first onset and its last.
 *
 * @param notes - the piece (any order)
 * @returns seconds (0 when notes always overlap or touch)
 * @example longestSilence([{ pitch: 60, velocity: 64, time: 0, duration: 1 }, { pitch: 62, velocity: 64, time: 13, duration: 1 }]); // 12
 */
export function longestSilence(notes: readonly Note[]): number {
  const sorted = [...notes].sort((a, b) => a.time - b.time);
  let reach = sorted[0]?.time ?? 0;
  let longest = 0;
  for (const n of sorted) {
    longest = Math.max(longest, n.time - reach);
    reach = Math.max(reach, n.time + Math.abs(n.duration));
  }
  return longest;
}

/** Degeneration measures of one piece. */
export interface PieceDegeneration {
  readonly notes: number;
  /** Length of the longest repeated pattern (≥ 16 notes), 0 if none. */
  readonly repeatLength: number;
  /** Share of the notes its occurrences cover. */
  readonly repeatCoverage: number;
  /** Longest run of one pitch. */
  readonly longestPitchRun: number;
  /** Longest silence, seconds. */
  readonly longestSilence: number;
  /** A run of ≥ 10 equal pitches, or a silence > 10 s. */
  readonly stalled: boolean;
}

/**
 * Measures one piece's repetition and stalls.
 *
 * @param notes - the piece, in the order it was played or generated (pitch order within a chord
 *   matters for repetition, and is kept)
 * @returns its degeneration measures
 * @example measureDegeneration(candidate.notes).stalled;
 */
export function measureDegeneration(notes: readonly Note[]): PieceDegeneration {
  const pitches = notes.map((n) => n.pitch);
  const repeat = longestRepeat(pitches);
  const run = longestRun(pitches);
  const silence = longestSilence(notes);
  return {
    notes: notes.length,
    repeatLength: repeat.length,
    repeatCoverage: repeat.coverage,
    longestPitchRun: run,
    longestSilence: silence,
    stalled: run >= STALL_REPEATED_PITCH || silence > STALL_SILENCE_SECONDS,
  };
}
