import { timeBin, velocityBin } from '../encoding/grid.js';
import type { V1Row } from '../encoding/v1.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';
import { ATTRIBUTE_BINS, kernelRows } from './bin-kernel.js';
import { BinnedNotes } from './binned-notes.js';
import { grown, IntervalContexts } from './interval-contexts.js';
import type { ChordCacheConfig } from './repetition-config.js';

/**
 * A chord cache: the repetition cache (`repetition-cache.ts`) made for played music. A pianist
 * plays a chord's notes a few milliseconds apart, in a different order each time, so the run of
 * intervals "as played" rarely repeats even when the music does. This cache reads the piece as a
 * series of chords (notes whose delay is at most `chordBins` bins, 40 ms by default, belong to the
 * chord before), each chord's notes in pitch order, and looks for the longest run of intervals of
 * that series, up to the last complete chord, that occurred before. Each earlier occurrence then
 * votes for what follows, given the notes of the current chord already played:
 *
 * - an earlier occurrence whose next chord does not hold the notes played so far of the current one
 *   (transposed) does not vote;
 * - the delay: the delay of the note that came next there (the earlier chord's note in the same
 *   position, or the first note of the chord after it);
 * - the pitch, given the drawn delay: a delay inside a chord votes for the earlier chord's notes not
 *   yet played, a longer delay for the notes of the chord after it, each chord's notes equally;
 * - duration and velocity, given the pitch: the earlier notes of that pitch among those.
 *
 * Its distribution is mixed into the model's after the interval cache's, with its own weights
 * (`fitRepetition`).
 */

/** The pitch of the chord `separate` records: its intervals never match a real one. */
const BREAK_PITCH = -10_000;

/** What the earlier occurrences of the longest matching chord context say about the next note. */
export interface ChordMatch {
  /** Index into the config's `orders` of the context length matched. */
  readonly order: number;
  /** One entry per earlier occurrence consistent with the notes of the current chord, most recent first. */
  readonly votes: readonly ChordVote[];
}

/** One earlier occurrence's vote. */
export interface ChordVote {
  /** Transposition from there to here, semitones. */
  readonly shift: number;
  /** The note that followed there after as many notes of the chord as have been played here (-1: none yet). */
  readonly follower: number;
  /** The earlier chord's notes not yet played here (positions in the piece). */
  readonly rest: readonly number[];
  /** The notes of the chord after it (positions; empty when that chord is not complete yet). */
  readonly next: readonly number[];
}

/**
 * The chord cache of one piece: fed every note in order, it answers for the next one.
 *
 * @example
 * const cache = new ChordCache(config.chords);
 * for (const row of rows) cache.push(row);
 * const match = cache.match(); // null when the recent chords never occurred before
 */
export class ChordCache {
  private readonly notes = new BinnedNotes();
  /** Where each chord starts (a position in the piece); the last chord is still open. */
  private chordStart = new Int32Array(64);
  /** Each closed chord's last place in the pitch-ordered stream of `contexts`. */
  private chordEnd = new Int32Array(64);
  private chordCount = 0;
  /** The next note starts a chord whatever its delay (after `separate`). */
  private breakNext = false;
  private readonly contexts: IntervalContexts;
  private readonly maxMatches: number;

  constructor(readonly config: ChordCacheConfig) {
    this.contexts = new IntervalContexts(config.orders);
    this.maxMatches = config.maxMatches ?? 32;
  }

  /** Forgets the piece. */
  clear(): void {
    this.notes.clear();
    this.chordCount = 0;
    this.breakNext = false;
    this.contexts.clear();
  }

  /** Marks a break between passages that do not follow each other: no context spans it. */
  separate(): void {
    this.breakNext = true;
    this.pushBins(BREAK_PITCH, 0, 0, 0);
    this.breakNext = true;
  }

  /**
   * Adds the next note of the piece, as the V1 row the network reads.
   *
   * @param row - `[delay, duration, volume, pitch − 60]`
   */
  push(row: V1Row): void {
    this.pushBins(row[3] + 60, timeBin(row[0]), timeBin(row[1]), velocityBin(row[2] * 127));
  }

