import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MidiFormatError } from '../errors.js';
import type { Note, Score } from '../score/note.js';
import { edgeCasesDir, edgeSubsetDir, pianoSubsetDir } from '../test-support/shared-data.js';
import { readMidi, type ReadMidiOptions } from './read-midi.js';

// Expectations from ../shared/data/edge-cases/EXPECTATIONS.md, section by section. Files are read from
// ../shared when present, else from the vendored subset in test/fixtures (same relative paths); tests of
// files outside the subset skip without ../shared.

const C_MAJOR = [60, 62, 64, 65, 67, 69, 71, 72];

function read(path: string, options: ReadMidiOptions = {}): Score {
  return readMidi(readFileSync(join(edgeSubsetDir, path)), { file: path, ...options });
}

function readRaw(path: string): Score {
  return read(path, { sustain: false });
}

/** [pitch, onset, end, velocity] rounded to the microsecond, for exact table comparisons. */
function spans(notes: readonly Note[]): [number, number, number, number][] {
  const round = (x: number): number => Math.round(x * 1e6) / 1e6;
  return notes.map((n) => [n.pitch, round(n.time), round(n.time + n.duration), n.velocity]);
}

function expectCMajorScale(score: Score): void {
  expect(score.notes.map((n) => n.pitch)).toEqual(C_MAJOR);
  expect(score.notes.every((n) => n.velocity === 127)).toBe(true);
  expect(score.durationSeconds).toBeCloseTo(4.0, 9);
  score.notes.forEach((n, i) => {
    expect(n.time).toBeCloseTo(i * 0.5, 9);
    expect(n.duration).toBeCloseTo(0.5, 9);
  });
}

