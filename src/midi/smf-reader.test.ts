import { describe, expect, it } from 'vitest';
import { MidiFormatError } from '../errors.js';
import type { Note } from '../score/note.js';
import { readMidi } from './read-midi.js';

// Tiny SMF builder: a track is a list of [delta, ...event bytes]; End-of-Track is not added.
const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));
const u32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
function vlq(n: number): number[] {
  const out = [n & 0x7f];
  for (let rest = Math.floor(n / 128); rest > 0; rest = Math.floor(rest / 128))
    out.unshift((rest & 0x7f) | 0x80);
  return out;
}
function track(...events: [number, ...number[]][]): number[] {
  return events.flatMap(([delta, ...bytes]) => [...vlq(delta), ...bytes]);
}
function chunk(id: string, body: number[], length = body.length): number[] {
  return [...ascii(id), ...u32(length), ...body];
}
function smf(tracks: number[][], { format = 1, division = 96, ntrks = tracks.length } = {}): Uint8Array {
  const header = chunk('MThd', [0, format, ntrks >> 8, ntrks & 255, division >> 8, division & 255]);
  return Uint8Array.from([...header, ...tracks.flatMap((t) => chunk('MTrk', t))]);
}
const EOT: [number, ...number[]] = [0, 0xff, 0x2f, 0];
const spans = (notes: Note[]): number[][] =>
  notes.map((n) => [n.pitch, n.time, n.time + n.duration, n.velocity]);

