import { fc, test } from '@fast-check/vitest';
import { parseMidi, writeMidi as encodeWithMidiFile } from 'midi-file';
import type { MidiEvent } from 'midi-file';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { Note, Score } from '../score/note.js';
import { readMidi } from './read-midi.js';
import { writeMidi } from './write-midi.js';

/** Events of the single track with absolute ticks, meta events left out unless asked for. */
function events(bytes: Uint8Array, withMeta = false): (MidiEvent & { tick: number })[] {
  const track = parseMidi(bytes).tracks[0] ?? [];
  let tick = 0;
  return track
    .map((event) => ({ ...event, tick: (tick += event.deltaTime) }))
    .filter((event) => withMeta || event.type === 'noteOn' || event.type === 'noteOff');
}

/** `[type, tick, pitch, velocity]` of each note event, for compact expectations. */
function noteEvents(bytes: Uint8Array): [string, number, number, number][] {
  return events(bytes).map((e) =>
    e.type === 'noteOn' || e.type === 'noteOff' ? [e.type, e.tick, e.noteNumber, e.velocity] : ['', 0, 0, 0],
  );
}

/** The channel of each note-on, in file order. */
function onChannels(bytes: Uint8Array): number[] {
  return events(bytes).flatMap((e) => (e.type === 'noteOn' ? [e.channel] : []));
}

const note = (pitch: number, time: number, duration: number, velocity = 100): Note => ({
  pitch,
  velocity,
  time,
  duration,
});

