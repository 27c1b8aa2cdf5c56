/**
 * What a MIDI keyboard sends, as plain events (tested without a browser): Web MIDI hands the page
 * one complete message at a time, with the time it arrived (`MIDIMessageEvent.timeStamp`, the
 * clock of `performance.now()`). Keys, the three pedals (sustain CC64, sostenuto CC66, soft CC67)
 * and *all notes off* become events; everything else (clock, active sensing, other controllers,
 * SysEx) is left out.
 */

/** Milliseconds on the page's clock (`performance.now()`), as Web MIDI stamps its messages. */
export type Milliseconds = number;

/** A key, the pedal, or *all notes off*, on a MIDI channel 0..15, at a time on the page's clock. */
export type MidiEvent =
  | {
      readonly type: 'note-on';
      readonly time: Milliseconds;
      readonly channel: number;
      readonly pitch: number;
      /** 1..127 (a note-on of velocity 0 is a note-off). */
      readonly velocity: number;
    }
  | {
      readonly type: 'note-off';
      readonly time: Milliseconds;
      readonly channel: number;
      readonly pitch: number;
    }
  /** The sustain pedal: down from a CC64 value of 64, as the MIDI importer reads it. */
  | { readonly type: 'pedal'; readonly time: Milliseconds; readonly channel: number; readonly down: boolean }
  /** The sostenuto pedal (CC66), down from 64: holds the keys down when it goes down. */
  | {
      readonly type: 'sostenuto';
      readonly time: Milliseconds;
      readonly channel: number;
      readonly down: boolean;
    }
  /** The soft pedal (una corda, CC67), down from 64. */
  | { readonly type: 'soft'; readonly time: Milliseconds; readonly channel: number; readonly down: boolean }
  /** CC123 (all notes off) or CC120 (all sound off): every key of the channel lets go. */
  | { readonly type: 'all-off'; readonly time: Milliseconds; readonly channel: number };

const NOTE_OFF = 0x80;
const NOTE_ON = 0x90;
const CONTROL = 0xb0;
const SUSTAIN = 64;
const SOSTENUTO = 66;
const SOFT = 67;
const ALL_SOUND_OFF = 120;
const ALL_NOTES_OFF = 123;

/**
 * The event of one MIDI message, or null when it is not a key, a pedal or *all notes off* (or is
 * malformed: a data byte of 128 or more, bytes missing).
 *
 * @param data - the message's bytes (status first; Web MIDI never uses running status)
 * @param time - when it arrived, on the page's clock
 * @example
 * parseMidiMessage([0x90, 60, 100], 1200); // { type: 'note-on', time: 1200, channel: 0, pitch: 60, velocity: 100 }
 * parseMidiMessage([0xb0, 64, 127], 1300); // { type: 'pedal', time: 1300, channel: 0, down: true }
 */
export function parseMidiMessage(data: ArrayLike<number>, time: Milliseconds): MidiEvent | null {
  const status = data[0];
  if (status === undefined || status < 0x80 || status >= 0xf0 || data.length < 3) return null;
  const d1 = data[1]!;
  const d2 = data[2]!;
  if (d1 > 0x7f || d2 > 0x7f) return null;
  const kind = status & 0xf0;
  const channel = status & 0x0f;
  if (kind === NOTE_ON && d2 > 0) return { type: 'note-on', time, channel, pitch: d1, velocity: d2 };
  if (kind === NOTE_ON || kind === NOTE_OFF) return { type: 'note-off', time, channel, pitch: d1 };
  if (kind !== CONTROL) return null;
  if (d1 === SUSTAIN) return { type: 'pedal', time, channel, down: d2 >= 64 };
  if (d1 === SOSTENUTO) return { type: 'sostenuto', time, channel, down: d2 >= 64 };
  if (d1 === SOFT) return { type: 'soft', time, channel, down: d2 >= 64 };
  if (d1 === ALL_NOTES_OFF || d1 === ALL_SOUND_OFF) return { type: 'all-off', time, channel };
  return null;
}

/**
 * The time to give a message: its own stamp, unless that is missing or not on the page's clock
 * (zero, or more than a second away from now), then now.
 */
export function messageTime(stamp: number, now: Milliseconds): Milliseconds {
  return Number.isFinite(stamp) && stamp > 0 && Math.abs(stamp - now) < 1000 ? stamp : now;
}

/** The keys held down now (channel × 128 + pitch), after `event`; returns the same set when unchanged. */
export function heldAfter(held: ReadonlySet<number>, event: MidiEvent): ReadonlySet<number> {
  switch (event.type) {
    case 'note-on': {
      const key = event.channel * 128 + event.pitch;
      return held.has(key) ? held : new Set(held).add(key);
    }
    case 'note-off': {
      const key = event.channel * 128 + event.pitch;
      if (!held.has(key)) return held;
      const next = new Set(held);
      next.delete(key);
      return next;
    }
    case 'all-off': {
      const next = new Set([...held].filter((key) => key >> 7 !== event.channel));
      return next.size === held.size ? held : next;
    }
    case 'pedal':
    case 'sostenuto':
    case 'soft':
      return held;
  }
}

/** Whether an event is one of the three pedals (which alone is not playing). */
export function isPedal(
  event: MidiEvent,
): event is Extract<MidiEvent, { type: 'pedal' | 'sostenuto' | 'soft' }> {
  return event.type === 'pedal' || event.type === 'sostenuto' || event.type === 'soft';
}
