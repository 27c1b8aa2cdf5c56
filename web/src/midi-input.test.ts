import { describe, expect, it } from 'vitest';
import { heldAfter, isPedal, messageTime, parseMidiMessage } from './midi-input.js';

describe('MIDI messages from a keyboard', () => {
  it('reads keys on any channel; a note-on of velocity 0 is a note-off', () => {
    expect(parseMidiMessage([0x90, 60, 100], 12.5)).toEqual({
      type: 'note-on',
      time: 12.5,
      channel: 0,
      pitch: 60,
      velocity: 100,
    });
    expect(parseMidiMessage(new Uint8Array([0x93, 61, 1]), 0)).toMatchObject({ channel: 3, velocity: 1 });
    expect(parseMidiMessage([0x80, 60, 64], 20)).toEqual({
      type: 'note-off',
      time: 20,
      channel: 0,
      pitch: 60,
    });
    expect(parseMidiMessage([0x9f, 60, 0], 20)).toEqual({
      type: 'note-off',
      time: 20,
      channel: 15,
      pitch: 60,
    });
  });

  it('reads the sustain pedal as the importer does: down from 64', () => {
    expect(parseMidiMessage([0xb0, 64, 127], 5)).toEqual({ type: 'pedal', time: 5, channel: 0, down: true });
    expect(parseMidiMessage([0xb0, 64, 64], 5)).toMatchObject({ down: true });
    expect(parseMidiMessage([0xb0, 64, 63], 5)).toMatchObject({ down: false });
    expect(parseMidiMessage([0xb2, 64, 0], 5)).toMatchObject({ type: 'pedal', channel: 2, down: false });
  });

  it('reads the sostenuto (CC66) and soft (CC67) pedals, down from 64; they hold no key', () => {
    expect(parseMidiMessage([0xb0, 66, 127], 7)).toEqual({
      type: 'sostenuto',
      time: 7,
      channel: 0,
      down: true,
    });
    expect(parseMidiMessage([0xb3, 66, 63], 7)).toEqual({
      type: 'sostenuto',
      time: 7,
      channel: 3,
      down: false,
    });
    expect(parseMidiMessage([0xb0, 67, 64], 8)).toEqual({ type: 'soft', time: 8, channel: 0, down: true });
    expect(parseMidiMessage([0xb0, 67, 0], 8)).toMatchObject({ type: 'soft', down: false });
    const held: ReadonlySet<number> = new Set([60]);
    expect(heldAfter(held, parseMidiMessage([0xb0, 66, 127], 0)!)).toBe(held);
    expect(heldAfter(held, parseMidiMessage([0xb0, 67, 127], 0)!)).toBe(held);
    expect(isPedal(parseMidiMessage([0xb0, 67, 127], 0)!)).toBe(true);
    expect(isPedal(parseMidiMessage([0x90, 60, 1], 0)!)).toBe(false);
  });

  it('reads all notes off and all sound off', () => {
    expect(parseMidiMessage([0xb0, 123, 0], 1)).toEqual({ type: 'all-off', time: 1, channel: 0 });
    expect(parseMidiMessage([0xb1, 120, 0], 1)).toEqual({ type: 'all-off', time: 1, channel: 1 });
  });

  it('leaves out everything else, and malformed messages', () => {
    expect(parseMidiMessage([0xfe], 0)).toBeNull(); // active sensing
    expect(parseMidiMessage([0xf8], 0)).toBeNull(); // clock
    expect(parseMidiMessage([0xf0, 0x7e, 0x7f, 0xf7], 0)).toBeNull(); // SysEx
    expect(parseMidiMessage([0xb0, 1, 40], 0)).toBeNull(); // the modulation wheel
    expect(parseMidiMessage([0xe0, 0, 64], 0)).toBeNull(); // pitch bend
    expect(parseMidiMessage([0xc0, 5], 0)).toBeNull(); // program change
    expect(parseMidiMessage([0xd0, 80], 0)).toBeNull(); // channel pressure
    expect(parseMidiMessage([0x90, 60], 0)).toBeNull(); // a byte missing
    expect(parseMidiMessage([0x90, 160, 100], 0)).toBeNull(); // a status byte as data
    expect(parseMidiMessage([60, 100, 0], 0)).toBeNull(); // no status
    expect(parseMidiMessage([], 0)).toBeNull();
  });

  it("keeps a message's own time when it is on the page's clock", () => {
    expect(messageTime(1000.25, 1010)).toBe(1000.25);
    expect(messageTime(0, 1010)).toBe(1010);
    expect(messageTime(Number.NaN, 1010)).toBe(1010);
    expect(messageTime(5_000_000, 1010)).toBe(1010);
  });

  it('tracks the keys held down', () => {
    const on = (pitch: number, channel = 0) => parseMidiMessage([0x90 | channel, pitch, 90], 0)!;
    const off = (pitch: number, channel = 0) => parseMidiMessage([0x80 | channel, pitch, 0], 0)!;
    let held: ReadonlySet<number> = new Set();
    held = heldAfter(held, on(60));
    held = heldAfter(held, on(64));
    held = heldAfter(held, on(60, 1));
    expect(held.size).toBe(3);
    expect(heldAfter(held, parseMidiMessage([0xb0, 64, 127], 0)!)).toBe(held);
    expect(heldAfter(held, off(72))).toBe(held); // a key not held
    held = heldAfter(held, off(60));
    expect([...held].sort((a, b) => a - b)).toEqual([64, 128 + 60]);
    held = heldAfter(held, parseMidiMessage([0xb0, 123, 0], 0)!);
    expect([...held]).toEqual([128 + 60]);
  });
});
