import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { contentHash } from '../data/content-hash.js';
import { readMidiColumns, readMidiInto } from '../midi/read-midi.js';
import { vlq } from '../midi/warm-up.js';
import { createRng, type Rng } from '../random/rng.js';
import { mutate } from '../test-support/midi-mutations.js';
import { edgeSubsetDir, pianoSubsetDir } from '../test-support/shared-data.js';
import { findMidiFiles } from './find-midi-files.js';
import { nativeMidiReader, nativeMidiStatus, type NativeMidiReader } from './native-midi.js';

const reader = nativeMidiReader();
if (reader === null) console.log(`native-midi tests skipped: ${nativeMidiStatus()}`);
const describeNative = reader === null ? describe.skip : describe;

const MAX_NOTES = 2_000_000;

type Outcome =
  | { kind: 'declined' }
  | {
      kind: 'read';
      time: Float64Array;
      duration: Float64Array;
      pitch: Uint8Array;
      velocity: Uint8Array;
      end: number;
    };

/** The native reader's notes of one file (durations as Float64), or that it declined. */
function readNative(
  native: NativeMidiReader,
  bytes: Uint8Array,
  includeDrums = false,
  sustain = true,
  maxNotes = MAX_NOTES,
): Outcome {
  const [count = -1] = native.readMany([bytes], includeDrums, sustain, maxNotes, 1);
  if (count < 0) return { kind: 'declined' };
  const time = new Float64Array(count);
  const duration = new Float64Array(count);
  const pitch = new Uint8Array(count);
  const velocity = new Uint8Array(count);
  const end = native.takeMany(0, time, duration, pitch, velocity, 0);
  return { kind: 'read', time, duration, pitch, velocity, end };
}

/**
 * Compares the native reader with `readMidiColumns` on one file: the same notes bit for bit, or
 * a decline; a file the TypeScript reader rejects must be declined.
 */
function agree(
  native: NativeMidiReader,
  bytes: Uint8Array,
  options: { includeDrums?: boolean; sustain?: boolean; maxNotes?: number } = {},
): 'same' | 'declined' {
  const { includeDrums = false, sustain = true, maxNotes = MAX_NOTES } = options;
  const ours = readNative(native, bytes, includeDrums, sustain, maxNotes);
  let reference: ReturnType<typeof readMidiColumns> | undefined;
  try {
    reference = readMidiColumns(bytes, { includeDrums, sustain, maxNotes });
  } catch {
    expect(ours.kind, 'the TypeScript reader threw, so the native one must decline').toBe('declined');
    return 'declined';
  }
  if (ours.kind === 'declined') return 'declined';
  for (const column of ['time', 'duration', 'pitch', 'velocity'] as const) {
    expectSameBits(ours[column], reference.notes[column], column);
  }
  expect(ours.end).toBe(reference.durationSeconds);
  return 'same';
}

