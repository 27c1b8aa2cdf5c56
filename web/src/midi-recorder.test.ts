import { describe, expect, it } from 'vitest';
import { createRng, readMidi, type Note } from '../../src/public/index.js';
import { createEditor, undo } from './editor-state.js';
import { parseMidiMessage, type MidiEvent } from './midi-input.js';
import { takeAnchor, takeEnd, takeNotes, writeTake } from './midi-recorder.js';

/** Builds events from [ms, status, data1, data2] messages, as Web MIDI hands them over. */
const events = (messages: [number, number, number, number][]): MidiEvent[] =>
  messages.map(([t, ...data]) => parseMidiMessage(data, t)).filter((e): e is MidiEvent => e !== null);

const rounded = (notes: readonly Note[]) =>
  notes.map((n) => ({
    pitch: n.pitch,
    velocity: n.velocity,
    time: Math.round(n.time * 1e6) / 1e6,
    duration: Math.round(n.duration * 1e6) / 1e6,
  }));

/** The same messages as a one-track MIDI file at one tick a millisecond, ending at `endMs`. */
function smf(messages: [number, number, number, number][], endMs: number): Uint8Array {
  const vlq = (n: number): number[] => {
    const out = [n & 0x7f];
    for (n >>= 7; n > 0; n >>= 7) out.unshift((n & 0x7f) | 0x80);
    return out;
  };
  const track: number[] = [0, 0xff, 0x51, 3, 0x07, 0xa1, 0x20]; // 500,000 µs a quarter
  let at = 0;
  for (const [t, ...data] of messages) {
    track.push(...vlq(t - at), ...data);
    at = t;
  }
  track.push(...vlq(endMs - at), 0xff, 0x2f, 0);
  const size = track.length;
  const header = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xf4]; // 500 ticks a quarter
  const chunk = [0x4d, 0x54, 0x72, 0x6b, size >>> 24, (size >> 16) & 255, (size >> 8) & 255, size & 255];
  return new Uint8Array([...header, ...chunk, ...track]);
}

