import type { TempoChange } from '../score/note.js';

/** Tempo before the first set-tempo event: 120 bpm. */
export const DEFAULT_MICROSECONDS_PER_QUARTER = 500_000;

/**
 * Tempo events on the global tick line, as columns, sorted by tick (at one tick, the later one wins).
 * `reported[i]` is 0 for format 2's implicit resets to 120 bpm at each track start.
 */
export interface TempoEvents {
  length: number;
  tick: Float64Array;
  microsecondsPerQuarter: Float64Array;
  reported: Uint8Array;
}

/**
 * Converts ticks to seconds exactly, as a piecewise-linear function: each segment starts at a tempo
 * change, and the seconds at its start are the cumulative sum of the segments before it. A lookup
 * first tries the segment of the previous lookup (events mostly arrive in order), then binary searches.
 *
 * @example
 * const map = TempoMap.metrical(480, { length: 1, tick: Float64Array.of(480), microsecondsPerQuarter: Float64Array.of(1_000_000), reported: Uint8Array.of(1) });
 * map.ticksToSeconds(720); // 0.5 + 0.5 = 1.0
 */
export class TempoMap {
  private hint = 0;
  private changeList: TempoChange[] | undefined;

  private constructor(
    private readonly startTicks: Float64Array,
    private readonly startSeconds: Float64Array,
    private readonly secondsPerTick: Float64Array,
    private readonly events: TempoEvents,
    /** Ticks per second for SMPTE timing, undefined for metrical. */
    private readonly ticksPerSecond: number | undefined,
  ) {}

  /**
   * A map for ticks-per-quarter timing.
   *
   * @param ticksPerQuarter Header division (> 0).
   * @param events Tempo events sorted by tick; at equal ticks the later one wins. 120 bpm applies
   *   before the first. Kept (not copied) for `changes`.
   * @returns The map.
   */
  static metrical(ticksPerQuarter: number, events: TempoEvents): TempoMap {
    const n = events.length + 1;
    const ticks = new Float64Array(n);
    const seconds = new Float64Array(n);
    const perTick = new Float64Array(n);
    perTick[0] = DEFAULT_MICROSECONDS_PER_QUARTER / 1e6 / ticksPerQuarter;
    let last = 0;
    for (let i = 0; i < events.length; i++) {
      const tick = events.tick[i]!;
      const rate = events.microsecondsPerQuarter[i]! / 1e6 / ticksPerQuarter;
      if (tick === ticks[last]) {
        perTick[last] = rate;
      } else {
        const next = last + 1;
        ticks[next] = tick;
        seconds[next] = seconds[last]! + (tick - ticks[last]!) * perTick[last]!;
        perTick[next] = rate;
        last = next;
      }
    }
    return new TempoMap(
      ticks.subarray(0, last + 1),
      seconds.subarray(0, last + 1),
      perTick.subarray(0, last + 1),
      events,
      undefined,
    );
  }

  /**
   * A map for SMPTE timing: a fixed number of ticks per second. Tempo events do not change timing;
   * they are still reported, with the time of their tick.
   *
   * @param ticksPerSecond Frames per second × ticks per frame.
   * @param events Tempo events (reported only). Kept (not copied) for `changes`.
   * @returns The map.
   */
  static fixed(ticksPerSecond: number, events: TempoEvents): TempoMap {
    return new TempoMap(
      new Float64Array(1),
      new Float64Array(1),
      Float64Array.of(1 / ticksPerSecond),
      events,
      ticksPerSecond,
    );
  }

  /**
   * The reported tempo changes, with their times (duplicates included, in merged order); made on
   * first use, since the importer never asks for them. A change's time is that of its tick (the
   * start of its segment).
   */
  get changes(): TempoChange[] {
    if (this.changeList) return this.changeList;
    const { events } = this;
    const list: TempoChange[] = [];
    for (let i = 0; i < events.length; i++) {
      if (!events.reported[i]) continue;
      const ticks = events.tick[i]!;
      list.push({
        ticks,
        time: this.ticksPerSecond === undefined ? this.ticksToSeconds(ticks) : ticks / this.ticksPerSecond,
        microsecondsPerQuarter: events.microsecondsPerQuarter[i]!,
      });
    }
    this.changeList = list;
    return list;
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
