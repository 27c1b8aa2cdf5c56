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
 * Sustain-pedal (CC64) events: row `i` is pedal `down[i]` (value >= 64) or up at `tick[i]` on
 * `channel[i]` of track `track[i]`.
 */
export class PedalTable {
  length = 0;
  tick: Float64Array;
  track: Int32Array;
  /** `channel << 1 | down`. */
  info: Int32Array;

  /** @param capacity Initial number of rows; the table grows as needed. */
  constructor(capacity = 256) {
    this.tick = new Float64Array(capacity);
    this.track = new Int32Array(capacity);
    this.info = new Int32Array(capacity);
  }

  /**
   * Appends one pedal change.
   *
   * @param tick Tick in the event's own track.
   * @param track Index of the MTrk chunk.
   * @param channel MIDI channel 0..15.
   * @param down Whether the pedal is pressed (controller value >= 64).
   */
  push(tick: number, track: number, channel: number, down: boolean): void {
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
