import type { NoteTable } from './event-tables.js';

const KEYS = 16 * 128;

/**
 * Pairs note-ons with note-offs inside one track, first in first out per (channel, pitch): a
 * note-off closes the OLDEST open note of its channel and pitch. This is the rule the mido oracle
 * uses, and it gives the documented results for the edge cases:
 * - overlapping same-pitch notes, on 0, on 240, off 480, off 720 → (0→480) and (240→720);
 * - a retrigger listed on-before-off at the same tick, on 0, on 480, off 480, off 960 → (0→480)
 *   and (480→960), not a zero-length note;
 * - an on and its off at the same tick → a zero-length note, which is kept.
 *
 * A note-off with no open note is ignored and counted in `strayOffs`. Open notes are kept in a
 * small pool of linked slots, so pairing allocates nothing per note.
 *
 * @example
 * const pairer = new NotePairer(table);
 * pairer.startTrack(0);
 * pairer.noteOn(0, 0, 60, 100);
 * pairer.noteOff(96, 0, 60); // table gets C4 0..96
 */
export class NotePairer {
  /** Note-offs that found no open note, since construction. */
  strayOffs = 0;
  /** Notes currently open in the track being read. */
  openCount = 0;

  private readonly head = new Int32Array(KEYS).fill(-1);
  private readonly tail = new Int32Array(KEYS).fill(-1);
  private slotTick = new Float64Array(64);
  private slotVelocity = new Int32Array(64);
  private slotNext = new Int32Array(64);
  /** Keys that became non-empty in this track (a key may appear more than once). */
  private opened = new Int32Array(64);
  private openedCount = 0;
  private freeSlot = -1;
  private usedSlots = 0;
  private track = 0;

  /** @param out Table that receives every completed note. */
  constructor(private readonly out: NoteTable) {}

  /**
   * Makes the pairer as new, for the next file: no open notes, no stray note-offs counted. The
   * table it fills is not touched.
   */
  reset(): void {
    if (this.openCount > 0) {
      this.head.fill(-1);
      this.tail.fill(-1);
      this.freeSlot = -1;
      this.usedSlots = 0;
      this.openCount = 0;
    }
    this.strayOffs = 0;
    this.openedCount = 0;
    this.track = 0;
  }

  /**
   * Begins a new track: later notes are tagged with `track`. Call `closeAll` before moving on.
   *
   * @param track Index of the MTrk chunk.
   */
  startTrack(track: number): void {
    this.track = track;
    this.openedCount = 0;
  }

  /**
   * Opens a note.
   *
   * @param tick Onset tick.
   * @param channel 0..15.
   * @param pitch 0..127.
   * @param velocity 1..127.
   */
  noteOn(tick: number, channel: number, pitch: number, velocity: number): void {
    const slot = this.allocate();
    this.slotTick[slot] = tick;
    this.slotVelocity[slot] = velocity;
    this.slotNext[slot] = -1;
    const key = (channel << 7) | pitch;
    const last = this.tail[key]!;
    if (last < 0) {
      this.head[key] = slot;
      if (this.openedCount === this.opened.length) {
        const bigger = new Int32Array(this.opened.length * 2);
        bigger.set(this.opened);
        this.opened = bigger;
      }
      this.opened[this.openedCount++] = key;
    } else {
      this.slotNext[last] = slot;
    }
    this.tail[key] = slot;
    this.openCount++;
  }

  /**
   * Closes the oldest open note of this channel and pitch, or counts a stray note-off.
   *
   * @param tick Release tick.
   * @param channel 0..15.
   * @param pitch 0..127.
   */
  noteOff(tick: number, channel: number, pitch: number): void {
    const key = (channel << 7) | pitch;
    const slot = this.head[key]!;
    if (slot < 0) {
      this.strayOffs++;
      return;
    }
    const next = this.slotNext[slot]!;
    this.head[key] = next;
    if (next < 0) this.tail[key] = -1;
    this.out.push(this.slotTick[slot]!, tick, this.track, channel, pitch, this.slotVelocity[slot]!);
    this.slotNext[slot] = this.freeSlot;
    this.freeSlot = slot;
    if (--this.openCount === 0) this.openedCount = 0;
  }

  /**
   * Ends every note still open, at `tick` (the track's last event), oldest first per key.
   *
   * @param tick Tick at which the open notes end.
   * @returns How many notes were closed this way.
   */
  closeAll(tick: number): number {
    const closed = this.openCount;
    if (closed > 0) {
      for (let k = 0; k < this.openedCount; k++) {
        const key = this.opened[k]!;
        while (this.head[key]! >= 0) this.noteOff(tick, key >> 7, key & 127);
      }
    }
    this.openedCount = 0;
    return closed;
  }

  private allocate(): number {
    const free = this.freeSlot;
    if (free >= 0) {
      this.freeSlot = this.slotNext[free]!;
      return free;
    }
    const slot = this.usedSlots++;
    if (slot === this.slotTick.length) {
      const size = slot * 2;
      const ticks = new Float64Array(size);
      ticks.set(this.slotTick);
      this.slotTick = ticks;
      const velocities = new Int32Array(size);
      velocities.set(this.slotVelocity);
      this.slotVelocity = velocities;
      const next = new Int32Array(size);
      next.set(this.slotNext);
      this.slotNext = next;
    }
    return slot;
  }
}
