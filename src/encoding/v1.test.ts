import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { Note } from '../score/note.js';
import { sortNotes } from '../score/sort-notes.js';
import { encodingNames, getEncoding } from './encoding.js';
import { decodeV1, encodeV1, float32ToV1, v1Encoding, v1ToFloat32, V1_WIDTH, type V1Row } from './v1.js';

const notes: Note[] = [
  { pitch: 60, velocity: 127, time: 0.5, duration: 1 },
  { pitch: 64, velocity: 64, time: 0.75, duration: 0.25 },
  { pitch: 0, velocity: 1, time: 2, duration: 0 },
  { pitch: 119, velocity: 100, time: 2, duration: 3 },
];

describe('encodeV1', () => {
  it('makes [delay, duration, volume, pitch] rows as the original (docs/original-system.md §3)', () => {
    expect(encodeV1(notes)).toEqual([
      [0, 1, 1, 0],
      [0.25, 0.25, 64 / 127, 4],
      [1.25, 0, 1 / 127, -60],
      [0, 3, 100 / 127, 59],
    ]);
  });

  it('uses volume 1 when a note carries no velocity, |duration|, and clamps pitch by octave', () => {
    expect(encodeV1([{ pitch: 127, time: 1, duration: -0.5 }])).toEqual([[0, 0.5, 1, 55]]);
  });

  it('keeps a slightly negative delay from the 10 ms bin order, so decoding restores onsets', () => {
    const binned = sortNotes([
      { pitch: 70, velocity: 80, time: 0.001, duration: 1 },
      { pitch: 60, velocity: 80, time: 0.004, duration: 1 },
    ]);
    const rows = encodeV1(binned);
    expect(rows[1]?.[0]).toBeCloseTo(-0.003, 12);
    expect(decodeV1(rows, { startTime: 0.004 }).map((n) => n.time)).toEqual([
      0.004,
      expect.closeTo(0.001, 12),
    ]);
  });

  it('does not mutate its input and returns nothing for no notes', () => {
    const copy = structuredClone(notes);
    encodeV1(notes);
    expect(notes).toEqual(copy);
    expect(encodeV1([])).toEqual([]);
  });

  it('rejects bad notes naming the index and value', () => {
    expect(() => encodeV1([notes[0] as Note, { ...(notes[0] as Note), time: Number.NaN }])).toThrow(
      'note 1: time NaN is not a finite number of seconds',
    );
    expect(() => encodeV1([{ pitch: 60.5, velocity: 1, time: 0, duration: 0 }])).toThrow(
      /note 0: pitch 60.5/,
    );
    expect(() => encodeV1([{ pitch: 60, velocity: 200, time: 0, duration: 0 }])).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('decodeV1', () => {
  it('accumulates delays from startTime and maps volume and pitch back', () => {
    expect(decodeV1(encodeV1(notes), { startTime: 0.5 })).toEqual(notes);
    expect(decodeV1([[0.5, 1, 0.5, 0]])).toEqual([{ pitch: 60, velocity: 64, time: 0.5, duration: 1 }]);
  });

  it('clamps velocity to 1..127 and pitch by octave', () => {
    expect(
      decodeV1([
        [0, 1, 0, 70],
        [0, 1, 1.5, -61],
      ]),
    ).toEqual([
      { pitch: 118, velocity: 1, time: 0, duration: 1 },
      { pitch: 11, velocity: 127, time: 0, duration: 1 },
    ]);
  });

  it('rejects bad rows naming the index and value', () => {
    expect(() => decodeV1([[0, 0, 1, 0.5]])).toThrow('row 0: pitch 0.5 is not an integer');
    expect(() => decodeV1([[0, Infinity, 1, 0]])).toThrow(/row 0: duration Infinity/);
    expect(() => decodeV1([], { startTime: Number.NaN })).toThrow(InvalidArgumentError);
  });

  it('does not drift over a long piece', () => {
    const long = Array.from({ length: 100_000 }, (_, i) => ({
      pitch: 60,
      velocity: 90,
      time: i * 0.1,
      duration: 0.1,
    }));
    const back = decodeV1(encodeV1(long));
    expect(Math.abs((back.at(-1)?.time ?? 0) - 9999.9)).toBeLessThan(1e-9);
  });
});

const arbNote = fc.record({
  pitch: fc.integer({ min: 0, max: 119 }),
  velocity: fc.integer({ min: 1, max: 127 }),
  time: fc.double({ min: 0, max: 600, noNaN: true }),
  duration: fc.double({ min: 0, max: 10, noNaN: true }),
});

test.prop([fc.array(arbNote, { maxLength: 300 })])('decode(encode(notes)) gives the notes back', (input) => {
  const sorted = sortNotes(input.map((n) => ({ ...n })));
  const back = decodeV1(encodeV1(sorted), { startTime: sorted[0]?.time ?? 0 });
  expect(back).toHaveLength(sorted.length);
  back.forEach((note, i) => {
    const want = sorted[i] as Note;
    expect(note.pitch).toBe(want.pitch);
    expect(note.velocity).toBe(want.velocity);
    expect(Math.abs(note.time - want.time)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(note.duration - want.duration)).toBeLessThanOrEqual(1e-9);
  });
});

describe('flat Float32 layout', () => {
  const rows: V1Row[] = [
    [0, 1, 1, 0],
    [0.25, 0.5, 0.5, -3],
  ];

  it('writes rows row-major, 4 floats each, at a row offset', () => {
    expect(Array.from(v1ToFloat32(rows))).toEqual([0, 1, 1, 0, 0.25, 0.5, 0.5, -3]);
    const batch = new Float32Array(3 * V1_WIDTH);
    expect(v1ToFloat32(rows, batch, 1)).toBe(batch);
    expect(Array.from(batch)).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0.25, 0.5, 0.5, -3]);
    expect(float32ToV1(batch, 1)).toEqual(rows);
    expect(float32ToV1(batch, 2, 1)).toEqual([rows[1]]);
  });

  it('refuses rows that do not fit', () => {
    expect(() => v1ToFloat32(rows, new Float32Array(7))).toThrow(InvalidArgumentError);
    expect(() => v1ToFloat32(rows, new Float32Array(8), 1)).toThrow(/at row 1/);
    expect(() => float32ToV1(new Float32Array(8), 1, 2)).toThrow(InvalidArgumentError);
  });
});

describe('encoding registry', () => {
  it('lists and finds v1', () => {
    expect(encodingNames).toEqual(['v1']);
    expect(getEncoding('v1')).toBe(v1Encoding);
    expect(v1Encoding.decode(v1Encoding.encode(notes.slice(0, 1)))).toEqual([{ ...notes[0], time: 0 }]);
  });

  it('names the unknown encoding and the known ones', () => {
    expect(() => getEncoding('v2')).toThrow('unknown encoding "v2"; known encodings: v1');
    expect(() => getEncoding('V1')).toThrow(InvalidArgumentError);
  });
});