  /**
   * Adds the next note by its pitch and grid bins.
   *
   * @param pitch - MIDI pitch 0..119
   * @param delay - delay bin
   * @param duration - duration bin
   * @param velocity - velocity bin
   */
  pushBins(pitch: number, delay: number, duration: number, velocity: number): void {
    const t = this.notes.length;
    if (t === 0 || this.breakNext || delay > this.config.chordBins) {
      if (this.chordCount > 0) this.closeChord();
      if (this.chordCount === this.chordStart.length) this.growChords();
      this.chordStart[this.chordCount++] = t;
      this.breakNext = false;
    }
    this.notes.push(pitch, delay, duration, velocity);
  }

  /** Adds the open chord's notes, in pitch order, to the stream; the chord before it is now followed. */
  private closeChord(): void {
    const c = this.chordCount - 1;
    const sorted = this.notes.pitches.slice(this.chordStart[c]!, this.notes.length).sort();
    for (const pitch of sorted) this.contexts.push(pitch);
    this.chordEnd[c] = this.contexts.length - 1;
    if (c >= 1) this.config.orders.forEach((_, o) => this.contexts.remember(o, this.chordEnd[c - 1]!, c - 1));
  }

  /**
   * The longest context of chords, up to the last complete one, that occurred earlier in the piece,
   * and the votes of its occurrences consistent with the current chord's notes so far.
   *
   * @returns the match, or null when no context matches or no occurrence is consistent
   */
  match(): ChordMatch | null {
    const last = this.chordCount - 2; // the last closed chord
    if (last < 0) return null;
    const end = this.chordEnd[last]!;
    for (let o = 0; o < this.config.orders.length; o++) {
      const chords = this.contexts.occurrences(o, end, this.maxMatches);
      if (chords === null) continue;
      const votes: ChordVote[] = [];
      for (const c of chords) {
        const vote = this.voteOf(c, this.contexts.pitchAt(end) - this.contexts.pitchAt(this.chordEnd[c]!));
        if (vote !== null) votes.push(vote);
      }
      return votes.length > 0 ? { order: o, votes } : null;
    }
    return null;
  }

  /** The vote of the occurrence ending at chord `c`, or null when its next chord lacks a note played here. */
  private voteOf(c: number, shift: number): ChordVote | null {
    const open = this.chordCount - 1;
    const from = this.chordStart[c + 1]!;
    const to = c + 2 <= open ? this.chordStart[c + 2]! : this.notes.length;
    const rest: number[] = [];
    for (let i = from; i < to; i++) rest.push(i);
    const played = this.notes.length - this.chordStart[open]!;
    for (let i = this.chordStart[open]!; i < this.notes.length; i++) {
      const j = rest.findIndex((r) => this.notes.pitches[r]! + shift === this.notes.pitches[i]);
      if (j < 0) return null;
      rest.splice(j, 1);
    }
    const next: number[] = [];
    if (c + 3 <= open) for (let i = this.chordStart[c + 2]!; i < this.chordStart[c + 3]!; i++) next.push(i);
    const follower = from + played < this.notes.length ? from + played : -1;
    return { shift, follower, rest, next };
  }

  /** The earlier notes that may come next, given the next note's delay bin. */
  private candidates(vote: ChordVote, delay: number): readonly number[] {
    return delay > this.config.chordBins ? vote.next : vote.rest;
  }

  /**
   * The cache's probability of each delay bin for the next note.
   *
   * @param match - from `match()`
   * @param into - receives the bins' probabilities
   * @param width - the kernel's width (default the config's)
   * @returns how many occurrences voted (0: no opinion, `into` all zero)
   */
  delayProbabilities(match: ChordMatch, into: Float64Array, width = this.config.width.delay): number {
    into.fill(0);
    const rows = kernelRows(ATTRIBUTE_BINS.delay, width);
    let votes = 0;
    for (const vote of match.votes) {
      if (vote.follower < 0) continue;
      const row = rows[this.notes.bins.delay[vote.follower]!]!;
      for (let bin = 0; bin < into.length; bin++) into[bin]! += row[bin]!;
      votes++;
    }
    if (votes > 0) for (let bin = 0; bin < into.length; bin++) into[bin]! /= votes;
    return votes;
  }