describe('writeMidi: the file it makes', () => {
  it('writes format 0, one track: name, tempo, program, notes, end of track', () => {
    const bytes = writeMidi([note(60, 0, 0.5, 90), note(64, 0.25, 1, 30)], { trackName: 'Piano' });
    const midi = parseMidi(bytes);
    expect(midi.header).toMatchObject({ format: 0, numTracks: 1, ticksPerBeat: 960 });
    expect(midi.tracks).toHaveLength(1);
    const all = events(bytes, true);
    expect(all.slice(0, 3)).toMatchObject([
      { type: 'trackName', text: 'Piano', tick: 0 },
      { type: 'setTempo', microsecondsPerBeat: 500_000, tick: 0 },
      { type: 'programChange', channel: 0, programNumber: 0, tick: 0 },
    ]);
    expect(all.at(-1)).toMatchObject({ type: 'endOfTrack', tick: 2400 });
    // 120 bpm, 960 ticks per quarter: 1920 ticks per second.
    expect(noteEvents(bytes)).toEqual([
      ['noteOn', 0, 60, 90],
      ['noteOn', 480, 64, 30],
      ['noteOff', 960, 60, 64],
      ['noteOff', 2400, 64, 64],
    ]);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes.slice(0, 4), (b) => String.fromCharCode(b)).join('')).toBe('MThd');
  });

  it('uses the options: ticks per quarter, tempo, program, no name by default', () => {
    const bytes = writeMidi([note(21, 1, 1)], { ticksPerQuarter: 480, bpm: 90, program: 4 });
    expect(parseMidi(bytes).header.ticksPerBeat).toBe(480);
    const all = events(bytes, true);
    expect(all.some((e) => e.type === 'trackName')).toBe(false);
    expect(all).toContainEqual(expect.objectContaining({ type: 'setTempo', microsecondsPerBeat: 666_667 }));
    expect(all).toContainEqual(expect.objectContaining({ type: 'programChange', programNumber: 4 }));
    const perSecond = (480 * 1e6) / 666_667;
    expect(noteEvents(bytes)).toEqual([
      ['noteOn', Math.round(perSecond), 21, 100],
      ['noteOff', Math.round(2 * perSecond), 21, 64],
    ]);
  });

  it('writes a time signature after the tempo when asked, so sequencers show the bars', () => {
    const bytes = writeMidi([note(60, 0, 1)], { bpm: 90, timeSignature: { numerator: 6, denominator: 8 } });
    const all = events(bytes, true);
    const tempoAt = all.findIndex((e) => e.type === 'setTempo');
    const signatureAt = all.findIndex((e) => e.type === 'timeSignature');
    expect(signatureAt).toBe(tempoAt + 1);
    expect(all[signatureAt]).toMatchObject({
      tick: 0,
      numerator: 6,
      denominator: 8,
      metronome: 12,
      thirtyseconds: 8,
    });
    expect(events(writeMidi([note(60, 0, 1)]), true).some((e) => e.type === 'timeSignature')).toBe(false);
    // The notes keep their seconds: a reader gets them back through the tempo.
    expect(readMidi(bytes).notes[0]).toMatchObject({ time: 0, duration: expect.closeTo(1, 3) });
    expect(readMidi(bytes).tempos).toEqual([expect.objectContaining({ microsecondsPerQuarter: 666_667 })]);
    const threeFour = writeMidi([], { timeSignature: { numerator: 3, denominator: 4 } });
    expect(events(threeFour, true)).toContainEqual(
      expect.objectContaining({ type: 'timeSignature', numerator: 3, denominator: 4, metronome: 24 }),
    );
    expect(() => writeMidi([], { timeSignature: { numerator: 3, denominator: 3 } })).toThrow(
      'time signature denominator 3 is not one of 1, 2, 4, 8, 16, 32',
    );
    expect(() => writeMidi([], { timeSignature: { numerator: 0, denominator: 4 } })).toThrow(
      'time signature numerator 0 is not an integer in 1..255',
    );
  });

  it('writes bytes that midi-file parses and writes back identically', () => {
    const input = [note(60, 0, 0.5, 90), note(60, 0.25, 1, 30), note(127, 3, 0), note(0, 0.0001, 20, 1)];
    const bytes = writeMidi(input, { trackName: 'Étude', program: 2 });
    expect(Uint8Array.from(encodeWithMidiFile(parseMidi(bytes)))).toEqual(bytes);
  });

  it('writes delta times of every length (1 to 4 bytes)', () => {
    const times = [0, 0.05, 5, 1000, 100_000]; // 0, 96, 9600, 1.92e6, 1.92e8 ticks
    const bytes = writeMidi(times.map((t) => note(60, t, 0)));
    expect(
      noteEvents(bytes)
        .filter(([type]) => type === 'noteOn')
        .map(([, tick]) => tick),
    ).toEqual(times.map((t) => t * 1920));
  });

  it('writes the track name as UTF-8', () => {
    const bytes = writeMidi([], { trackName: 'Clair é' });
    const utf8 = [...new TextEncoder().encode('Clair é')];
    const at = bytes.findIndex((_, i) => bytes[i] === 0xff && bytes[i + 1] === 0x03);
    expect(Array.from(bytes.slice(at + 2, at + 3 + utf8.length))).toEqual([utf8.length, ...utf8]);
  });

  it('puts note-offs before note-ons on the same tick, so a retriggered pitch survives', () => {
    expect(noteEvents(writeMidi([note(60, 0.5, 0.5, 80), note(60, 0, 0.5, 70)]))).toEqual([
      ['noteOn', 0, 60, 70],
      ['noteOff', 960, 60, 64],
      ['noteOn', 960, 60, 80],
      ['noteOff', 1920, 60, 64],
    ]);
  });

  it('keeps zero-duration notes as an on then an off on the same tick', () => {
    expect(noteEvents(writeMidi([note(62, 1, 0.25), note(60, 1, 0), note(60, 0.5, 0.5)]))).toEqual([
      ['noteOn', 960, 60, 100],
      ['noteOff', 1920, 60, 64], // the note that ends here first
      ['noteOn', 1920, 60, 100], // then the zero-length note's on
      ['noteOn', 1920, 62, 100],
      ['noteOff', 1920, 60, 64], // its off last
      ['noteOff', 2400, 62, 64],
    ]);
  });

  it('orders same-pitch onsets on one tick shortest first, so FIFO pairing keeps durations', () => {
    expect(noteEvents(writeMidi([note(60, 0, 1, 10), note(60, 0, 0.5, 20)]))).toEqual([
      ['noteOn', 0, 60, 20],
      ['noteOn', 0, 60, 10],
      ['noteOff', 960, 60, 64],
      ['noteOff', 1920, 60, 64],
    ]);
  });

  it('puts a note starting while its pitch still sounds on the next free channel, never 10', () => {
    const nested = [
      note(60, 0, 2),
      note(60, 0.5, 0.5),
      note(60, 0.75, 0.1),
      note(60, 2, 1),
      note(62, 0.5, 1),
    ];
    const bytes = writeMidi(nested, { program: 1 });
    expect(onChannels(bytes)).toEqual([0, 1, 0, 2, 0]); // onsets 0 (60), 0.5 (60, 62), 0.75, 2
    const programs = events(bytes, true).flatMap((e) =>
      e.type === 'programChange' ? [[e.channel, e.programNumber]] : [],
    );
    expect(programs).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    const stacked = Array.from({ length: 17 }, (_, i) => note(60, i * 0.01, 10));
    expect(onChannels(writeMidi(stacked))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 0, 1]);
  });

  it('writes an empty file for no notes, and accepts a Score', () => {
    expect(noteEvents(writeMidi([]))).toEqual([]);
    const score: Score = {
      notes: [note(60, 0, 1)],
      format: 1,
      ticksPerQuarter: 96,
      tempos: [],
      durationSeconds: 1,
      warnings: [],
    };
    expect(writeMidi(score)).toEqual(writeMidi(score.notes));
  });

  it('does not mutate its input', () => {
    const input = [note(64, 1, 1), note(60, 0, 0.5)];
    const copy = structuredClone(input);
    writeMidi(input);
    expect(input).toEqual(copy);
  });

  it('rejects invalid notes naming the index and value', () => {
    const ok = note(60, 0, 1);
    const cases: [Note, string][] = [
      [{ ...ok, time: -1 }, 'note 1: time -1 is not a finite number of seconds >= 0'],
      [{ ...ok, time: Number.NaN }, 'note 1: time NaN'],
      [{ ...ok, duration: -0.5 }, 'note 1: duration -0.5'],
      [{ ...ok, duration: Infinity }, 'note 1: duration Infinity'],
      [{ ...ok, pitch: 128 }, 'note 1: pitch 128 is not an integer in 0..127'],
      [{ ...ok, pitch: -1 }, 'note 1: pitch -1'],
      [{ ...ok, pitch: 60.5 }, 'note 1: pitch 60.5'],
      [{ ...ok, velocity: 0 }, 'note 1: velocity 0 is not an integer in 1..127'],
      [{ ...ok, velocity: 128 }, 'note 1: velocity 128'],
    ];
    for (const [bad, message] of cases) {
      expect(() => writeMidi([ok, bad])).toThrow(InvalidArgumentError);
      expect(() => writeMidi([ok, bad])).toThrow(message);
    }
  });

  it('rejects invalid options and gaps a delta time cannot hold', () => {
    expect(() => writeMidi([], { ticksPerQuarter: 0 })).toThrow(
      'ticksPerQuarter 0 is not an integer in 1..32767',
    );
    expect(() => writeMidi([], { ticksPerQuarter: 40_000 })).toThrow(InvalidArgumentError);
    expect(() => writeMidi([], { bpm: 0 })).toThrow(/bpm 0/);
    expect(() => writeMidi([], { bpm: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => writeMidi([], { program: 128 })).toThrow('program 128');
    expect(() => writeMidi([note(60, 200_000, 1)])).toThrow(InvalidArgumentError);
  });
});

