import type { TempoChange } from '../score/note.js';

/** Tempo before the first set-tempo event: 120 bpm. */
export const DEFAULT_MICROSECONDS_PER_QUARTER = 500_000;

/** One tempo event on the global tick line. `reported` is false for format 2's implicit resets. */
export interface TempoEvent {
  tick: number;
  microsecondsPerQuarter: number;
  reported: boolean;
}

/**
 * Converts ticks to seconds exactly, as a piecewise-linear function: each segment starts at a tempo
 * change, and the seconds at its start are the cumulative sum of the segments before it. A lookup
 * first tries the segment of the previous lookup (events mostly arrive in order), then binary searches.
 *
 * @example
 * const map = TempoMap.metrical(480, [{ tick: 480, microsecondsPerQuarter: 1_000_000, reported: true }]);
 * map.ticksToSeconds(720); // 0.5 + 0.5 = 1.0
 */
export class TempoMap {
  private hint = 0;

  private constructor(
    private readonly startTicks: Float64Array,
    private readonly startSeconds: Float64Array,
    private readonly secondsPerTick: Float64Array,
    /** The reported tempo changes, with their times. */
    readonly changes: TempoChange[],
  ) {}

  /**
   * A map for ticks-per-quarter timing.
   *
   * @param ticksPerQuarter Header division (> 0).
   * @param events Tempo events sorted by tick; at equal ticks the later one wins. 120 bpm applies
   *   before the first.
   * @returns The map.
   */
  static metrical(ticksPerQuarter: number, events: readonly TempoEvent[]): TempoMap {
    const n = events.length + 1;
    const ticks = new Float64Array(n);
    const seconds = new Float64Array(n);
    const perTick = new Float64Array(n);
    perTick[0] = DEFAULT_MICROSECONDS_PER_QUARTER / 1e6 / ticksPerQuarter;
    let last = 0;
    const changes: TempoChange[] = [];
    for (const event of events) {
      const tick = event.tick;
      const rate = event.microsecondsPerQuarter / 1e6 / ticksPerQuarter;
      if (tick === ticks[last]) {
        perTick[last] = rate;
      } else {
        const next = last + 1;
        ticks[next] = tick;
        seconds[next] = seconds[last]! + (tick - ticks[last]!) * perTick[last]!;
        perTick[next] = rate;
        last = next;
      }
      if (event.reported) {
        changes.push({
          ticks: tick,
          time: seconds[last]!,
          microsecondsPerQuarter: event.microsecondsPerQuarter,
        });
      }
    }
    return new TempoMap(
      ticks.subarray(0, last + 1),
      seconds.subarray(0, last + 1),
      perTick.subarray(0, last + 1),
      changes,
    );
  }

  /**
   * A map for SMPTE timing: a fixed number of ticks per second. Tempo events do not change timing;
   * they are still reported, with the time of their tick.
   *
   * @param ticksPerSecond Frames per second × ticks per frame.
   * @param events Tempo events (reported only).
   * @returns The map.
   */
  static fixed(ticksPerSecond: number, events: readonly TempoEvent[]): TempoMap {
    const changes = events
      .filter((event) => event.reported)
      .map((event) => ({
        ticks: event.tick,
        time: event.tick / ticksPerSecond,
        microsecondsPerQuarter: event.microsecondsPerQuarter,
      }));
    return new TempoMap(
      new Float64Array(1),
      new Float64Array(1),
      Float64Array.of(1 / ticksPerSecond),
      changes,
    );
  }

  /**
   * @param tick A tick on the global line (>= 0).
   * @returns Seconds from the start of the piece.
   */
  ticksToSeconds(tick: number): number {
    const ticks = this.startTicks;
    const n = ticks.length;
    let k = this.hint;
    // Lookups mostly move forward a little: step ahead a few segments before searching.
    for (let step = 0; step < 4 && k + 1 < n && ticks[k + 1]! <= tick; step++) k++;
    if (!(ticks[k]! <= tick && (k + 1 === n || tick < ticks[k + 1]!))) {
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (ticks[mid]! <= tick) lo = mid;
        else hi = mid - 1;
      }
      k = lo;
    }
    this.hint = k;
    return this.startSeconds[k]! + (tick - ticks[k]!) * this.secondsPerTick[k]!;
  }
}