/** The two arrays hold the same bits (compared as bytes: `toEqual` is slow on 100,000 values). */
function expectSameBits(
  ours: Float64Array | Uint8Array,
  theirs: Float64Array | Uint8Array,
  what: string,
): void {
  const bytes = (a: Float64Array | Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (ours.length === theirs.length && bytes(ours).equals(bytes(theirs))) return;
  let at = 0;
  while (at < ours.length && Object.is(ours[at], theirs[at])) at++;
  expect(`${what}: ${ours.length} values, row ${at}: ${ours[at]}`).toBe(
    `${what}: ${theirs.length} values, row ${at}: ${theirs[at]}`,
  );
}

/**
 * A random well-formed file of format 0 or 1: notes that overlap on one key, re-strikes, notes
 * never released, stray note-offs, note-ons of velocity 0, sustain pedal from one or two tracks on
 * a channel, tempo changes in several tracks at shared ticks, drums, running status, SysEx.
 */
function randomMidi(rng: Rng): Uint8Array {
  const format = rng.int(0, 1);
  const tracks = format === 0 ? 1 : rng.int(1, 4);
  const chunks: number[] = [];
  for (let t = 0; t < tracks; t++) {
    const events: number[] = [];
    let running = -1;
    const status = (byte: number): void => {
      if (byte !== running || rng.next() < 0.3) events.push(byte);
      running = byte;
    };
    for (let e = rng.int(0, 120); e > 0; e--) {
      events.push(...vlq(rng.next() < 0.4 ? 0 : rng.int(0, rng.next() < 0.1 ? 5000 : 120)));
      const channel = rng.next() < 0.1 ? 9 : rng.int(0, 2);
      const pitch = rng.int(20, 26);
      const kind = rng.next();
      if (kind < 0.4) {
        status(0x90 | channel);
        events.push(pitch, rng.next() < 0.1 ? 0 : rng.int(1, 127));
      } else if (kind < 0.7) {
        status(0x80 | channel);
        events.push(pitch, 64);
      } else if (kind < 0.85) {
        status(0xb0 | channel);
        events.push(64, rng.next() < 0.5 ? 127 : rng.int(0, 63));
      } else if (kind < 0.93) {
        running = -1;
        const micros = rng.int(200_000, 900_000);
        events.push(0xff, 0x51, 3, micros >> 16, (micros >> 8) & 255, micros & 255);
      } else {
        running = -1;
        events.push(0xf0, 2, 0x7e, 0xf7);
      }
    }
    if (rng.next() < 0.9) events.push(...vlq(rng.int(0, 50)), 0xff, 0x2f, 0);
    chunks.push(0x4d, 0x54, 0x72, 0x6b, ...[24, 16, 8, 0].map((s) => (events.length >>> s) & 255), ...events);
  }
  const ticksPerQuarter = rng.int(24, 960);
  return Uint8Array.from([
    ...[0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, format, 0, tracks],
    ticksPerQuarter >> 8,
    ticksPerQuarter & 255,
    ...chunks,
  ]);
}

describeNative('the native MIDI reader (native/howl-midi.c)', () => {
  const native = reader as NativeMidiReader;

  test('reads every piano-midi.de file of the test corpus as the TypeScript reader does, bit for bit', async () => {
    const files = await findMidiFiles(pianoSubsetDir);
    expect(files.length).toBeGreaterThan(4);
    for (const file of files) expect(agree(native, readFileSync(file)), file).toBe('same');
  });

  test('agrees on the edge cases, and declines only what it leaves to the TypeScript reader', async () => {
    let same = 0;
    for (const file of await findMidiFiles(edgeSubsetDir))
      if (agree(native, readFileSync(file)) === 'same') same++;
    expect(same).toBeGreaterThan(10); // it is not declining everything
  });

  test('agrees on 2,000 random well-formed files, with and without sustain and drums', () => {
    const rng = createRng(20_261_207);
    const outcomes = { same: 0, declined: 0 };
    for (let i = 0; i < 2000; i++) {
      const bytes = randomMidi(rng);
      const options = { includeDrums: i % 3 === 0, sustain: i % 5 !== 0 };
      outcomes[agree(native, bytes, options)]++;
    }
    expect(outcomes.declined).toBe(0);
  });

  test('agrees on 1,500 damaged files: the same notes, or it declines', async () => {
    const sources = [
      ...(await findMidiFiles(pianoSubsetDir)).slice(0, 3),
      ...(await findMidiFiles(edgeSubsetDir)).slice(0, 20),
    ].map((file) => readFileSync(file));
    const rng = createRng(7);
    const outcomes = { same: 0, declined: 0 };
    for (let i = 0; i < 1500; i++) {
      const [bytes, how] = mutate(sources[i % sources.length]!, rng);
      try {
        outcomes[agree(native, bytes)]++;
      } catch (error) {
        throw new Error(`case ${i} (${how}): ${String(error)}`, { cause: error });
      }
    }
    expect(outcomes.same).toBeGreaterThan(250); // the rest declined, or rejected by both
  });

  test('declines a file over maxNotes (the TypeScript reader says why)', async () => {
    const bytes = readFileSync((await findMidiFiles(pianoSubsetDir))[0]!);
    expect(native.readMany([bytes], false, true, 10, 1)[0]).toBe(-1);
    expect(native.readMany([bytes], false, true, MAX_NOTES, 1)[0]).toBeGreaterThan(10);
  });

  test('writes Float32 durations as a Float32Array store rounds them, from any row', async () => {
    const bytes = readFileSync((await findMidiFiles(pianoSubsetDir))[0]!);
    const [count = -1] = native.readMany([bytes], false, true, MAX_NOTES, 1);
    const at = 3;
    const slot = {
      time: new Float64Array(count + at),
      duration: new Float32Array(count + at),
      pitch: new Uint8Array(count + at),
      velocity: new Uint8Array(count + at),
      at,
    };
    native.takeMany(0, slot.time, slot.duration, slot.pitch, slot.velocity, at);
    const reference = {
      time: new Float64Array(count + at),
      duration: new Float32Array(count + at),
      pitch: new Uint8Array(count + at),
      velocity: new Uint8Array(count + at),
      at,
    };
    readMidiInto(bytes, {}, () => reference);
    expect(slot).toEqual(reference);
  });

  test('takeMany refuses columns without room for the notes', async () => {
    const bytes = readFileSync((await findMidiFiles(pianoSubsetDir))[0]!);
    const [count = -1] = native.readMany([bytes], false, true, MAX_NOTES, 1);
    const small = (n: number): [Float64Array, Float32Array, Uint8Array, Uint8Array] => [
      new Float64Array(n),
      new Float32Array(n),
      new Uint8Array(n),
      new Uint8Array(n),
    ];
    expect(() => native.takeMany(0, ...small(count - 1), 0)).toThrow(/room for its notes/);
    expect(() => native.takeMany(0, ...small(count), 1)).toThrow(/room for its notes/);
    expect(() => native.readMany([new Float32Array(4) as unknown as Uint8Array], false, true, 1, 1)).toThrow(
      TypeError,
    );
  });

  test('readMany of a batch on 1, 2 and 3 threads gives each file what it gives the file alone, declines included', async () => {
    const rng = createRng(11);
    const pieces = (await findMidiFiles(pianoSubsetDir)).slice(0, 4).map((file) => readFileSync(file));
    const files = [
      ...pieces,
      ...Array.from({ length: 40 }, () => randomMidi(rng)),
      ...pieces.map((bytes) => mutate(bytes, rng)[0]),
      Uint8Array.of(1, 2, 3), // declined
      new Uint8Array(0),
    ];
    const single = files.map((bytes) => readNative(native, bytes));
    for (const threads of [1, 2, 3]) {
      const counts = native.readMany(files, false, true, MAX_NOTES, threads);
      expect(counts.length).toBe(files.length);
      files.forEach((_, k) => {
        const expected = single[k]!;
        if (expected.kind === 'declined') {
          expect(counts[k], `file ${k}`).toBe(-1);
          expect(() =>
            native.takeMany(
              k,
              new Float64Array(0),
              new Float64Array(0),
              new Uint8Array(0),
              new Uint8Array(0),
              0,
            ),
          ).toThrow(TypeError);
          return;
        }
        const n = counts[k]!;
        expect(n, `file ${k}`).toBe(expected.time.length);
        const got = {
          time: new Float64Array(n),
          duration: new Float64Array(n),
          pitch: new Uint8Array(n),
          velocity: new Uint8Array(n),
        };
        const end = native.takeMany(k, got.time, got.duration, got.pitch, got.velocity, 0);
        for (const column of ['time', 'duration', 'pitch', 'velocity'] as const)
          expectSameBits(got[column], expected[column], `file ${k} ${column}`);
        expect(end).toBe(expected.end);
      });
    }
    expect(() =>
      native.takeMany(
        files.length,
        new Float64Array(0),
        new Float64Array(0),
        new Uint8Array(0),
        new Uint8Array(0),
        0,
      ),
    ).toThrow(TypeError);
  });

  test('hash is contentHash, for every length mod 4', async () => {
    const rng = createRng(3);
    for (let length = 0; length < 70; length++) {
      const bytes = Uint8Array.from({ length }, () => rng.int(0, 255));
      expect(native.hash(bytes)).toBe(contentHash(bytes));
    }
    const file = readFileSync((await findMidiFiles(pianoSubsetDir))[0]!);
    expect(native.hash(file)).toBe(contentHash(file));
  });
});
