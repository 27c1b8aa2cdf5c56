/**
 * Column tables the SMF reader fills while it scans: paired notes, sustain-pedal changes and tempo
 * changes, all in ticks of their own track. Columns are typed arrays that double when full, so the
 * scan allocates no object per event.
 */

function grow<T extends Float64Array | Int32Array>(array: T, size: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(size);
  bigger.set(array);
  return bigger;
}

/**
 * Notes as paired by the reader, before tempo and pedal are applied. Row `i` is one note:
 * `startTick[i]`..`endTick[i]` (ticks of track `track[i]`), with `channel`, MIDI `pitch` 0..127 and
 * `velocity` 1..127 packed in `info[i]` (read them with the getters).
 *
 * @example
 * const notes = new NoteTable();
 * notes.push(0, 96, 0, 0, 60, 100);
 * notes.pitch(0); // 60
 */
export class NoteTable {
  /** Number of rows. */
  length = 0;
  startTick: Float64Array;
  endTick: Float64Array;
  track: Int32Array;
  /** `channel << 14 | pitch << 7 | velocity`. */
  info: Int32Array;

  /** @param capacity Initial number of rows; the table grows as needed. */
  constructor(capacity = 1024) {
    this.startTick = new Float64Array(capacity);
    this.endTick = new Float64Array(capacity);
    this.track = new Int32Array(capacity);
    this.info = new Int32Array(capacity);
  }

  /**
   * Appends one note.
   *
   * @param startTick Onset tick, in the note's own track.
   * @param endTick Release tick (>= startTick).
   * @param track Index of the MTrk chunk (0-based).
   * @param channel MIDI channel 0..15.
   * @param pitch MIDI note number 0..127.
   * @param velocity Note-on velocity 1..127.
   */
  push(
    startTick: number,
    endTick: number,
    track: number,
    channel: number,
    pitch: number,
    velocity: number,
  ): void {
    const i = this.length;
    if (i === this.startTick.length) {
      const size = i * 2;
      this.startTick = grow(this.startTick, size);
      this.endTick = grow(this.endTick, size);
      this.track = grow(this.track, size);
      this.info = grow(this.info, size);
    }
    this.startTick[i] = startTick;
    this.endTick[i] = endTick;
    this.track[i] = track;
    this.info[i] = (channel << 14) | (pitch << 7) | velocity;
    this.length = i + 1;
  }

  /**
   * Empties the table for reuse; keeps its arrays unless they grew past `maxCapacity` rows.
   *
   * @param maxCapacity The most rows worth keeping allocated.
   */
  reset(maxCapacity: number): void {
    this.length = 0;
    if (this.startTick.length > maxCapacity) {
      this.startTick = new Float64Array(1024);
      this.endTick = new Float64Array(1024);
      this.track = new Int32Array(1024);
      this.info = new Int32Array(1024);
    }
  }

  /** @returns The MIDI channel (0..15) of row `i`. */
  channel(i: number): number {
    return (this.info[i]! >> 14) & 15;
  }

  /** @returns The MIDI pitch (0..127) of row `i`. */
  pitch(i: number): number {
    return (this.info[i]! >> 7) & 127;
  }

  /** @returns The velocity (1..127) of row `i`. */
  velocity(i: number): number {
    return this.info[i]! & 127;
  }
}

/**
 * Sustain-pedal (CC64) events: row `i` is pedal down (value >= 64) or up at `tick[i]` on a channel of
 * track `track[i]` (both in `info[i]`).
 *
 * Performance files send CC64 as a stream of values (ASAP: more pedal events than notes), and only
 * the changes of the pedal's state matter. With `collapse` on, an event that cannot change the
 * channel's state as `applySustain` builds it (per tick, any release leaves the pedal up) is dropped
 * as it comes. That is exact while each channel's pedal events come from one track; `mixed` tells
 * when a channel got them from two tracks in a format 0/1 file (piano-midi-de keeps its pedal on its
 * own track, but not always alone), and the reader then reads the file again without collapsing.
 */
