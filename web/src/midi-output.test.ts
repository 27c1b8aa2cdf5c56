import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BeatGrid } from '../../src/public/index.js';
import { clickMessages, createMidiPlayer, noteMessages, silenceMessages } from './midi-output.js';

const note = (pitch: number, time: number, duration: number, velocity = 80) => ({
  pitch,
  time,
  duration,
  velocity,
});

describe('playing on a MIDI output', () => {
  it('turns notes into note-on and note-off messages in time order, offs first at a tie', () => {
    expect(noteMessages([note(64, 0.5, 0.5, 70), note(60, 0, 0.5, 100)])).toEqual([
      { at: 0, data: [0x90, 60, 100] },
      { at: 0.5, data: [0x80, 60, 0] },
      { at: 0.5, data: [0x90, 64, 70] },
      { at: 1, data: [0x80, 64, 0] },
    ]);
  });

  it('lets go of a key struck again while it sounds, at the new onset', () => {
    expect(noteMessages([note(60, 0, 2), note(60, 1, 0.5)], 3)).toEqual([
      { at: 0, data: [0x93, 60, 80] },
      { at: 1, data: [0x83, 60, 0] },
      { at: 1, data: [0x93, 60, 80] },
      { at: 1.5, data: [0x83, 60, 0] },
    ]);
  });

  it('silences a device: the keys sounding, the pedal up, all notes off', () => {
    expect(silenceMessages([60, 67])).toEqual([
      [0x80, 60, 0],
      [0x80, 67, 0],
      [0xb0, 64, 0],
      [0xb0, 123, 0],
    ]);
  });

  it('leaves the pedal and the keys a person holds alone when they play on the device too', () => {
    expect(silenceMessages([60, 67], 0, new Set([67, 72]))).toEqual([[0x80, 60, 0]]);
    expect(silenceMessages([60], 0, new Set())).toEqual([[0x80, 60, 0]]); // no pedal up, no all off
  });

  it('clicks the metronome on General MIDI channel 10: wood blocks, high on the downbeat, short', () => {
    expect(clickMessages({ at: 2, downbeat: true })).toEqual([
      { at: 2, data: [0x99, 76, 110] },
      { at: 2.05, data: [0x89, 76, 0] },
    ]);
    expect(clickMessages({ at: 2.5, downbeat: false })).toEqual([
      { at: 2.5, data: [0x99, 77, 80] },
      { at: 2.55, data: [0x89, 77, 0] },
    ]);
  });

  describe('the player', () => {
    let clock = 0;
    let sent: { data: number[]; at: number | undefined }[] = [];
    const sink = { send: (data: number[], at?: number) => void sent.push({ data, at }) };
    beforeEach(() => {
      vi.useFakeTimers();
      clock = 1000;
      sent = [];
    });
    afterEach(() => vi.useRealTimers());
    const advance = (ms: number) => {
      for (let i = 0; i < ms / 10; i++) {
        clock += 10;
        vi.advanceTimersByTime(10);
      }
    };

    it('sends each message a little ahead, stamped with its time, and ends by itself', () => {
      const player = createMidiPlayer(sink, () => clock);
      let ended = 0;
      player.onEnd = () => ended++;
      player.play([note(60, 10, 1), note(64, 10.5, 0.25), note(55, 2, 1)], 10);
      expect(player.playing).toBe(true);
      // The first messages go out at once, 50 ms ahead; nothing more than 0.25 s ahead.
      expect(sent.map((m) => [m.data, m.at])).toEqual([[[0x90, 60, 80], 1050]]);
      advance(400);
      expect(sent.map((m) => [m.data, m.at])).toEqual([
        [[0x90, 60, 80], 1050],
        [[0x90, 64, 80], 1550],
      ]);
      expect(player.position()).toBeCloseTo(10.35, 2);
      advance(1000);
      const keys = sent.filter((m) => m.data[0]! < 0xa0);
      expect(keys.map((m) => m.at)).toEqual([1050, 1550, 1800, 2050]);
      expect(ended).toBe(1);
      expect(player.playing).toBe(false);
      expect(sent.at(-1)!.data).toEqual([0xb0, 123, 0]); // all notes off at the end
    });

    it('on stop, lets go of what sounds, now and after what was queued', () => {
      const player = createMidiPlayer(sink, () => clock);
      player.play([note(60, 0, 5), note(62, 0.2, 5)], 0);
      advance(100); // 62 is queued for 1250 ms
      sent = [];
      player.stop();
      const offs = sent.filter((m) => m.data[0] === 0x80).map((m) => [m.data[1], m.at]);
      expect(offs).toEqual([
        [60, 1100],
        [62, 1100],
        [60, 1251],
        [62, 1251],
      ]);
      expect(sent.filter((m) => m.data[0] === 0xb0 && m.data[1] === 123)).toHaveLength(2);
      expect(player.position()).toBeNull();
      sent = [];
      advance(500);
      expect(sent).toEqual([]);
    });

    it('sends the metronome with the notes, stamped on the beats, while the click is on', () => {
      const player = createMidiPlayer(sink, () => clock);
      let grid: BeatGrid | null = { bpm: 120, meter: { numerator: 2, denominator: 4 }, offset: 0 };
      // From 0.75 s at 120 bpm in 2/4: beats at 1 s (a downbeat), 1.5 s, 2 s (a downbeat)...
      player.play([note(60, 0, 3)], 0.75, { click: () => grid });
      advance(1100); // sent up to 0.25 s ahead: up to 1.3 s of playing
      const clicks = () => sent.filter((m) => (m.data[0]! & 0x0f) === 9);
      const ons = clicks().filter((m) => m.data[0] === 0x99);
      expect(ons.map((m) => [m.data[1], m.at])).toEqual([
        [76, 1300], // 0.25 s of playing, after the 50 ms start: 1050 + 250
        [77, 1800],
        [76, 2300],
      ]);
      const offs = clicks().filter((m) => m.data[0] === 0x89);
      expect(offs.map((m) => [m.data[1], m.at])).toEqual([
        [76, 1350],
        [77, 1850],
        [76, 2350],
      ]);
      expect(sent.filter((m) => m.data[0] === 0x90)).toHaveLength(1); // the notes go as before
      grid = null; // the click turned off: no more clicks than those already sent
      advance(1000);
      expect(clicks()).toHaveLength(6);
      player.stop();
      sent = [];
      player.play([note(60, 0, 1)], 0); // no click asked for
      advance(1200);
      expect(sent.some((m) => (m.data[0]! & 0x0f) === 9)).toBe(false);
    });

    it('on stop, lets go only of its own keys while a person plays on the device', () => {
      const held = new Set([62]);
      const player = createMidiPlayer(
        sink,
        () => clock,
        () => held,
      );
      player.play([note(60, 0, 5), note(62, 0, 5)], 0);
      advance(100);
      sent = [];
      player.stop();
      expect(sent.map((m) => m.data)).toEqual([[0x80, 60, 0]]);
    });

    it('adds notes written while it plays, and goes round a loop', () => {
      const player = createMidiPlayer(sink, () => clock);
      player.play([note(60, 0, 0.2)], 0);
      expect(player.add([note(61, 0.1, 0.1)])).toBe(0); // too soon
      expect(player.add([note(62, 1, 0.1)])).toBe(1);
      advance(1500);
      expect(sent.filter((m) => m.data[0] === 0x90).map((m) => [m.data[1], m.at])).toEqual([
        [60, 1050],
        [62, 2050],
      ]);
      player.stop();
      sent = [];
      player.play([note(60, 1, 0.1), note(64, 3, 0.1)], 1.5, { loop: { start: 1, end: 2 } });
      expect(player.add([note(61, 1.9, 0.1)])).toBeNull(); // a loop is not fed
      advance(2000);
      const ons = sent.filter((m) => m.data[0] === 0x90).map((m) => m.at! - sent[0]!.at!);
      expect(ons.length).toBeGreaterThanOrEqual(2);
      expect(ons[1]! - ons[0]!).toBeCloseTo(1000); // once a turn; 64 (after the loop) never
      expect(sent.some((m) => m.data[1] === 64)).toBe(false);
      player.stop();
    });
  });
});