// ---- Round trip through readMidi -------------------------------------------------------------

/**
 * Generated notes: pitch 0..119, velocity 1..127, onset 0..600 s, duration 0..10 s, up to 200 of
 * them. Pitches, onsets and durations are often drawn from narrow ranges (a few pitches, the first
 * 5 s, sub-tick lengths, exact zeros) so that same-pitch neighbours, shared ticks and zero-length
 * notes are common. Same-pitch notes never overlap (MIDI cannot tell overlapping same-pitch notes
 * apart; readers pair them FIFO) and their onsets are at least 2 ms apart, so sorting by
 * (pitch, onset) lines input and output up. Many notes start exactly where the previous note of
 * their pitch ends (a retrigger: its note-off and the new note-on share a tick).
 */
const arbNotes = fc
  .array(
    fc.record({
      pitch: fc.oneof(fc.integer({ min: 0, max: 119 }), fc.integer({ min: 58, max: 62 })),
      velocity: fc.integer({ min: 1, max: 127 }),
      time: fc.oneof(
        fc.double({ min: 0, max: 600, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
      ),
      duration: fc.oneof(
        fc.constant(0),
        fc.double({ min: 0, max: 0.001, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
      ),
      abut: fc.boolean(),
    }),
    { maxLength: 200, size: 'max' },
  )
  .map((raw) => {
    const lastOf = new Map<number, Note>();
    const kept: Note[] = [];
    for (const { abut, ...n } of [...raw].sort((a, b) => a.time - b.time)) {
      const prev = lastOf.get(n.pitch);
      const prevEnd = prev ? prev.time + prev.duration : 0;
      const time = abut && prev ? prevEnd : n.time;
      if (time > 600 || (prev && !(time >= prevEnd && time >= prev.time + 0.002))) continue;
      const note = { ...n, time };
      kept.push(note);
      lastOf.set(n.pitch, note);
    }
    // Hand them over in no particular order: writeMidi sorts.
    return kept.reverse();
  });

const byPitchThenTime = (a: Note, b: Note): number => a.pitch - b.pitch || a.time - b.time;

function expectSameNotes(actual: readonly Note[], expected: readonly Note[], tolerance: number): void {
  const got = [...actual].sort(byPitchThenTime);
  const want = [...expected].sort(byPitchThenTime);
  expect(got).toHaveLength(want.length);
  got.forEach((n, i) => {
    const w = want[i] as Note;
    expect({ pitch: n.pitch, velocity: n.velocity }).toEqual({ pitch: w.pitch, velocity: w.velocity });
    expect(Math.abs(n.time - w.time)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(n.duration - w.duration)).toBeLessThanOrEqual(tolerance);
  });
}

/** Up to 15 notes on two pitches in 2 s, overlapping freely (onsets of one pitch >= 2 ms apart). */
const arbOverlapping = fc
  .array(
    fc.record({
      pitch: fc.integer({ min: 60, max: 61 }),
      velocity: fc.integer({ min: 1, max: 127 }),
      time: fc.double({ min: 0, max: 2, noNaN: true }),
      duration: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 3, noNaN: true })),
    }),
    { maxLength: 15 },
  )
  .map((raw) => {
    const lastOnset = new Map<number, number>();
    return [...raw]
      .sort((a, b) => a.time - b.time)
      .filter((n) => {
        const prev = lastOnset.get(n.pitch);
        if (prev !== undefined && n.time < prev + 0.002) return false;
        lastOnset.set(n.pitch, n.time);
        return true;
      });
  });

describe('writeMidi then readMidi', () => {
  it('gives back retriggered and zero-duration notes', () => {
    const input = [note(60, 0, 0.5, 70), note(60, 0.5, 0.5, 80), note(60, 1, 0, 90), note(72, 1, 0, 5)];
    expectSameNotes(readMidi(writeMidi(input), { sustain: false }).notes, input, 1e-3);
  });

  it('gives back overlapping same-pitch notes with their own ends, even 17 deep', () => {
    const nested = [note(60, 0, 2, 1), note(60, 0.5, 0.5, 2), note(60, 0.75, 0.1, 3), note(60, 1.9, 1, 4)];
    expectSameNotes(readMidi(writeMidi(nested), { sustain: false }).notes, nested, 1e-3);
    const stacked = Array.from({ length: 17 }, (_, i) => note(60, i * 0.01, 10 - i * 0.001, i + 1));
    expectSameNotes(readMidi(writeMidi(stacked), { sustain: false }).notes, stacked, 1e-3);
  });

  it('gives back notes at other resolutions and tempi', () => {
    const input = [note(0, 0.001, 0.002, 1), note(119, 3.3333, 1.25, 127), note(64, 0.0005, 7, 64)];
    for (const options of [{ ticksPerQuarter: 480, bpm: 60 }, { ticksPerQuarter: 32767, bpm: 200 }, {}]) {
      const tick = 60 / ((options.bpm ?? 120) * (options.ticksPerQuarter ?? 960));
      expectSameNotes(readMidi(writeMidi(input, options), { sustain: false }).notes, input, tick * 1.01);
    }
  });

  test.prop([arbNotes], { numRuns: 200 })(
    'readMidi(writeMidi(notes)) equals the notes within 1 ms',
    (input) => {
      const score = readMidi(writeMidi(input), { sustain: false });
      expectSameNotes(score.notes, input, 1e-3);
      // The reader's order is the original's: onset rounded to 10 ms, then pitch.
      score.notes.forEach((n, i) => {
        const prev = score.notes[i - 1];
        if (prev)
          expect(Math.round(prev.time * 100) * 1000 + prev.pitch).toBeLessThanOrEqual(
            Math.round(n.time * 100) * 1000 + n.pitch,
          );
      });
    },
  );
});

test.prop([arbOverlapping], { numRuns: 300 })('overlapping same-pitch notes keep their own ends', (input) => {
  expectSameNotes(readMidi(writeMidi(input), { sustain: false }).notes, input, 1e-3);
});
