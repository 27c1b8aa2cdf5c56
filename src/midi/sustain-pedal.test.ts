import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Note } from '../score/note.js';
import { pianoMidiDir } from '../test-support/shared-data.js';
import { readMidi } from './read-midi.js';
import { vlq } from './warm-up.js';

// Tiny SMF builder (PPQ 96, 120 bpm: 96 ticks = 0.5 s). A track is a list of [delta, ...bytes].
const u32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
function smf(tracks: [number, ...number[]][][], format = 1): Uint8Array {
  const bytes = [0x4d, 0x54, 0x68, 0x64, ...u32(6), 0, format, 0, tracks.length, 0, 96];
  for (const events of tracks) {
    const body = events.flatMap(([delta, ...event]) => [...vlq(delta), ...event]);
    bytes.push(0x4d, 0x54, 0x72, 0x6b, ...u32(body.length), ...body);
  }
  return Uint8Array.from(bytes);
}
const on = (delta: number, pitch: number, channel = 0): [number, ...number[]] => [
  delta,
  0x90 | channel,
  pitch,
  100,
];
const off = (delta: number, pitch: number, channel = 0): [number, ...number[]] => [
  delta,
  0x80 | channel,
  pitch,
  0,
];
const pedal = (delta: number, value: number, channel = 0): [number, ...number[]] => [
  delta,
  0xb0 | channel,
  64,
  value,
];
/** [pitch, onset, end] in seconds. */
const spans = (notes: Note[]): number[][] => notes.map((n) => [n.pitch, n.time, n.time + n.duration]);

describe('sustain pedal (CC64), Magenta note_seq semantics', () => {
  it('a note released while the pedal is down sounds until the pedal lifts', () => {
    const bytes = smf([[on(0, 60), pedal(48, 127), off(48, 60), pedal(192, 0)]]);
    expect(spans(readMidi(bytes).notes)).toEqual([[60, 0, 1.5]]);
    expect(spans(readMidi(bytes, { sustain: false }).notes)).toEqual([[60, 0, 0.5]]);
  });

  it('a note released after the pedal lifts keeps its own end; 63 is up, 64 is down', () => {
    expect(spans(readMidi(smf([[pedal(0, 64), on(0, 60), pedal(48, 63), off(48, 60)]])).notes)).toEqual([
      [60, 0, 0.5],
    ]);
    expect(spans(readMidi(smf([[pedal(0, 63), on(0, 60), off(96, 60), pedal(96, 0)]])).notes)).toEqual([
      [60, 0, 0.5],
    ]);
  });

  it('pedal up at the very tick of the release: the note ends there (pedal events act first)', () => {
    expect(
      spans(readMidi(smf([[pedal(0, 127), on(0, 60), off(96, 60), pedal(0, 0), pedal(96, 127)]])).notes),
    ).toEqual([[60, 0, 0.5]]);
  });

  it('pedal down at the very tick of the release: the note is held', () => {
    expect(spans(readMidi(smf([[on(0, 60), pedal(96, 127), off(0, 60), pedal(96, 0)]])).notes)).toEqual([
      [60, 0, 1],
    ]);
  });

  it('re-striking a pitch under the pedal ends the sustained note at the new onset', () => {
    const bytes = smf([[pedal(0, 127), on(0, 60), off(48, 60), on(144, 60), off(48, 60), pedal(288, 0)]]);
    expect(spans(readMidi(bytes).notes)).toEqual([
      [60, 0, 1],
      [60, 1, 2.75],
    ]);
  });

  it('re-striking cuts even a note still held (two tracks overlapping on one pitch)', () => {
    const right = [pedal(0, 127), on(0, 60), off(192, 60), pedal(96, 0)];
    const left = [on(96, 60), off(48, 60)];
    expect(spans(readMidi(smf([right, left])).notes)).toEqual([
      [60, 0, 0.5],
      [60, 0.5, 1.5],
    ]);
  });

  it('two onsets of one pitch at the same tick under the pedal: only the later is kept', () => {
    const bytes = smf([[pedal(0, 127), on(0, 60), on(0, 60), off(96, 60), off(0, 60), pedal(96, 0)]]);
    expect(spans(readMidi(bytes).notes)).toEqual([[60, 0, 1]]);
    expect(readMidi(bytes, { sustain: false }).notes).toHaveLength(2);
  });

  it('other pitches are not cut by a re-strike', () => {
    const bytes = smf([[pedal(0, 127), on(0, 60), off(48, 60), on(48, 64), off(48, 64), pedal(96, 0)]]);
    expect(spans(readMidi(bytes).notes)).toEqual([
      [60, 0, 1.25],
      [64, 0.5, 1.25],
    ]);
  });

  it('applies per channel across tracks (a separate Pedal track), not across channels', () => {
    const pedalTrack = [pedal(0, 127), pedal(192, 0)];
    const piano = [on(0, 60), off(48, 60), on(0, 62, 1), off(48, 62, 1)];
    expect(spans(readMidi(smf([pedalTrack, piano])).notes)).toEqual([
      [60, 0, 1],
      [62, 0.25, 0.5],
    ]);
  });

  it('format 2: a pedal in one sequence does not touch another, and never holds past its sequence', () => {
    const first = [pedal(0, 127), on(0, 60), off(48, 60), [96, 0xff, 0x2f, 0] as [number, ...number[]]];
    const second = [on(0, 62), off(48, 62)];
    expect(spans(readMidi(smf([first, second], 2)).notes)).toEqual([
      [60, 0, 0.75],
      [62, 0.75, 1],
    ]);
  });

  it('a pedal that never lifts holds the note until the last event of the piece', () => {
    const bytes = smf([
      [pedal(0, 127), on(0, 60), off(48, 60)],
      [on(0, 72, 1), off(384, 72, 1)],
    ]);
    expect(spans(readMidi(bytes).notes)).toEqual([
      [60, 0, 2],
      [72, 0, 2],
    ]);
  });

  it('drum notes are never sustained', () => {
    const bytes = smf([[pedal(0, 127, 9), on(0, 36, 9), off(48, 36, 9), pedal(192, 0, 9)]]);
    expect(spans(readMidi(bytes, { includeDrums: true }).notes)).toEqual([[36, 0, 0.25]]);
  });
});