describe('recording a take from a MIDI keyboard', () => {
  it('turns keys into notes at the anchor, with their velocities', () => {
    const played = events([
      [1000, 0x90, 60, 100],
      [1250, 0x90, 64, 40],
      [1500, 0x80, 60, 0],
      [1750, 0x90, 64, 0],
    ]);
    expect(takeNotes(played, { piece: 4, clockMs: 1000 }, 2000)).toEqual([
      { pitch: 60, velocity: 100, time: 4, duration: 0.5 },
      { pitch: 64, velocity: 40, time: 4.25, duration: 0.5 },
    ]);
  });

  it('holds a key still down, and notes under a pedal still down, until now', () => {
    const held = events([[0, 0x90, 60, 90]]);
    expect(takeNotes(held, { piece: 0, clockMs: 0 }, 800)[0]!.duration).toBeCloseTo(0.8);
    const pedalled = events([
      [0, 0xb0, 64, 127],
      [100, 0x90, 62, 90],
      [200, 0x80, 62, 0],
    ]);
    expect(takeNotes(pedalled, { piece: 0, clockMs: 0 }, 3000)[0]!.duration).toBeCloseTo(2.9);
  });

  it('applies the sustain pedal: a release under the pedal sounds until it lifts; a re-strike ends it', () => {
    const played = events([
      [0, 0x90, 60, 80],
      [100, 0xb0, 64, 127],
      [200, 0x80, 60, 0], // held by the pedal...
      [300, 0x90, 67, 70],
      [400, 0x80, 67, 0],
      [600, 0x90, 67, 75], // ...struck again under the pedal: the first 67 ends here
      [700, 0x80, 67, 0],
      [1000, 0xb0, 64, 0], // ...until the pedal lifts
      [1100, 0x90, 72, 60],
      [1200, 0x80, 72, 0], // after the pedal: its own length
    ]);
    expect(rounded(takeNotes(played, { piece: 0, clockMs: 0 }, 1300))).toEqual([
      { pitch: 60, velocity: 80, time: 0, duration: 1 },
      { pitch: 67, velocity: 70, time: 0.3, duration: 0.3 },
      { pitch: 67, velocity: 75, time: 0.6, duration: 0.4 },
      { pitch: 72, velocity: 60, time: 1.1, duration: 0.1 },
    ]);
  });

  it('holds by the sostenuto pedal only the keys down when it went down, until it lifts', () => {
    const played = events([
      [0, 0x90, 48, 90], // down when the sostenuto goes down: held
      [0, 0x90, 52, 80], // down too, but let go after the pedal lifts: its own length
      [100, 0xb0, 66, 127],
      [200, 0x80, 48, 0],
      [300, 0x90, 60, 70], // struck under the sostenuto: not held
      [400, 0x80, 60, 0],
      [450, 0xb0, 66, 127], // pressed again while down: catches nothing more
      [500, 0x90, 64, 60],
      [600, 0x80, 64, 0],
      [1000, 0xb0, 66, 0], // the sostenuto lifts: 48 ends here
      [1200, 0x80, 52, 0],
    ]);
    expect(rounded(takeNotes(played, { piece: 0, clockMs: 0 }, 1500))).toEqual([
      { pitch: 48, velocity: 90, time: 0, duration: 1 },
      { pitch: 52, velocity: 80, time: 0, duration: 1.2 },
      { pitch: 60, velocity: 70, time: 0.3, duration: 0.1 },
      { pitch: 64, velocity: 60, time: 0.5, duration: 0.1 },
    ]);
  });

  it('sostenuto: per channel, until now while down, cut by a re-strike, and under the sustain pedal', () => {
    const stillDown = events([
      [0, 0x90, 48, 90],
      [0, 0x91, 50, 90], // channel 2: not caught by channel 1's pedal
      [50, 0xb0, 66, 127],
      [100, 0x80, 48, 0],
      [100, 0x81, 50, 0],
    ]);
    expect(rounded(takeNotes(stillDown, { piece: 0, clockMs: 0 }, 900)).map((n) => n.duration)).toEqual([
      0.9, 0.1,
    ]);
    const restruck = events([
      [0, 0x90, 48, 90],
      [50, 0xb0, 66, 127],
      [100, 0x80, 48, 0],
      [400, 0x90, 48, 70], // struck again while the sostenuto holds it: the first ends here
      [500, 0x80, 48, 0], // and the second is not held
      [1000, 0xb0, 66, 0],
    ]);
    expect(rounded(takeNotes(restruck, { piece: 0, clockMs: 0 }, 1100))).toEqual([
      { pitch: 48, velocity: 90, time: 0, duration: 0.4 },
      { pitch: 48, velocity: 70, time: 0.4, duration: 0.1 },
    ]);
    const withSustain = events([
      [0, 0x90, 48, 90],
      [50, 0xb0, 66, 127],
      [100, 0x80, 48, 0],
      [300, 0xb0, 64, 127], // the sustain pedal down when the sostenuto lifts...
      [500, 0xb0, 66, 0],
      [800, 0xb0, 64, 0], // ...holds the note on until it lifts too
    ]);
    expect(takeNotes(withSustain, { piece: 0, clockMs: 0 }, 900)[0]!.duration).toBeCloseTo(0.8);
    const without = events([
      [0, 0x90, 48, 90],
      [100, 0x80, 48, 0],
      [300, 0xb0, 64, 127],
      [800, 0xb0, 64, 0],
    ]);
    expect(takeNotes(without, { piece: 0, clockMs: 0 }, 900)[0]!.duration).toBeCloseTo(0.1);
  });

  it('keeps the velocities as played under the soft pedal, and its lengths as without it', () => {
    const plainly: [number, number, number, number][] = [
      [0, 0x90, 60, 100],
      [300, 0x80, 60, 0],
      [400, 0x90, 62, 50],
      [600, 0x80, 62, 0],
    ];
    const soft: [number, number, number, number][] = [
      [0, 0xb0, 67, 127],
      ...plainly.slice(0, 2),
      [350, 0xb0, 67, 0],
      ...plainly.slice(2),
    ];
    const expected = takeNotes(events(plainly), { piece: 1, clockMs: 0 }, 700);
    expect(expected.map((n) => n.velocity)).toEqual([100, 50]);
    expect(takeNotes(events(soft), { piece: 1, clockMs: 0 }, 700)).toEqual(expected);
  });

  it('keeps the pedal to its channel, leaves channel 10 out, brings pitches into 0..119 by octave', () => {
    const played = events([
      [0, 0xb1, 64, 127], // pedal on channel 2 only
      [0, 0x90, 60, 80],
      [0, 0x91, 64, 80],
      [0, 0x99, 36, 100], // a drum
      [0, 0x90, 127, 50], // G9 → G8
      [100, 0x80, 60, 0],
      [100, 0x81, 64, 0],
      [100, 0x80, 127, 0],
      [100, 0x89, 36, 0],
    ]);
    const notes = takeNotes(played, { piece: 0, clockMs: 0 }, 500);
    expect(notes.map((n) => [n.pitch, Math.round(n.duration * 1000)])).toEqual([
      [60, 100],
      [64, 500], // held by channel 2's pedal until now
      [115, 100],
    ]);
  });

  it('lets go of a channel on all notes off, and ignores a key released that was down before', () => {
    const played = events([
      [0, 0x80, 50, 0], // released, pressed before recording
      [0, 0x90, 60, 80],
      [0, 0x90, 64, 80],
      [300, 0xb0, 123, 0],
    ]);
    expect(takeNotes(played, { piece: 1, clockMs: 0 }, 900).map((n) => n.duration)).toEqual([0.3, 0.3]);
  });

  it('reads what was played exactly as the importer reads the same events from a file', () => {
    const rng = createRng(7);
    let pedalled = 0;
    for (let round = 0; round < 40; round++) {
      const messages: [number, number, number, number][] = [];
      let t = 0;
      for (let i = 0; i < 60; i++) {
        t += 1 + Math.floor(rng.next() * 150);
        const channel = rng.next() < 0.8 ? 0 : rng.next() < 0.5 ? 1 : 9;
        const pitch = 50 + Math.floor(rng.next() * 8) + (rng.next() < 0.05 ? 70 : 0);
        const r = rng.next();
        if (r < 0.15) messages.push([t, 0xb0 | channel, 64, rng.next() < 0.5 ? 127 : 0]);
        else if (r < 0.55) messages.push([t, 0x90 | channel, pitch, 1 + Math.floor(rng.next() * 126)]);
        else messages.push([t, 0x80 | channel, pitch, 0]);
      }
      const imported = readMidi(smf(messages, t)).notes;
      if (JSON.stringify(imported) !== JSON.stringify(readMidi(smf(messages, t), { sustain: false }).notes))
        pedalled++;
      const recorded = takeNotes(events(messages), { piece: 0, clockMs: 0 }, t);
      const order = (a: Note, b: Note) => a.time - b.time || a.pitch - b.pitch || a.duration - b.duration;
      const fromFile = imported.filter((n) => n.duration > 0); // a take's notes are at least 10 ms
      const fromTake = recorded.filter((n) => n.duration > 0.0100001);
      expect(rounded(fromTake.sort(order)), `round ${round}`).toEqual(
        rounded(fromFile.filter((n) => n.duration > 0.0100001).sort(order)),
      );
      expect(recorded.length).toBe(imported.length);
    }
    expect(pedalled).toBeGreaterThan(20); // the pedal changed the notes in most rounds
  });

  it('starts at the cursor, or where a playing sound was when the first key came, no later than allowed', () => {
    expect(takeAnchor(5000, 3, null)).toEqual({ piece: 3, clockMs: 5000 });
    expect(takeAnchor(5000, 3, { piece: 10, clockMs: 4000, latest: Infinity })).toEqual({
      piece: 11,
      clockMs: 5000,
    });
    expect(takeAnchor(9000, 3, { piece: 10, clockMs: 4000, latest: 12 })).toEqual({
      piece: 12,
      clockMs: 9000,
    });
    expect(takeEnd([])).toBeNull();
    expect(
      takeEnd([
        { pitch: 60, velocity: 1, time: 1, duration: 2 },
        { pitch: 61, velocity: 1, time: 2, duration: 0.5 },
      ]),
    ).toBe(3);
  });

  it('writes a take beside the notes there as one undo step that grows as it is played', () => {
    const before = createEditor([
      { pitch: 40, velocity: 50, time: 0, duration: 1 },
      { pitch: 41, velocity: 50, time: 5, duration: 1 },
    ]);
    const first = writeTake(before, [], [{ pitch: 60, velocity: 90, time: 2, duration: 0.1 }]);
    expect(first.state.notes.map((n) => n.pitch)).toEqual([40, 60, 41]);
    expect(first.state.past).toHaveLength(1);
    const grown = writeTake(first.state, first.take, [
      { pitch: 60, velocity: 90, time: 2, duration: 0.5 },
      { pitch: 62, velocity: 70, time: 2.4, duration: 0.1 },
    ]);
    expect(grown.state.notes.map((n) => [n.pitch, n.duration])).toEqual([
      [40, 1],
      [60, 0.5],
      [62, 0.1],
      [41, 1],
    ]);
    expect(grown.take[0]).toBe(first.take[0]); // the same note keeps its id
    expect(grown.state.past).toHaveLength(1); // still one step
    expect(undo(grown.state).notes).toEqual(before.notes);
    // Undone while playing: the take comes back as a new step.
    const again = writeTake(undo(grown.state), grown.take, [
      { pitch: 60, velocity: 90, time: 2, duration: 1 },
    ]);
    expect(again.state.notes).toHaveLength(3);
    expect(again.state.past).toHaveLength(1);
  });
});