function errorOf(bytes: Uint8Array): MidiFormatError {
  try {
    readMidi(bytes, { file: 'x.mid' });
  } catch (error) {
    if (error instanceof MidiFormatError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('readMidi: container and header', () => {
  const scale = smf([track([0, 0x90, 60, 100], [96, 0x80, 60, 64], EOT)]);

  it('reads a Uint8Array that sits inside a bigger ArrayBuffer at an odd offset', () => {
    const pool = new Uint8Array(8192).fill(0xee);
    pool.set(scale, 13);
    const view = pool.subarray(13, 13 + scale.length);
    expect(spans(readMidi(view).notes)).toEqual([[60, 0, 0.5, 100]]);
    expect(readMidi(view)).toEqual(readMidi(scale));
  });

  it('rejects empty, non-MIDI, truncated and unusable headers with clear reasons', () => {
    expect(errorOf(new Uint8Array()).message).toBe('x.mid: empty file');
    expect(errorOf(Uint8Array.from(ascii('hello, world'))).message).toBe(
      'x.mid: not a MIDI file: no MThd header',
    );
    expect(errorOf(Uint8Array.from(ascii('MTh'))).message).toBe('x.mid: truncated header (at byte 0)');
    expect(errorOf(scale.subarray(0, 10)).message).toMatch(/truncated header: 10 bytes, an MThd needs 14/);
    expect(errorOf(smf([], { division: 0 })).message).toMatch(/time division is 0 ticks per quarter note/);
    expect(errorOf(Uint8Array.from([...ascii('RIFF'), 4, 0, 0, 0, ...ascii('WAVE')])).message).toMatch(
      /RIFF form 'WAVE'/,
    );
    expect(errorOf(Uint8Array.from([...ascii('MThd'), ...u32(2), 0, 1, 0, 1, 0, 96])).message).toMatch(
      /MThd length 2 is less than 6/,
    );
  });

  it('finds an MThd after up to 1 KiB of junk, with a warning', () => {
    const score = readMidi(Uint8Array.from([...new Array<number>(128).fill(0), ...scale]));
    expect(score.notes).toHaveLength(1);
    expect(score.warnings).toEqual(['skipped 128 bytes before the MThd header']);
  });

  it('reads the MTrk chunks present when the header count differs, with a warning', () => {
    const body = track([0, 0x90, 60, 100], [96, 0x90, 60, 0]);
    const score = readMidi(smf([body, body], { ntrks: 5 }));
    expect(score.notes).toHaveLength(2);
    expect(score.warnings).toEqual([
      'the header declares 5 tracks but the file holds 2 MTrk chunks: read those present',
    ]);
  });

  it('reads a track whose chunk length overruns the file up to the end, with a warning', () => {
    const body = track([0, 0x90, 60, 100], [96, 0x90, 60, 0]);
    const bytes = Uint8Array.from([...chunk('MThd', [0, 0, 0, 1, 0, 96]), ...chunk('MTrk', body, 1000)]);
    const score = readMidi(bytes);
    expect(spans(score.notes)).toEqual([[60, 0, 0.5, 100]]);
    expect(score.warnings[0]).toMatch(/chunk 'MTrk' declares 1000 bytes but only 8 remain/);
  });

  it('an unknown format is read as format 1 with a warning', () => {
    const score = readMidi(smf([track([0, 0x90, 60, 1], [1, 0x90, 60, 0])], { format: 7 }));
    expect(score.format).toBe(1);
    expect(score.warnings).toEqual(['unknown SMF format 7: read as format 1']);
  });
});

describe('readMidi: events', () => {
  it('keeps running status across meta events, SysEx and system real-time bytes', () => {
    const body = track(
      [0, 0x90, 60, 100],
      [0, 0xff, 0x01, 2, 0x41, 0x42], // text meta
      [0, 62, 100], // running status 0x90
      [0, 0xf0, 2, 0x7e, 0xf7], // SysEx
      [0, 64, 100],
      [0, 0xf8], // timing clock
      [96, 60, 0],
      [0, 62, 0],
      [0, 64, 0],
      EOT,
    );
    const score = readMidi(smf([body]));
    expect(spans(score.notes)).toEqual([
      [60, 0, 0.5, 100],
      [62, 0, 0.5, 100],
      [64, 0, 0.5, 100],
    ]);
    expect(score.warnings).toEqual([]);
  });

  it('drops a channel message cut short by a status byte, then reads that byte as the next status', () => {
    // 90 3C <FF ...>: the FF starts a meta event; the later notes are recovered.
    const body = [0, 0x90, 60, 0xff, 0x01, 1, 0x41, ...track([0, 0x90, 62, 100], [96, 0x80, 62, 0], EOT)];
    const score = readMidi(smf([body]), { file: 'x.mid' });
    expect(spans(score.notes)).toEqual([[62, 0, 0.5, 100]]);
    expect(score.warnings).toEqual([
      'x.mid: track 0: status byte 0xff inside a channel message: message dropped (at byte 25)',
    ]);
  });

  it('skips a data byte that has no running status to complete', () => {
    const score = readMidi(smf([[0, 0x40, ...track([0, 0x90, 60, 1], [96, 0x90, 60, 0])]]));
    expect(score.notes).toHaveLength(1);
    expect(score.warnings[0]).toMatch(/data byte with no running status skipped/);
  });

  it('accepts non-minimal delta-times and clamps one longer than 4 bytes, with a warning', () => {
    const padded = [0x80, 0x80, 0x80, 0x00, 0x90, 60, 100, 0x80, 0x80, 0x81, 0x40, 0x80, 60, 0];
    expect(spans(readMidi(smf([padded])).notes)).toEqual([[60, 0, 1, 100]]);
    const tooLong = [0x80, 0x80, 0x80, 0x80, 0x00, 0x90, 60, 100, 96, 0x80, 60, 0];
    const score = readMidi(smf([tooLong]));
    expect(spans(score.notes)).toEqual([[60, 0, 0.5, 100]]);
    expect(score.warnings[0]).toMatch(/delta-time longer than 4 bytes, clamped/);
  });

  it('ends the track at a meta or SysEx whose length runs past the chunk, without reading past it', () => {
    for (const event of [
      [0xff, 0x03, 0xff, 0xff, 0x7f],
      [0xf0, 0x8f, 0xff, 0xff, 0x7f],
    ]) {
      const body = [...track([0, 0x90, 60, 100], [96, 0x90, 60, 0]), 0, ...event, 1, 2, 3];
      const score = readMidi(smf([body]));
      expect(spans(score.notes)).toEqual([[60, 0, 0.5, 100]]);
      expect(score.warnings[0]).toMatch(/runs past the end of the track/);
    }
  });

  it('skips F1/F3 (1 data byte), F2 (2), undefined F4/F5/F9/FD alone (warned)', () => {
    const body = track(
      [0, 0xf1, 0x10],
      [0, 0xf2, 0x10, 0x20],
      [0, 0xf3, 0x01],
      [0, 0xf4],
      [0, 0xf9],
      [0, 0x90, 60, 100],
      [96, 0x80, 60, 0],
    );
    const score = readMidi(smf([body]));
    expect(spans(score.notes)).toEqual([[60, 0, 0.5, 100]]);
    expect(score.warnings).toHaveLength(2);
  });

  it('ignores bytes after End-of-Track, with a warning', () => {
    const body = [...track([0, 0x90, 60, 100], [96, 0x80, 60, 0], EOT), 0, 0x90, 62, 100];
    const score = readMidi(smf([body]));
    expect(score.notes).toHaveLength(1);
    expect(score.warnings[0]).toMatch(/ignored 4 bytes after End-of-Track/);
  });

  it('pairs FIFO per (track, channel, pitch); ignores stray offs; note-on velocity 0 is an off', () => {
    const body = track(
      [0, 0x80, 60, 0], // stray
      [0, 0x90, 60, 100],
      [0, 0x91, 60, 50], // another channel
      [48, 0x90, 60, 80], // overlapping same pitch
      [48, 0x90, 60, 0], // closes the v100 note (oldest)
      [48, 0x81, 60, 64],
      [48, 0x80, 60, 64], // closes the v80 note
    );
    const score = readMidi(smf([body]));
    expect(spans(score.notes)).toEqual([
      [60, 0, 0.5, 100],
      [60, 0, 0.75, 50],
      [60, 0.25, 1, 80],
    ]);
    expect(score.warnings).toEqual(['1 note-offs with no sounding note were ignored']);
  });

  it('octave-clamps pitches above 119 and sorts by (onset to 10 ms, pitch)', () => {
    const body = track(
      [0, 0x90, 127, 1],
      [0, 0x90, 50, 1],
      [1, 0x90, 40, 1],
      [96, 0x90, 127, 0],
      [0, 50, 0],
      [0, 40, 0],
    );
    // At PPQ 960 one tick is 0.52 ms: the 40 starts later but in the same 10 ms step, so pitch decides.
    expect(readMidi(smf([body], { division: 960 })).notes.map((n) => n.pitch)).toEqual([40, 50, 115]);
  });

  it('ends notes never released at their track’s last event, with a warning', () => {
    const body = track([0, 0x90, 60, 100], [192, 0xff, 0x01, 0], EOT);
    const score = readMidi(smf([body]));
    expect(spans(score.notes)).toEqual([[60, 0, 1, 100]]);
    expect(score.warnings).toEqual(["1 notes never released: they end at their track's last event"]);
  });
});

describe('readMidi: timing', () => {
  const tempo = (us: number): number[] => [0xff, 0x51, 3, (us >> 16) & 255, (us >> 8) & 255, us & 255];

  it('merges the tempo map from all tracks (format 1); at one tick the later track wins', () => {
    const conductor = track([0, ...tempo(1_000_000)], [96, ...tempo(250_000)], EOT);
    const other = track([96, ...tempo(500_000)], EOT); // same tick as 250000 in track 0: this one wins
    const music = track([0, 0x90, 60, 100], [192, 0x80, 60, 0], EOT);
    const score = readMidi(smf([conductor, other, music]));
    expect(spans(score.notes)).toEqual([[60, 0, 1.5, 100]]);
    expect(score.tempos.map((t) => [t.ticks, t.time, t.microsecondsPerQuarter])).toEqual([
      [0, 0, 1_000_000],
      [96, 1, 250_000],
      [96, 1, 500_000],
    ]);
  });

  it('format 2: each track has its own tempo and starts where the previous one ended', () => {
    const first = track([0, ...tempo(1_000_000)], [0, 0x90, 60, 100], [96, 0x80, 60, 0], EOT);
    const second = track([0, 0x90, 62, 100], [96, 0x80, 62, 0], EOT); // back to 120 bpm
    const score = readMidi(smf([first, second], { format: 2 }));
    expect(spans(score.notes)).toEqual([
      [60, 0, 1, 100],
      [62, 1, 1.5, 100],
    ]);
    expect(score.durationSeconds).toBe(1.5);
  });

  it('SMPTE division: fixed ticks per second (-25 fps × 40), tempo ignored; -29 means 29.97 fps', () => {
    const body = track([0, ...tempo(250_000)], [0, 0x90, 60, 100], [500, 0x80, 60, 0]);
    expect(spans(readMidi(smf([body], { division: 0xe728 })).notes)).toEqual([[60, 0, 0.5, 100]]);
    const drop = readMidi(smf([body], { division: 0xe302 })).notes[0]!; // -29 fps × 2 ticks
    expect(drop.duration).toBeCloseTo(500 / ((2 * 30000) / 1001), 12);
  });

  it('drums (channel index 9) are left out unless includeDrums', () => {
    const body = track([0, 0x99, 36, 100], [0, 0x90, 60, 100], [96, 0x89, 36, 0], [0, 0x80, 60, 0]);
    expect(readMidi(smf([body])).notes.map((n) => n.pitch)).toEqual([60]);
    expect(readMidi(smf([body]), { includeDrums: true }).notes.map((n) => n.pitch)).toEqual([36, 60]);
  });
});