describe.skipIf(!pianoMidiDir)('sustain pedal on piano-midi-de', () => {
  it('never shortens a note except by a same-pitch re-strike, and lengthens notes overall', () => {
    const dir = join(pianoMidiDir!, 'Chopin');
    const files = readdirSync(dir).sort().slice(0, 12);
    let raw = 0;
    let sustained = 0;
    let compared = 0;
    for (const name of files) {
      const bytes = readFileSync(join(dir, name));
      const dry = readMidi(bytes, { sustain: false }).notes;
      const wet = readMidi(bytes).notes;
      if (dry.length !== wet.length) continue; // a same-tick re-strike removed a note; the rest still sort alike
      compared++;
      const onsets = new Map<number, number[]>();
      for (const note of dry) onsets.set(note.pitch, [...(onsets.get(note.pitch) ?? []), note.time]);
      const order = (a: Note, b: Note): number =>
        a.time - b.time || a.pitch - b.pitch || a.velocity - b.velocity;
      const dryOrder = [...dry].sort(order);
      const wetOrder = [...wet].sort(order);
      wetOrder.forEach((note, i) => {
        const before = dryOrder[i]!;
        expect([note.pitch, note.time, note.velocity]).toEqual([before.pitch, before.time, before.velocity]);
        const end = note.time + note.duration;
        if (note.duration < before.duration - 1e-9) {
          // Cut short: it must end where the same pitch is struck again.
          expect(onsets.get(note.pitch)!.some((t) => Math.abs(t - end) < 1e-9)).toBe(true);
        }
      });
      raw += dry.reduce((sum, n) => sum + n.duration, 0);
      sustained += wet.reduce((sum, n) => sum + n.duration, 0);
    }
    expect(compared).toBeGreaterThanOrEqual(8);
    expect(sustained / raw).toBeGreaterThan(1.2);
  });
});
