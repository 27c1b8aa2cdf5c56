import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MidiFormatError, NoteLimitError } from '../errors.js';
import { edgeCasesDir, edgeSubsetDir } from '../test-support/shared-data.js';
import { DEFAULT_MAX_NOTES, MAX_ONSET_SECONDS, readMidi } from './read-midi.js';
import { writeMidi } from './write-midi.js';

// Files that are odd rather than broken: a tempo of 0, a frame rate no timecode has, onsets a
// geological age away, bytes no terminal should see, and more notes than memory should hold.
// Edge cases come from ../shared/data/edge-cases (EXPECTATIONS.md), or the vendored subset.

const edge = (path: string): Uint8Array => new Uint8Array(readFileSync(join(edgeSubsetDir, path)));

function thrown(read: () => unknown): Error {
  try {
    read();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

/** A one-track SMF: MThd (format 0, `division`) and one MTrk holding `events`. */
function smf(division: number, events: number[]): Uint8Array {
  const track = [...events, 0x00, 0xff, 0x2f, 0x00];
  const n = track.length;
  return Uint8Array.of(
    ...[0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, division >> 8, division & 0xff],
    ...[0x4d, 0x54, 0x72, 0x6b, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff],
    ...track,
  );
}

describe('quoted file bytes are escaped', () => {
  it('a RIFF form with a NUL and an ESC is quoted as \\xNN (riff-rmid-wrapped.rmi, its form bytes changed)', () => {
    const bytes = edge('synthetic/riff-rmid-wrapped.rmi');
    bytes.set([0x52, 0x4d, 0x00, 0x1b], 8); // 'RM', NUL, ESC
    const error = thrown(() => readMidi(bytes, { file: 'odd.rmi' }));
    expect(error).toBeInstanceOf(MidiFormatError);
    expect(error.message).toBe("odd.rmi: not a MIDI file: RIFF form 'RM\\x00\\x1B', not 'RMID'");
    // eslint-disable-next-line no-control-regex
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('bytes above 0x7E and backslashes are escaped too', () => {
    const bytes = edge('synthetic/riff-rmid-wrapped.rmi');
    bytes.set([0x5c, 0xc2, 0x80, 0x7f], 8);
    expect(thrown(() => readMidi(bytes)).message).toBe(
      "not a MIDI file: RIFF form '\\\\\\xC2\\x80\\x7F', not 'RMID'",
    );
  });
});

describe('a tempo of 0', () => {
  it('is ignored with a warning: the previous tempo holds (tempo-change-mid-note.mid, its second tempo set to 0)', () => {
    const bytes = edge('synthetic/tempo-change-mid-note.mid');
    const second = bytes.findIndex((_, i) => i > 30 && bytes[i] === 0xff && bytes[i + 1] === 0x51);
    bytes.set([0, 0, 0], second + 3);
    const score = readMidi(bytes, { file: 'zero.mid' });
    // EXPECTATIONS.md: C4 0.25–1.00 s and D4 1.00–2.00 s with the change; without it 120 bpm holds.
    const spans = score.notes.map((n) => [n.pitch, n.time, +(n.time + n.duration).toFixed(6)]);
    expect(spans).toEqual([
      [60, 0.25, 0.75],
      [62, 0.75, 1.25],
    ]);
    expect(score.warnings).toEqual([
      `zero.mid: track 0: tempo of 0 µs per quarter note ignored: the previous tempo holds (at byte ${second + 3})`,
    ]);
    expect(score.tempos.map((t) => t.microsecondsPerQuarter)).toEqual([500_000]);
  });
});

describe('SMPTE frame rates', () => {
  it('reads the real ones (smpte-25fps-40tpf.mid, smpte-30fps-80tpf.mid) as before', () => {
    expect(readMidi(edge('synthetic/smpte-25fps-40tpf.mid')).notes[1]?.time).toBeCloseTo(1.0, 9);
    expect(readMidi(edge('synthetic/smpte-30fps-80tpf.mid')).notes[1]?.time).toBeCloseTo(1.5, 9);
  });

  it.each([
    [0x9c, 100],
    [0xe9, 23],
    [0xff, 1],
    [0x80, 128],
  ])('refuses frame byte 0x%s (%i fps), naming the file and the reason', (byte, fps) => {
    const bytes = edge('synthetic/smpte-25fps-40tpf.mid');
    bytes[12] = byte;
    const error = thrown(() => readMidi(bytes, { file: 'smpte.mid' }));
    expect(error).toBeInstanceOf(MidiFormatError);
    expect(error.message).toBe(
      `smpte.mid: SMPTE time division of ${fps} frames per second, which no timecode uses ` +
        '(24, 25, 29 = 29.97 drop-frame, or 30): the timing is unknown (at byte 12)',
    );
  });

  it('accepts 24, 25, 29 (drop-frame) and 30', () => {
    for (const fps of [24, 25, 29, 30]) {
      const bytes = smf(((256 - fps) << 8) | 10, [0x00, 0x90, 60, 100, 0x0a, 0x80, 60, 0]);
      expect(readMidi(bytes).notes).toHaveLength(1);
    }
  });
});

describe('onsets far away', () => {
  it(`refuses a note that starts after ${MAX_ONSET_SECONDS} s, naming the file and the reason`, () => {
    // 1 tick per quarter at the slowest tempo (16.8 s a quarter), then a delta of 2^28 - 1 ticks.
    const bytes = smf(
      1,
      [0x00, 0xff, 0x51, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x90, 60, 100, 0x00, 0x80, 60, 0],
    );
    const error = thrown(() => readMidi(bytes, { file: 'far.mid' }));
    expect(error).toBeInstanceOf(MidiFormatError);
    expect(error.message).toBe(
      'far.mid: a note starts at 4.50e+9 s, after the limit of 1,000,000 s (11.6 days): ' +
        "the file's timing is broken (huge delta-times or a very slow tempo)",
    );
  });

  it('keeps long but plausible pieces (a note at 11.5 hours)', () => {
    const bytes = smf(96, [0x00, 0x90, 60, 100, 0x83, 0xe6, 0xc3, 0x00, 0x90, 62, 100, 0x60, 0x80, 62, 0]);
    const notes = readMidi(bytes).notes;
    expect(notes[1]?.time).toBeCloseTo(7_971_200 / 192, 6); // 41,517 s
  });
});

describe('the note limit', () => {
  const notes = Array.from({ length: 500 }, (_, i) => ({
    pitch: 40 + (i % 40),
    velocity: 80,
    time: i * 0.01,
    duration: 0.5,
  }));
  const bytes = writeMidi(notes);

  it('is 2,000,000 by default', () => {
    expect(DEFAULT_MAX_NOTES).toBe(2_000_000);
    expect(readMidi(bytes).notes).toHaveLength(500);
  });

  it('refuses a file over it, naming the file, the count and the limit', () => {
    const error = thrown(() => readMidi(bytes, { file: 'many.mid', maxNotes: 100 }));
    expect(error).toBeInstanceOf(NoteLimitError);
    expect(error).toBeInstanceOf(MidiFormatError);
    expect(error.message).toBe('many.mid: 500 notes, over the limit of 100 notes per file');
    expect((error as NoteLimitError).notes).toBe(500);
    expect((error as NoteLimitError).limit).toBe(100);
    expect(readMidi(bytes, { maxNotes: 500 }).notes).toHaveLength(500);
    expect(readMidi(bytes, { maxNotes: Number.POSITIVE_INFINITY }).notes).toHaveLength(500);
  });

  it.skipIf(!edgeCasesDir)(
    'counts every note of huge-500k-notes.mid and refuses it under a limit of 100,000',
    () => {
      const huge = new Uint8Array(readFileSync(join(edgeCasesDir ?? '', 'synthetic', 'huge-500k-notes.mid')));
      const started = performance.now();
      const error = thrown(() => readMidi(huge, { file: 'huge.mid', maxNotes: 100_000 }));
      expect(error.message).toBe('huge.mid: 500,000 notes, over the limit of 100,000 notes per file');
      expect(performance.now() - started).toBeLessThan(5000);
    },
  );
});

if (!edgeCasesDir)
  console.warn('[howl tests] ../shared absent: the huge-500k-notes.mid note-limit test is skipped');
