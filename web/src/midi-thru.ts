import type { MidiSink } from './midi-output.js';

/**
 * MIDI *thru*: what is played on the chosen input, echoed at once to the chosen MIDI output (a
 * synthesizer, a Disklavier), so the keyboard is heard there while it is recorded or answered.
 * Each message is sent as it comes, unchanged (its channel too) and with no timestamp, so it goes
 * out as soon as Web MIDI can send it: nothing is added to the way but the `send` call. Only the
 * keys and the pedals are echoed: note-on, note-off, the sustain (CC64), sostenuto (CC66) and soft
 * (CC67) pedals, and *all notes off* / *all sound off* (CC123, CC120); the rest (clock, active
 * sensing, program changes, other controllers, pitch bend, aftertouch, SysEx) is not. Thru keeps
 * track of the keys and pedals it left down, to let go of them when it is turned off or the
 * output changes. The built-in piano has no thru: it renders seconds ahead.
 */

const NOTE_OFF = 0x80;
const NOTE_ON = 0x90;
const CONTROL = 0xb0;
/** The controllers echoed: the three pedals, all sound off and all notes off. */
const PEDALS = [64, 66, 67] as const;
const ALL_OFF = [120, 123] as const;

/**
 * The message to echo for one received message (a copy of its bytes), or null when thru leaves
 * it out (not a key, a pedal or *all notes off*, or malformed).
 *
 * @example
 * thruMessage([0x90, 60, 100]); // [0x90, 60, 100]
 * thruMessage([0xb0, 67, 127]); // [0xb0, 67, 127]: the soft pedal
 * thruMessage([0xe0, 0, 64]); // null: pitch bend
 */
export function thruMessage(data: ArrayLike<number>): number[] | null {
  const status = data[0];
  if (status === undefined || status < 0x80 || status >= 0xf0 || data.length !== 3) return null;
  const d1 = data[1]!;
  const d2 = data[2]!;
  if (d1 > 0x7f || d2 > 0x7f) return null;
  const kind = status & 0xf0;
  const echoed =
    kind === NOTE_ON ||
    kind === NOTE_OFF ||
    (kind === CONTROL &&
      ((PEDALS as readonly number[]).includes(d1) || (ALL_OFF as readonly number[]).includes(d1)));
  return echoed ? [status, d1, d2] : null;
}

/** Thru on one output. */
export interface Thru {
  /** Echoes one received message if thru forwards it; returns whether it did. */
  forward(data: ArrayLike<number>): boolean;
  /** The pitches held down now through thru on a channel (0..15; default 0, channel 1). */
  held(channel?: number): ReadonlySet<number>;
  /** Lets go of every key and pedal thru left down on the output (thru off, another output). */
  release(): void;
}

/** Thru to `sink` (a Web MIDI output). */
export function createThru(sink: MidiSink): Thru {
  /** Per channel: the pitches down. */
  const keys = new Map<number, Set<number>>();
  /** Pedals down: channel × 128 + controller. */
  const pedals = new Set<number>();
  const track = ([status, d1, d2]: number[]): void => {
    const channel = status! & 0x0f;
    const kind = status! & 0xf0;
    const down = keys.get(channel) ?? new Set<number>();
    keys.set(channel, down);
    if (kind === NOTE_ON && d2! > 0) down.add(d1!);
    else if (kind === NOTE_ON || kind === NOTE_OFF) down.delete(d1!);
    else if ((ALL_OFF as readonly number[]).includes(d1!)) down.clear();
    else if (d2! >= 64) pedals.add(channel * 128 + d1!);
    else pedals.delete(channel * 128 + d1!);
  };
  return {
    forward(data) {
      const message = thruMessage(data);
      if (message === null) return false;
      sink.send(message);
      track(message);
      return true;
    },
    held(channel = 0) {
      return keys.get(channel) ?? new Set();
    },
    release() {
      for (const [channel, down] of keys) for (const pitch of down) sink.send([NOTE_OFF | channel, pitch, 0]);
      for (const pedal of pedals) sink.send([CONTROL | (pedal >> 7), pedal & 0x7f, 0]);
      keys.clear();
      pedals.clear();
    },
  };
}