  /**
   * The cache's probability of each pitch for the next note, given its delay bin.
   *
   * @param match - from `match()`
   * @param delay - the next note's delay bin
   * @param into - receives 120 probabilities
   * @returns how many occurrences voted
   */
  pitchProbabilities(match: ChordMatch, delay: number, into: Float64Array): number {
    into.fill(0);
    let votes = 0;
    for (const vote of match.votes) {
      const notes = this.candidates(vote, delay);
      if (notes.length === 0) continue;
      votes++;
      for (const i of notes) {
        const pitch = this.notes.pitches[i]! + vote.shift;
        if (pitch >= 0 && pitch < PITCH_COUNT) into[pitch]! += 1 / notes.length;
      }
    }
    if (votes > 0) for (let p = 0; p < PITCH_COUNT; p++) into[p]! /= votes;
    return votes;
  }

  /**
   * The cache's probability of each duration or velocity bin for the next note, given its delay
   * bin and pitch: the earlier notes of that pitch (transposed) among those that could come next vote.
   *
   * @param attribute - duration or velocity
   * @param match - from `match()`
   * @param delay - the next note's delay bin
   * @param pitch - the next note's pitch
   * @param into - receives the bins' probabilities
   * @param width - the kernel's width (default the config's)
   * @returns how many earlier notes voted
   */
  binProbabilities(
    attribute: 'duration' | 'velocity',
    match: ChordMatch,
    delay: number,
    pitch: number,
    into: Float64Array,
    width = this.config.width[attribute],
  ): number {
    into.fill(0);
    const rows = kernelRows(ATTRIBUTE_BINS[attribute], width);
    let votes = 0;
    for (const vote of match.votes) {
      for (const i of this.candidates(vote, delay)) {
        if (this.notes.pitches[i]! + vote.shift !== pitch) continue;
        const row = rows[this.notes.bins[attribute][i]!]!;
        for (let bin = 0; bin < into.length; bin++) into[bin]! += row[bin]!;
        votes++;
      }
    }
    if (votes > 0) for (let bin = 0; bin < into.length; bin++) into[bin]! /= votes;
    return votes;
  }

  /**
   * The cache's probability of one value of the next note's attribute (what scoring needs), without
   * filling every bin: the pitch given the delay bin, duration and velocity given both.
   *
   * @param attribute - which attribute
   * @param match - from `match()`
   * @param next - the next note's delay bin and pitch (those it is given), and the value asked about
   * @param width - the kernel's width for a binned attribute (default the config's)
   * @returns the probability, and how many voted (0: no opinion)
   */
  probability(
    attribute: 'delay' | 'pitch' | 'duration' | 'velocity',
    match: ChordMatch,
    next: {
      readonly delay: number;
      readonly pitch: number;
      readonly duration: number;
      readonly velocity: number;
    },
    width?: number,
  ): { probability: number; votes: number } {
    let sum = 0;
    let votes = 0;
    if (attribute === 'pitch') {
      for (const vote of match.votes) {
        const notes = this.candidates(vote, next.delay);
        if (notes.length === 0) continue;
        votes++;
        for (const i of notes)
          if (this.notes.pitches[i]! + vote.shift === next.pitch) sum += 1 / notes.length;
      }
    } else {
      const rows = kernelRows(ATTRIBUTE_BINS[attribute], width ?? this.config.width[attribute]);
      const values = this.notes.bins[attribute];
      const bin = next[attribute];
      for (const vote of match.votes) {
        if (attribute === 'delay') {
          if (vote.follower < 0) continue;
          sum += rows[values[vote.follower]!]![bin]!;
          votes++;
          continue;
        }
        for (const i of this.candidates(vote, next.delay)) {
          if (this.notes.pitches[i]! + vote.shift !== next.pitch) continue;
          sum += rows[values[i]!]![bin]!;
          votes++;
        }
      }
    }
    return { probability: votes > 0 ? sum / votes : 0, votes };
  }

  private growChords(): void {
    const size = this.chordStart.length * 2;
    this.chordStart = grown(this.chordStart, size);
    this.chordEnd = grown(this.chordEnd, size);
  }
}
