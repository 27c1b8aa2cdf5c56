import { timeBin, velocityBin } from '../encoding/grid.js';
import type { V1Row } from '../encoding/v1.js';
import { ATTRIBUTE_BINS, kernelRows } from './bin-kernel.js';
import type { NeighbourConfig, NeighbourHeadConfig } from './repetition-config.js';

/**
 * The neighbour vote: a pianist's hand keeps its touch for a while. The notes just played near the
 * new note's pitch (the same hand, the same voice) vote for its duration and velocity, each weighted
 * by `decay^age × exp(−|Δpitch| / pitchScale)` and spread by the bin kernel (`bin-kernel.ts`); the
 * head's distribution is mixed with the vote at a fitted weight. It is the cache language model's
 * unigram form (a cache of recent values, Kuhn & De Mori 1990), made local in pitch: on held-out
 * ASAP performances the pitch weighting took durations 3.022 → 2.970 and velocities 2.369 → 2.338
 * nats per note where the same vote without it gained 0.028 and 0.007. The delay is drawn before the
 * pitch and gains nothing from it (0.001), so it has no vote.
 */

/** The attributes the vote predicts. */
export type NeighbourAttribute = 'duration' | 'velocity';

/** The attributes, in the order they are mixed. */
export const NEIGHBOUR_ATTRIBUTES: readonly NeighbourAttribute[] = ['duration', 'velocity'];

/** A pitch distance's factor, per scale, made once: `exp(−d / scale)` for d = 0..255. */
const pitchFactors = new Map<number, Float64Array>();
function pitchFactor(scale: number): Float64Array {
  let table = pitchFactors.get(scale);
  if (table === undefined) {
    table = new Float64Array(256);
    for (let d = 0; d < 256; d++) table[d] = Math.exp(-d / scale);
    pitchFactors.set(scale, table);
  }
  return table;
}

/**
 * The recent notes of one piece, by pitch and bins.
 *
 * @example
 * const vote = new NeighbourVote(config.neighbours);
 * for (const row of rows) vote.push(row);
 * const q = new Float64Array(VELOCITY_BINS);
 * vote.probabilities('velocity', 64, q); // the velocities the notes near E4 were played with
 */
export class NeighbourVote {
  private readonly pitches: number[] = [];
  private readonly bins: Record<NeighbourAttribute, number[]> = { duration: [], velocity: [] };
  /** Notes before this index are across a break (`separate`) and never vote. */
  private from = 0;

  constructor(readonly config: NeighbourConfig) {}

  /** Forgets the piece. */
  clear(): void {
    this.pitches.length = 0;
    this.bins.duration.length = 0;
    this.bins.velocity.length = 0;
    this.from = 0;
  }

  /** Marks a break between passages that do not follow each other: no note before it votes. */
  separate(): void {
    this.from = this.pitches.length;
  }

  /**
   * Adds the next note.
   *
   * @param row - `[delay, duration, volume, pitch − 60]`
   */
  push(row: V1Row): void {
    this.pushBins(row[3] + 60, timeBin(row[1]), velocityBin(row[2] * 127));
  }

  /**
   * Adds the next note by its pitch and bins.
   *
   * @param pitch - MIDI pitch
   * @param duration - duration bin
   * @param velocity - velocity bin
   */
  pushBins(pitch: number, duration: number, velocity: number): void {
    this.pitches.push(pitch);
    this.bins.duration.push(duration);
    this.bins.velocity.push(velocity);
    // Only the last `recent` notes are ever read: keep the arrays short.
    if (this.pitches.length > 4 * this.config.recent + 64) {
      const drop = this.pitches.length - this.config.recent;
      this.pitches.splice(0, drop);
      this.bins.duration.splice(0, drop);
      this.bins.velocity.splice(0, drop);
      this.from = Math.max(0, this.from - drop);
    }
  }

  /**
   * Calls `each(bin, weight)` for every recent note that votes, and returns the weights' sum.
   *
   * @param attribute - duration or velocity
   * @param head - its settings
   * @param pitch - the new note's pitch
   * @param each - called with each voting note's bin and weight
   */
  private eachVote(
    attribute: NeighbourAttribute,
    head: NeighbourHeadConfig,
    pitch: number,
    each: (bin: number, weight: number) => void,
  ): number {
    const factor = pitchFactor(head.pitchScale);
    const bins = this.bins[attribute];
    let age = 1;
    let total = 0;
    for (
      let j = this.pitches.length - 1;
      j >= Math.max(this.from, this.pitches.length - this.config.recent);
      j--
    ) {
      const weight = age * factor[Math.min(255, Math.abs(this.pitches[j]! - pitch))]!;
      each(bins[j]!, weight);
      total += weight;
      age *= head.decay;
    }
    return total;
  }

  /**
   * The vote's probability of each bin of an attribute for a note of `pitch`.
   *
   * @param attribute - duration or velocity
   * @param pitch - the new note's pitch
   * @param into - receives the attribute's bins' probabilities (all zero when no note votes)
   * @returns whether any note voted
   */
  probabilities(attribute: NeighbourAttribute, pitch: number, into: Float64Array): boolean {
    into.fill(0);
    const head = this.config[attribute];
    const count = ATTRIBUTE_BINS[attribute];
    const rows = kernelRows(count, head.width);
    const total = this.eachVote(attribute, head, pitch, (centre, weight) => {
      const row = rows[centre]!;
      for (let bin = 0; bin < count; bin++) into[bin]! += weight * row[bin]!;
    });
    if (!(total > 0)) return false;
    for (let bin = 0; bin < count; bin++) into[bin]! /= total;
    return true;
  }

  /**
   * The vote's probability of one bin (what scoring needs).
   *
   * @param attribute - duration or velocity
   * @param pitch - the new note's pitch
   * @param bin - the bin
   * @param head - settings to score with (default the config's: fitting tries others)
   * @returns the probability, or null when no note votes (the first note, or just after a break)
   */
  probability(
    attribute: NeighbourAttribute,
    pitch: number,
    bin: number,
    head: NeighbourHeadConfig = this.config[attribute],
  ): number | null {
    const rows = kernelRows(ATTRIBUTE_BINS[attribute], head.width);
    let sum = 0;
    const total = this.eachVote(attribute, head, pitch, (centre, weight) => {
      sum += weight * rows[centre]![bin]!;
    });
    return total > 0 ? sum / total : null;
  }
}
