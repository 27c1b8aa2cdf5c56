import type { BinnedAttribute } from './bin-kernel.js';
import { grown } from './interval-contexts.js';

/**
 * The notes a repetition cache remembers (`repetition-cache.ts`, `chord-cache.ts`): each note's
 * pitch and its delay, duration and velocity bins, in growing columns.
 */
export class BinnedNotes {
  pitches = new Int16Array(256);
  bins: Record<BinnedAttribute, Int16Array> = {
    delay: new Int16Array(256),
    duration: new Int16Array(256),
    velocity: new Int16Array(256),
  };
  /** Notes held. */
  length = 0;

  /**
   * Adds a note.
   *
   * @returns its position
   */
  push(pitch: number, delay: number, duration: number, velocity: number): number {
    const t = this.length;
    if (t === this.pitches.length) {
      const size = t * 2;
      this.pitches = grown(this.pitches, size);
      this.bins = {
        delay: grown(this.bins.delay, size),
        duration: grown(this.bins.duration, size),
        velocity: grown(this.bins.velocity, size),
      };
    }
    this.pitches[t] = pitch;
    this.bins.delay[t] = delay;
    this.bins.duration[t] = duration;
    this.bins.velocity[t] = velocity;
    this.length = t + 1;
    return t;
  }

  /** Forgets every note. */
  clear(): void {
    this.length = 0;
  }
}
