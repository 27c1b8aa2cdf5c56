import { timeBin, TIME_BINS } from '../encoding/grid.js';
import type { V1Row } from '../encoding/v1.js';
import { kernelRows } from './bin-kernel.js';
import type { ReleaseConfig } from './repetition-config.js';

/**
 * The release vote: with the sustain pedal applied (as `howl import` reads a file), the notes held
 * by one pedal all end when it is lifted, and a legato line's note ends where the next begins. So
 * a note's duration is often exactly the one that ends it with a note still sounding: on held-out
 * ASAP performances, a third of the notes end in the same 10 ms bin as one of the 8 notes before
 * them. A network reads earlier durations and delays but cannot add them up to the bin; this vote
 * does. Given the next note's onset (its delay is drawn first), the latest end among the `recent`
 * notes before it, if it is still 20 ms or more ahead (where a pedal lifts), is voted for: the
 * duration bin that ends the new note with it, spread by a narrow kernel. The duration head's
 * distribution is mixed with the vote, with a weight fitted with the repetition caches
 * (`fitRepetition`). The latest end alone scored better on held-out ASAP than an equal vote for
 * every sounding note's end (durations 3.022 against 3.094 nats per note).
 */

/** A note still sounding this long after the next onset can share its end. */
const STILL_SOUNDING = 0.02;

/**
 * The recent notes of one piece, as onsets and ends in seconds.
 *
 * @example
 * const release = new ReleaseVote(config.release);
 * for (const row of rows) release.push(row);
 * const q = new Float64Array(TIME_BINS);
 * const ends = release.probabilities(0.12, q); // q: the duration bins that end with a sounding note
 */
export class ReleaseVote {
  private readonly onsets: number[] = [];
  private readonly ends: number[] = [];
  private time = 0;
  /** Notes before this index are across a break (`separate`) and never vote. */
  private from = 0;

  constructor(readonly config: ReleaseConfig) {}

  /** Forgets the piece. */
  clear(): void {
    this.onsets.length = 0;
    this.ends.length = 0;
    this.time = 0;
    this.from = 0;
  }

  /** Marks a break between passages that do not follow each other: no note before it votes. */
  separate(): void {
    this.from = this.onsets.length;
  }

  /**
   * Adds the next note.
   *
   * @param row - `[delay, duration, volume, pitch − 60]`, seconds
   */
  push(row: V1Row): void {
    this.time = this.onsets.length === this.from ? 0 : this.time + Math.max(0, row[0]);
    this.onsets.push(this.time);
    this.ends.push(this.time + Math.max(0, row[1]));
    // Only the last `recent` notes are ever read: keep the arrays short.
    if (this.onsets.length > 4 * this.config.recent + 64) {
      const drop = this.onsets.length - this.config.recent;
      this.onsets.splice(0, drop);
      this.ends.splice(0, drop);
      this.from = Math.max(0, this.from - drop);
    }
  }

  /**
   * The duration bin that ends the next note with the last to end of the recent notes.
   *
   * @param delay - the next note's delay after the last one, seconds
   * @returns that bin, alone (none when nothing sounds on, or before the first note)
   */
  candidates(delay: number): number[] {
    const count = this.onsets.length;
    if (count === this.from) return [];
    const onset = this.time + Math.max(0, delay);
    let latest = -Infinity;
    for (let j = Math.max(this.from, count - this.config.recent); j < count; j++) {
      latest = Math.max(latest, this.ends[j]!);
    }
    return latest > onset + STILL_SOUNDING ? [timeBin(latest - onset)] : [];
  }

  /**
   * The vote's probability of each duration bin, given the next note's delay.
   *
   * @param delay - the next note's delay, seconds
   * @param into - receives `TIME_BINS` probabilities (all zero when no note votes)
   * @param width - the kernel's width (default the config's)
   * @returns how many distinct ends voted
   */
  probabilities(delay: number, into: Float64Array, width = this.config.width): number {
    into.fill(0);
    const bins = this.candidates(delay);
    const rows = kernelRows(TIME_BINS, width);
    for (const centre of bins) {
      const row = rows[centre]!;
      for (let bin = 0; bin < TIME_BINS; bin++) into[bin]! += row[bin]! / bins.length;
    }
    return bins.length;
  }

  /**
   * The vote's probability of one duration bin (what scoring needs).
   *
   * @param delay - the next note's delay, seconds
   * @param bin - the duration bin
   * @param width - the kernel's width (default the config's)
   * @returns the probability, and how many distinct ends voted
   */
  probability(delay: number, bin: number, width = this.config.width): { probability: number; votes: number } {
    const bins = this.candidates(delay);
    const rows = kernelRows(TIME_BINS, width);
    let sum = 0;
    for (const centre of bins) sum += rows[centre]![bin]!;
    return { probability: bins.length > 0 ? sum / bins.length : 0, votes: bins.length };
  }

  /**
   * The weight of the vote for a note with `votes` distinct ends.
   *
   * @param votes - from `probabilities` or `probability` (>= 1)
   * @returns λ
   */
  weight(votes: number): number {
    return this.config.lambda[Math.min(votes, this.config.lambda.length) - 1] ?? 0;
  }
}