export class PedalTable {
  length = 0;
  tick: Float64Array;
  track: Int32Array;
  /** `channel << 1 | down`. */
  info: Int32Array;
  /** Drop events that change nothing (see above). */
  collapse = true;
  /** A channel's pedal events came from two tracks (format 0/1), so the collapsed rows are not enough. */
  mixed = false;
  /** The latest tick of any pedal event pushed, kept or dropped. */
  latestTick = 0;
  /** Pedal groups are per (track, channel) (format 2), not per channel: tracks never mix. */
  private groupsPerTrack = false;
  /** Per channel: the first track that sent it a pedal event, or -1. */
  private readonly feeder = new Int32Array(16).fill(-1);
  /** Per channel, in the track being read: the tick of its latest event (-1: none yet). */
  private readonly atTick = new Float64Array(16).fill(-1);
  /** Per channel: the pedal state (1 down) before `atTick`. */
  private readonly before = new Uint8Array(16);
  /** Per channel: the state at `atTick` so far, the AND of its events' downs. */
  private readonly state = new Uint8Array(16);
  /** Per channel: whether an event at `atTick` was kept. */
  private readonly keptAtTick = new Uint8Array(16);

  /** @param capacity Initial number of rows; the table grows as needed. */
  constructor(capacity = 256) {
    this.tick = new Float64Array(capacity);
    this.track = new Int32Array(capacity);
    this.info = new Int32Array(capacity);
  }

  /** Begins a track: every channel's state starts up, with no event yet. */
  startTrack(): void {
    this.atTick.fill(-1);
    this.before.fill(0);
  }

  /**
   * Records one pedal event, or drops it when `collapse` is on and it changes nothing.
   *
   * @param tick Tick in the event's own track (never less than the track's previous event's).
   * @param track Index of the MTrk chunk.
   * @param channel MIDI channel 0..15.
   * @param down Whether the pedal is pressed (controller value >= 64).
   */
  push(tick: number, track: number, channel: number, down: boolean): void {
    if (tick > this.latestTick) this.latestTick = tick;
    if (this.collapse && !this.keeps(tick, track, channel, down ? 1 : 0)) return;
    const i = this.length;
    if (i === this.tick.length) {
      const size = i * 2;
      this.tick = grow(this.tick, size);
      this.track = grow(this.track, size);
      this.info = grow(this.info, size);
    }
    this.tick[i] = tick;
    this.track[i] = track;
    this.info[i] = (channel << 1) | (down ? 1 : 0);
    this.length = i + 1;
  }

  /**
   * Whether an event must be kept for the channel's states to come out as from every event: at a
   * new tick, when it differs from the state before; at the same tick, when it turns the tick's
   * state (the AND of its events) away from what the kept events give.
   */
  private keeps(tick: number, track: number, channel: number, down: number): boolean {
    const feeder = this.feeder[channel]!;
    if (feeder < 0) this.feeder[channel] = track;
    else if (feeder !== track && !this.groupsPerTrack) this.mixed = true;
    if (tick !== this.atTick[channel]) {
      if (this.atTick[channel]! >= 0) this.before[channel] = this.state[channel]!;
      this.atTick[channel] = tick;
      this.state[channel] = down;
      const keep = down !== this.before[channel];
      this.keptAtTick[channel] = keep ? 1 : 0;
      return keep;
    }
    const previous = this.state[channel]!;
    const now = previous & down;
    this.state[channel] = now;
    if (this.keptAtTick[channel]) return now !== previous;
    if (now === this.before[channel]) return false;
    this.keptAtTick[channel] = 1;
    return true;
  }

  /**
   * Empties the table for a new file; keeps its arrays unless they grew past `maxCapacity` rows.
   *
   * @param maxCapacity The most rows worth keeping allocated.
   * @param collapse Drop events that change nothing.
   * @param groupsPerTrack Pedal groups are per (track, channel) (format 2).
   */
  reset(maxCapacity: number, collapse: boolean, groupsPerTrack: boolean): void {
    this.length = 0;
    this.collapse = collapse;
    this.groupsPerTrack = groupsPerTrack;
    this.mixed = false;
    this.latestTick = 0;
    this.feeder.fill(-1);
    if (this.tick.length > maxCapacity) {
      this.tick = new Float64Array(256);
      this.track = new Int32Array(256);
      this.info = new Int32Array(256);
    }
  }
}

/** Set-tempo meta events, in file order within each track. */
export class TempoTable {
  length = 0;
  readonly tick: number[] = [];
  readonly track: number[] = [];
  readonly microsecondsPerQuarter: number[] = [];

  /**
   * Appends one tempo event.
   *
   * @param tick Tick in the event's own track.
   * @param track Index of the MTrk chunk.
   * @param microsecondsPerQuarter The new tempo.
   */
  push(tick: number, track: number, microsecondsPerQuarter: number): void {
    this.tick.push(tick);
    this.track.push(track);
    this.microsecondsPerQuarter.push(microsecondsPerQuarter);
    this.length++;
  }
}
