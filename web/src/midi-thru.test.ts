import { describe, expect, it } from 'vitest';
import { createThru, thruMessage } from './midi-thru.js';

describe('MIDI thru', () => {
  it('echoes keys as they are, on their own channel', () => {
    expect(thruMessage([0x90, 60, 100])).toEqual([0x90, 60, 100]);
    expect(thruMessage(new Uint8Array([0x93, 61, 1]))).toEqual([0x93, 61, 1]);
    expect(thruMessage([0x80, 60, 64])).toEqual([0x80, 60, 64]);
    expect(thruMessage([0x90, 60, 0])).toEqual([0x90, 60, 0]); // a note-on of velocity 0 lets go
  });

  it('echoes the sustain, sostenuto and soft pedals, and all notes off', () => {
    expect(thruMessage([0xb0, 64, 127])).toEqual([0xb0, 64, 127]);
    expect(thruMessage([0xb2, 66, 0])).toEqual([0xb2, 66, 0]);
    expect(thruMessage([0xb0, 67, 90])).toEqual([0xb0, 67, 90]);
    expect(thruMessage([0xb0, 123, 0])).toEqual([0xb0, 123, 0]);
    expect(thruMessage([0xb0, 120, 0])).toEqual([0xb0, 120, 0]);
  });

  it('leaves out everything else, and malformed messages', () => {
    expect(thruMessage([0xb0, 1, 40])).toBeNull(); // the modulation wheel
    expect(thruMessage([0xb0, 7, 100])).toBeNull(); // volume
    expect(thruMessage([0xe0, 0, 64])).toBeNull(); // pitch bend
    expect(thruMessage([0xa0, 60, 30])).toBeNull(); // aftertouch
    expect(thruMessage([0xc0, 5])).toBeNull(); // program change
    expect(thruMessage([0xf8])).toBeNull(); // clock
    expect(thruMessage([0xf0, 0x7e, 0x7f, 0xf7])).toBeNull(); // SysEx
    expect(thruMessage([0x90, 60])).toBeNull();
    expect(thruMessage([0x90, 160, 100])).toBeNull();
    expect(thruMessage([60, 100, 0])).toBeNull();
  });

  it('sends at once, without a timestamp, and lets go of what it left down on release', () => {
    const sent: { data: number[]; at: number | undefined }[] = [];
    const thru = createThru({ send: (data, at) => void sent.push({ data, at }) });
    expect(thru.forward([0xb0, 64, 127])).toBe(true);
    expect(thru.forward([0x90, 60, 90])).toBe(true);
    expect(thru.forward([0x90, 64, 80])).toBe(true);
    expect(thru.forward([0x91, 67, 70])).toBe(true);
    expect(thru.forward([0xb0, 67, 127])).toBe(true);
    expect(thru.forward([0xb0, 67, 0])).toBe(true); // the soft pedal up again
    expect(thru.forward([0x90, 64, 0])).toBe(true);
    expect(thru.forward([0xe0, 0, 64])).toBe(false);
    expect(sent.map((m) => m.data)).toEqual([
      [0xb0, 64, 127],
      [0x90, 60, 90],
      [0x90, 64, 80],
      [0x91, 67, 70],
      [0xb0, 67, 127],
      [0xb0, 67, 0],
      [0x90, 64, 0],
    ]);
    expect(sent.every((m) => m.at === undefined)).toBe(true);
    expect([...thru.held()]).toEqual([60]);
    expect([...thru.held(1)]).toEqual([67]);
    sent.length = 0;
    thru.release();
    expect(sent.map((m) => m.data)).toEqual([
      [0x80, 60, 0],
      [0x81, 67, 0],
      [0xb0, 64, 0],
    ]);
    sent.length = 0;
    thru.release(); // nothing left down
    expect(sent).toEqual([]);
    thru.forward([0x90, 60, 90]);
    thru.forward([0xb0, 123, 0]); // all notes off: nothing held any more
    expect(thru.held().size).toBe(0);
  });
});