function expectFormatError(path: string, reason: RegExp): void {
  let error: unknown;
  try {
    read(path);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(MidiFormatError);
  expect((error as MidiFormatError).message).toMatch(reason);
  expect((error as MidiFormatError).file).toBe(path);
}

const JAZZ = 'jazz-soft-test-midi-files/midi';

describe('readMidi on EXPECTATIONS.md §1 jazz-soft test files', () => {
  it.each([
    'test-c-major-scale.mid',
    'test-running-status-metaevent.mid',
    'test-smpte-offset.mid',
    'test-vlq-2-byte.mid',
    'test-vlq-3-byte.mid',
    'test-vlq-4-byte.mid',
    'test-corrupt-file-extra-byte.mid',
    'test-illegal-message-f1-xx.mid',
    'test-illegal-message-f2-xx-xx.mid',
    'test-illegal-message-f3-xx.mid',
    'test-illegal-message-f6.mid',
    'test-illegal-message-f8.mid',
    'test-illegal-message-fa.mid',
    'test-illegal-message-fb.mid',
    'test-illegal-message-fc.mid',
    'test-illegal-message-fe.mid',
  ])('%s: the C-major scale, 8 notes 60..72, 4.0 s', (file) => {
    const score = read(`${JAZZ}/${file}`);
    expectCMajorScale(score);
    if (file !== 'test-corrupt-file-extra-byte.mid') expect(score.warnings).toEqual([]);
  });

  it('running status after a SysEx is kept (lenient policy): the scale still plays', () => {
    const score = read(`${JAZZ}/test-running-status-sysex.mid`);
    expectCMajorScale(score);
    expect(score.warnings).toEqual([]);
  });

  it('the trailing stray byte is ignored', () => {
    expect(read(`${JAZZ}/test-corrupt-file-extra-byte.mid`).warnings).toEqual([
      `${JAZZ}/test-corrupt-file-extra-byte.mid: ignored 1 trailing bytes after the last chunk`,
    ]);
  });

  it('a missing last byte: 8 notes, with a warning about the overrunning chunk', () => {
    const score = read(`${JAZZ}/test-corrupt-file-missing-byte.mid`);
    expectCMajorScale(score);
    expect(score.warnings.some((w) => /declares 246 bytes but only 245 remain/.test(w))).toBe(true);
  });

  it('a Junk chunk before the track is skipped with a warning', () => {
    const score = read(`${JAZZ}/test-non-midi-track.mid`);
    expectCMajorScale(score);
    expect(score.warnings).toEqual([
      `${JAZZ}/test-non-midi-track.mid: unknown chunk 'Junk' (27 bytes) skipped (at byte 14)`,
    ]);
  });

  it.each(['f4', 'f5', 'f9', 'fd'])(
    'undefined status byte %s is skipped with a warning and the 8 notes recovered',
    (byte) => {
      const score = read(`${JAZZ}/test-illegal-message-${byte}.mid`);
      expectCMajorScale(score);
      expect(score.warnings).toHaveLength(1);
      expect(score.warnings[0]).toMatch(new RegExp(`undefined status byte 0x${byte} skipped`));
    },
  );

  it('every F1..FE status in a row: 8 notes, a warning for each of F4, F5, F9, FD', () => {
    const score = read(`${JAZZ}/test-illegal-message-all.mid`);
    expectCMajorScale(score);
    expect(score.warnings).toHaveLength(4);
  });

  it('empty and not-MIDI files raise MidiFormatError with a clear reason', () => {
    expectFormatError(`${JAZZ}/test-empty-file.mid`, /: empty file$/);
    expectFormatError(`${JAZZ}/test-not-a-midi-file.mid`, /not a MIDI file: no MThd header/);
  });

  it('a valid file with nothing but End-of-Track reads as 0 notes, no warnings', () => {
    const score = read(`${JAZZ}/test-empty.mid`);
    expect(score.notes).toEqual([]);
    expect(score.durationSeconds).toBe(0);
    expect(score.warnings).toEqual([]);
  });

  it('format 0 with 2 tracks and format 1: the two scales play together, 16 notes, 4.5 s', () => {
    for (const format of [0, 1]) {
      const score = read(`${JAZZ}/test-2-tracks-type-${format}.mid`);
      expect(score.format).toBe(format);
      expect(score.notes).toHaveLength(16);
      expect(score.durationSeconds).toBeCloseTo(4.5, 9);
      expect(score.notes.filter((n) => n.time === 0.5).map((n) => n.pitch)).toEqual([60, 61]);
    }
    expect(read(`${JAZZ}/test-2-tracks-type-0.mid`).warnings[0]).toMatch(/format 0 file with 2 tracks/);
  });

  it('format 2: the two scales play one after the other, total 9.0 s', () => {
    const score = read(`${JAZZ}/test-2-tracks-type-2.mid`);
    expect(score.format).toBe(2);
    expect(score.notes.map((n) => n.pitch)).toEqual([...C_MAJOR, 61, 63, 65, 66, 68, 70, 72, 73]);
    expect(score.notes[0]!.time).toBeCloseTo(0.5, 9);
    expect(score.notes[8]!.time).toBeCloseTo(4.5 + 0.5, 9);
    expect(score.durationSeconds).toBeCloseTo(9.0, 9);
  });

  it('note-on velocities 1..127 are kept', () => {
    const score = read(`${JAZZ}/test-note-on-velocity.mid`);
    expect(score.notes.map((n) => n.velocity)).toEqual([1, 16, 32, 48, 64, 80, 96, 112, 127]);
    expect(score.notes.every((n) => n.pitch === 60)).toBe(true);
  });

  it('the karaoke file: 29 notes, one tempo, 10.6 s, starting 64 62 60 62 64 64 64', () => {
    const score = read(`${JAZZ}/test-karaoke-kar.mid`);
    expect(score.notes).toHaveLength(29);
    expect(score.tempos).toHaveLength(1);
    expect(score.durationSeconds).toBeCloseTo(10.6, 4);
    expect(score.notes.slice(0, 7).map((n) => n.pitch)).toEqual([64, 62, 60, 62, 64, 64, 64]);
  });

  it.each([0, 1, 2, 3])('multichannel chords %i: 24 notes in 8 three-note chords, 4.0 s', (layout) => {
    const score = read(`${JAZZ}/test-multichannel-chords-${layout}.mid`);
    expect(score.notes).toHaveLength(24);
    expect(new Set(score.notes.map((n) => n.time)).size).toBe(8);
    expect(score.durationSeconds).toBeCloseTo(4.0, 9);
  });

  it('track length, silence files: durationSeconds is the end of the last note, not of the track', () => {
    expect(read(`${JAZZ}/test-track-length.mid`).durationSeconds).toBeCloseTo(0.5, 9);
    for (const name of ['end-of-track', 'all-notes-off', 'text-metaevent']) {
      const score = read(`${JAZZ}/test-silence-${name}.mid`);
      expect(score.notes).toEqual([]);
      expect(score.durationSeconds).toBe(0);
    }
  });

  it('SysEx, RPN and controller files parse with no warnings; the damper file has 8 notes', () => {
    const names = [
      'test-sysex-7e-06-01-id-request.mid',
      'test-sysex-7e-09-01-gm1-enable.mid',
      'test-sysex-7f-04-04-master-coarse-tuning.mid',
      'test-sysex-7x-08-0x-scale-tuning.mid',
      'test-rpn-00-00-pitch-bend-range.mid',
      'test-control-40-damper.mid',
      'test-control-7f-poly-mode-on.mid',
    ];
    for (const name of names) expect(read(`${JAZZ}/${name}`).warnings).toEqual([]);
    expect(read(`${JAZZ}/test-sysex-7f-04-04-master-coarse-tuning.mid`).notes).toHaveLength(8);
    expect(read(`${JAZZ}/test-control-40-damper.mid`).notes).toHaveLength(8);
  });

  it.skipIf(!edgeCasesDir)(
    'the GM/GS/XG sound lists keep their note counts (512, 1060, 5044, 4560, 904) and 3 doggy notes',
    () => {
      const counts: [string, number][] = [
        ['test-all-gm-sounds.mid', 512],
        ['test-all-gm2-sounds.mid', 1060],
        ['test-all-gs-sounds.mid', 5044],
        ['test-all-xg-sounds.mid', 4560],
        ['test-all-microsoft-gs-wavetable-synth-sounds.mid', 904],
        ['test-gm2-doggy-78-00-38-4c.mid', 3],
        ['test-gs-doggy-01-00-7b.mid', 3],
        ['test-xg-doggy-40-00-30.mid', 3],
      ];
      for (const [name, count] of counts)
        expect(read(`${JAZZ}/${name}`, { includeDrums: true }).notes).toHaveLength(count);
    },
  );

  it('MIDI 2.0 clips and a raw .syx are rejected with a clear error', () => {
    expectFormatError(
      'jazz-soft-test-midi-files/midi2/test-c-major-scale-m1-g0.midi2',
      /MIDI 2\.0 clip file/,
    );
    expectFormatError('jazz-soft-test-midi-files/midi2/test-empty.midi2', /MIDI 2\.0 clip file/);
    expectFormatError('jazz-soft-test-midi-files/midi/test-syx-7e-06-01-id-request.syx', /raw SysEx dump/);
  });
});

describe.skipIf(!edgeCasesDir)('readMidi on EXPECTATIONS.md §2 Tone.js fixtures', () => {
  it('claire_de_lune: 733 tempos; tempo[0] 100 bpm at 0 s, tempo[10] 67 bpm at tick 5040, 9.369 s', () => {
    const { tempos } = read('tonejs-midi/midi/debussy/claire_de_lune.mid');
    expect(tempos).toHaveLength(733);
    expect(60e6 / tempos[0]!.microsecondsPerQuarter).toBeCloseTo(100, 6);
    expect(tempos[0]!.time).toBe(0);
    expect(tempos[10]!.ticks).toBe(5040);
    expect(Math.round(60e6 / tempos[10]!.microsecondsPerQuarter)).toBe(67);
    expect(tempos[10]!.time).toBeCloseTo(9.369, 2);
  });

  it('bach_847: C5 (72) at tick 3, about 0.00301 s, lasting about 0.1361 s', () => {
    const first = readRaw('tonejs-midi/midi/bach/bach_847.mid').notes.find((n) => n.pitch === 72)!;
    expect(Math.abs(first.time - 0.00301)).toBeLessThan(1e-4); // mido says 0.0030612
    expect(first.duration).toBeCloseTo(0.1361, 3);
  });

  it('bach_846: first right-hand notes G4 then C5, 120 ticks long', () => {
    const notes = readRaw('tonejs-midi/midi/bach/bach_846.mid').notes;
    const g4 = notes.find((n) => n.pitch === 67)!;
    const c5 = notes.find((n) => n.pitch === 72)!;
    expect(g4.time).toBeLessThan(c5.time);
  });

  it('tchaikovsky_seasons: no negative durations, 1505 notes despite 6 extra note-offs', () => {
    const score = read('tonejs-midi/midi/tchaikovsky_seasons.mid');
    expect(score.notes).toHaveLength(1505);
    expect(score.notes.every((n) => n.duration >= 0)).toBe(true);
    expect(score.warnings.join('\n')).toMatch(/6 note-offs with no sounding note were ignored/);
  });

  it('bartok: redundant note-offs ignored, 19082 piano notes + 1 drum note', () => {
    expect(readRaw('tonejs-midi/midi/bartok/concerto_for_orchestra_1.mid').notes).toHaveLength(19082);
    expect(
      read('tonejs-midi/midi/bartok/concerto_for_orchestra_1.mid', { includeDrums: true }).notes,
    ).toHaveLength(19083);
  });

  it('230_bpm_multitrack: exactly one tempo, 230 bpm, found outside track 0', () => {
    const { tempos } = read('tonejs-midi/midi/230_bpm_multitrack.mid');
    expect(tempos).toHaveLength(1);
    expect(60e6 / tempos[0]!.microsecondsPerQuarter).toBeCloseTo(230, 0);
  });

  it('beat.mid: 390 drum notes, left out by default', () => {
    expect(read('tonejs-midi/midi/beat.mid').notes).toHaveLength(0);
    expect(read('tonejs-midi/midi/beat.mid', { includeDrums: true }).notes).toHaveLength(390);
  });

  it('symphony_7_2: PPQ 256, tempos 72, 72, 62, 54 bpm', () => {
    const score = read('tonejs-midi/midi/beethoven/symphony_7_2.mid');
    expect(score.ticksPerQuarter).toBe(256);
    expect(score.tempos.map((t) => Math.round(60e6 / t.microsecondsPerQuarter))).toEqual([72, 72, 62, 54]);
  });

  it('pitchBendTest: 60, 72, 67 of 960 ticks each', () => {
    expect(spans(readRaw('tonejs-midi/midi/pitchBendTest.mid').notes).map(([p, s, e]) => [p, s, e])).toEqual([
      [60, 0, 1],
      [72, 1, 2],
      [67, 2, 3],
    ]);
  });

  it('TheEntertainer: the undefined meta type 0x0A is skipped, 1387 + 1229 notes', () => {
    const score = read('tonejs-midi/midi/joplin/TheEntertainer.mid');
    expect(score.notes).toHaveLength(1387 + 1229);
    expect(score.warnings).toEqual([]);
  });
});

describe('readMidi on EXPECTATIONS.md §3-§7', () => {
  it.skipIf(!edgeCasesDir)('MIDIOkFormat2: format 2 reads its tracks in sequence', () => {
    const score = read('midi-json-parser/fixtures/MIDIOkFormat2.mid');
    expect(score.format).toBe(2);
    const times = score.notes.map((n) => n.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it.skipIf(!edgeCasesDir)('rachmaninov3: 19116 notes and 391 tempos; minute_waltz 588 tempos', () => {
    const score = read('midi-json-parser/fixtures/rachmaninov3.mid');
    expect(score.notes).toHaveLength(19116);
    expect(score.tempos).toHaveLength(391);
    expect(read('midi-json-parser/fixtures/minute_waltz.mid').tempos).toHaveLength(588);
  });

  it.skipIf(!edgeCasesDir)('test09 (running status compression): 2875 notes', () => {
    expect(read('music21-testPrimitive/test09.mid').notes).toHaveLength(2875);
  });

  it.skipIf(!edgeCasesDir)(
    'test10: tempos 120, 110, 90, 60 bpm at ticks 0, 1920, 3840, 5760; 16 notes of pitch 53',
    () => {
      const score = readRaw('music21-testPrimitive/test10.mid');
      expect(score.tempos.map((t) => [t.ticks, t.microsecondsPerQuarter])).toEqual([
        [0, 500000],
        [1920, 545454],
        [3840, 666666],
        [5760, 1000000],
      ]);
      expect(score.tempos[1]!.time).toBeCloseTo(2, 9);
      expect(score.tempos[2]!.time).toBeCloseTo(2 + (1920 * 545454) / 480 / 1e6, 9);
      expect(score.notes).toHaveLength(16);
      expect(score.notes.every((n) => n.pitch === 53)).toBe(true);
    },
  );

  it.skipIf(!edgeCasesDir)(
    'test13: the only tempo is at tick 1920 (2.0 s at the default 120 bpm); 8 note-ons',
    () => {
      const score = read('music21-testPrimitive/test13.mid');
      expect(score.tempos).toEqual([{ ticks: 1920, time: 2, microsecondsPerQuarter: 500000 }]);
      expect(score.notes).toHaveLength(8);
    },
  );

  it.skipIf(!edgeCasesDir)('test12: the last notes are not dropped (4 parts × 3 notes)', () => {
    const score = readRaw('music21-testPrimitive/test12.mid');
    expect(score.notes).toHaveLength(12);
    const last = Math.max(...score.notes.map((n) => n.time));
    expect(score.notes.filter((n) => n.time === last)).toHaveLength(4);
  });

  it.skipIf(!edgeCasesDir)('test16: a zero-duration G4 and a normal G4 at the same tick, then A4', () => {
    const notes = readRaw('music21-testPrimitive/test16.mid').notes;
    expect(notes.map((n) => n.pitch)).toEqual([67, 67, 69]);
    expect(notes[0]!.duration).toBe(0);
    expect(notes[1]!.duration).toBeGreaterThan(0);
  });

  it.skipIf(!edgeCasesDir)(
    'test18-21: UTF-8, GBK and EUC-KR lyrics never break reading: 34 notes each',
    () => {
      for (const n of [18, 19, 20, 21])
        expect(read(`music21-testPrimitive/test${n}.mid`).notes).toHaveLength(34);
    },
  );

  it('note-seq example.mid: the scale at 240 bpm, on every 220 ticks, held 209 ticks', () => {
    const score = readRaw('note-seq-testdata/example.mid');
    expect(score.notes.map((n) => n.pitch)).toEqual(C_MAJOR);
    score.notes.forEach((n, i) => {
      expect(n.time).toBeCloseTo(i * 0.25, 9);
      expect(n.duration).toBeCloseTo((209 / 220) * 0.25, 9);
    });
  });

  it('example_event_order: pitches 1, 2, 3 sorted by pitch at tick 0', () => {
    expect(read('note-seq-testdata/example_event_order.mid').notes.map((n) => n.pitch)).toEqual([1, 2, 3]);
  });

  it('example_is_drum: exactly 2 drum note-ons with includeDrums, none without', () => {
    const withDrums = read('note-seq-testdata/example_is_drum.mid', { includeDrums: true }).notes;
    const without = read('note-seq-testdata/example_is_drum.mid').notes;
    expect(withDrums.length - without.length).toBe(2);
  });

  it('melody.mid: 60 62 64 66 68 70 72 70 68 66 64 62', () => {
    expect(read('note-seq-testdata/melody.mid').notes.map((n) => n.pitch)).toEqual([
      60, 62, 64, 66, 68, 70, 72, 70, 68, 66, 64, 62,
    ]);
  });

  it.skipIf(!edgeCasesDir)(
    'pretty-midi example: one track, many channels, 420 tempos, 4956 notes with drums',
    () => {
      const score = read('pretty-midi/example.mid', { includeDrums: true });
      expect(score.tempos).toHaveLength(420);
      expect(score.notes).toHaveLength(4956);
    },
  );

  it.skipIf(!edgeCasesDir)('fluidsynth ⓉⒺⓈⓉ.mid: 8 notes 60..72 at velocity 120, 2.4 s', () => {
    const score = read('fluidsynth/ⓉⒺⓈⓉ.mid');
    expect(score.notes.map((n) => n.pitch)).toEqual(C_MAJOR);
    expect(score.notes.every((n) => n.velocity === 120)).toBe(true);
    expect(score.durationSeconds).toBeCloseTo(2.4, 9);
  });

  it.skipIf(!edgeCasesDir)(
    'fluidsynth èmpty.mid (MThd only): an empty score with a warning, not an error',
    () => {
      const score = read('fluidsynth/èmpty.mid');
      expect(score.notes).toEqual([]);
      expect(score.warnings[0]).toMatch(/declares 1 tracks but the file holds 0 MTrk chunks/);
    },
  );
});

describe('readMidi on EXPECTATIONS.md §8 mido hex dumps', () => {
  it('no_tracks: zero tracks is an empty score', () => {
    expect(read('mido-hexdumps/no_tracks.mid')).toMatchObject({ notes: [], warnings: [] });
  });

  it('single_message: a note never released ends at its track end (zero length) with a warning', () => {
    const score = read('mido-hexdumps/single_message.mid');
    expect(spans(score.notes)).toEqual([[64, 0.133333, 0.133333, 64]]);
    expect(score.warnings[0]).toMatch(/1 notes never released/);
  });

  it('too_long_message: a meta length beyond the chunk ends the track with a warning', () => {
    const score = read('mido-hexdumps/too_long_message.mid');
    expect(score.notes).toEqual([]);
    expect(score.warnings.join('\n')).toMatch(/the track ends inside an event length/);
  });

  it('two_tracks: notes 64 and 71 together, 0.5 s', () => {
    expect(spans(read('mido-hexdumps/two_tracks.mid').notes)).toEqual([
      [64, 0, 0.5, 16],
      [71, 0, 0.5, 16],
    ]);
  });

  it('empty_file raises; eof_in_track reads as empty with a warning', () => {
    expectFormatError('mido-hexdumps/empty_file.mid', /empty file/);
    expect(read('mido-hexdumps/eof_in_track.mid').warnings[0]).toMatch(/declares 1 bytes but only 0 remain/);
  });

  it('invalid_data_byte: the cut note-on is dropped with a warning', () => {
    const score = read('mido-hexdumps/invalid_data_byte.mid');
    expect(score.notes).toEqual([]);
    expect(score.warnings[0]).toMatch(/status byte 0xff inside a channel message: message dropped/);
  });

  it.each(['meta_messages.mid', 'meta_messages_with_length_0.mid'])(
    '%s: metas of any length, no warnings',
    (file) => {
      expect(read(`mido-hexdumps/${file}`).warnings).toEqual([]);
    },
  );

  it.each(['bad_key_sig_8_sharps.mid', 'bad_key_sig_8_flats.mid'])('%s is read, not rejected', (file) => {
    expect(read(`mido-hexdumps/${file}`).notes).toEqual([]);
  });
});

describe('readMidi on EXPECTATIONS.md §9 synthetic files', () => {
  const cases: [string, [number, number, number, number][]][] = [
    [
      'smpte-25fps-40tpf.mid',
      [
        [60, 0, 0.5, 100],
        [64, 1, 2, 90],
      ],
    ],
    [
      'smpte-30fps-80tpf.mid',
      [
        [67, 0, 1, 80],
        [72, 1.5, 2, 80],
      ],
    ],
    [
      'zero-length-notes.mid',
      [
        [60, 0, 0, 100],
        [62, 0.5, 0.5, 100],
        [64, 1, 1.5, 100],
      ],
    ],
    [
      'overlapping-same-pitch.mid', // FIFO
      [
        [60, 0, 0.5, 100],
        [60, 0.25, 0.75, 80],
      ],
    ],
    [
      'retrigger-off-after-on-same-tick.mid',
      [
        [60, 0, 0.5, 100],
        [60, 0.5, 1, 90],
      ],
    ],
    [
      'tempo-change-mid-note.mid',
      [
        [60, 0.25, 1, 100],
        [62, 1, 2, 100],
      ],
    ],
    ['mthd-length-8.mid', [[60, 0, 0.5, 100]]],
    ['unknown-chunk-before-track.mid', [[60, 0, 0.5, 100]]],
    ['no-end-of-track.mid', [[60, 0, 0.5, 100]]],
    [
      'running-status-chords.mid',
      [
        [60, 0, 0.5, 100],
        [64, 0, 0.5, 100],
        [67, 0, 0.5, 100],
        [48, 0.5, 1, 70],
      ],
    ],
    ['sysex-continuation-and-escape.mid', [[60, 0.052083, 0.552083, 100]]],
    ['riff-rmid-wrapped.rmi', [[60, 0, 0.5, 100]]],
  ];

  it.each(cases)('%s', (file, expected) => {
    for (const sustain of [true, false])
      expect(spans(read(`synthetic/${file}`, { sustain }).notes)).toEqual(expected);
  });

  it('SMPTE division: no ticks per quarter, and the tempo meta is reported but does not change timing', () => {
    const score = read('synthetic/smpte-25fps-40tpf.mid');
    expect(score.ticksPerQuarter).toBeUndefined();
    expect(score.tempos).toEqual([{ ticks: 0, time: 0, microsecondsPerQuarter: 1_000_000 }]);
  });

  it('only the unknown chunk warns', () => {
    expect(read('synthetic/unknown-chunk-before-track.mid').warnings).toEqual([
      "synthetic/unknown-chunk-before-track.mid: unknown chunk 'XFIH' (5 bytes) skipped (at byte 14)",
    ]);
    for (const file of ['mthd-length-8.mid', 'no-end-of-track.mid', 'riff-rmid-wrapped.rmi']) {
      expect(read(`synthetic/${file}`).warnings).toEqual([]);
    }
  });

  // The file deviates from EXPECTATIONS.md in one byte: note 0's note-on (byte 0x2B) is pitch 60
  // (0x3C), not 36, while its note-off is for 36; mido 1.2.10 reads the same. So the off at tick 24
  // is stray, and under FIFO pairing each C4 (60) is closed by the NEXT C4's off: the rogue note 0
  // by note 12's off, note 12 by note 72's, ..., and the last C4 stays open to the track's end.
  // Needs ../shared: the 3 MB file is not in test/fixtures.
  it.skipIf(!edgeCasesDir)(
    'huge-500k-notes: 500,000 notes, pitch 36 + (7i mod 60) except note 0, [24i, 24i+24), ends at 62,500 s',
    () => {
      const start = performance.now();
      const score = read('synthetic/huge-500k-notes.mid', { sustain: false });
      const elapsed = performance.now() - start;
      expect(score.notes).toHaveLength(500_000);
      const tick = 0.5 / 96; // seconds per tick at 120 bpm, PPQ 96
      const c4 = (i: number): number => (i === 0 ? 12 : i + 60); // whose note-off closes C4 note i
      for (let i = 0; i < 500_000; i++) {
        const note = score.notes[i]!;
        const pitch = i === 0 ? 60 : 36 + ((7 * i) % 60);
        // Onsets are 24 ticks = 0.125 s apart, so the sorted order is the file order.
        if (note.pitch !== pitch || note.velocity !== 100)
          throw new Error(`note ${i}: ${JSON.stringify(note)}`);
        const end = pitch !== 60 ? 24 * i + 24 : c4(i) < 500_000 ? 24 * c4(i) + 24 : 12_000_000;
        if (
          Math.abs(note.time - 24 * i * tick) > 1e-9 ||
          Math.abs(note.time + note.duration - end * tick) > 1e-9
        ) {
          throw new Error(`note ${i} timing: ${JSON.stringify(note)}`);
        }
      }
      expect(score.notes[0]).toEqual({ pitch: 60, velocity: 100, time: 0, duration: 1.625 });
      expect(score.durationSeconds).toBe(62_500);
      expect(score.warnings).toEqual([
        "synthetic/huge-500k-notes.mid: 1 notes never released: they end at their track's last event",
        'synthetic/huge-500k-notes.mid: 1 note-offs with no sounding note were ignored',
      ]);
      expect(elapsed).toBeLessThan(3000); // generous for loaded CI machines; ~100-200 ms when idle
    },
  );
});

describe('readMidi on piano-midi-de quirks (EXPECTATIONS.md §10)', () => {
  it('mz_311_2: durationSeconds comes from the last note (~278 s), not the stray tempo at 2011 s', () => {
    const score = readMidi(readFileSync(join(pianoSubsetDir, 'Mozart/mz_311_2.mid')), { sustain: false });
    expect(score.durationSeconds).toBeGreaterThan(270);
    expect(score.durationSeconds).toBeLessThan(285);
    expect(score.tempos.at(-1)!.time).toBeGreaterThan(2000);
  });

  it('bach_846: notes on channels 0, 2, 3, 4, 5 are all read', () => {
    const score = readMidi(readFileSync(join(pianoSubsetDir, 'Bach/bach_846.mid')), { sustain: false });
    expect(score.notes).toHaveLength(1284);
  });
});
