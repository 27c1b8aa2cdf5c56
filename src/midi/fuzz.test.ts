import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MidiFormatError } from '../errors.js';
import { createRng, type Rng } from '../random/rng.js';
import type { Score } from '../score/note.js';
import { edgeSubsetDir, pianoSubsetDir } from '../test-support/shared-data.js';
import { readMidi } from './read-midi.js';

// readMidi on damaged bytes must return a Score or throw MidiFormatError: never another error,
// never hang, never produce an invalid note.

const SEEDS = [
  'synthetic/smpte-25fps-40tpf.mid',
  'synthetic/zero-length-notes.mid',
  'synthetic/overlapping-same-pitch.mid',
  'synthetic/tempo-change-mid-note.mid',
  'synthetic/mthd-length-8.mid',
  'synthetic/unknown-chunk-before-track.mid',
  'synthetic/running-status-chords.mid',
  'synthetic/sysex-continuation-and-escape.mid',
  'synthetic/riff-rmid-wrapped.rmi',
  'jazz-soft-test-midi-files/midi/test-c-major-scale.mid',
  'jazz-soft-test-midi-files/midi/test-running-status-sysex.mid',
  'jazz-soft-test-midi-files/midi/test-illegal-message-all.mid',
  'jazz-soft-test-midi-files/midi/test-2-tracks-type-2.mid',
  'jazz-soft-test-midi-files/midi/test-control-40-damper.mid',
  'mido-hexdumps/meta_messages_with_length_0.mid',
  'music21-testPrimitive/test16.mid',
  'note-seq-testdata/example_event_order.mid',
  'midi-json-parser/fixtures/MIDIOkFormat2.mid',
  'tonejs-midi/midi/pitchBendTest.mid',
];
// With ../shared, all of SEEDS; without it, those in the vendored subset (test/fixtures/edge-cases).
const seeds = SEEDS.filter((path) => existsSync(join(edgeSubsetDir, path)));
const CASES = 3000;
const INTERESTING = [0x00, 0x01, 0x2f, 0x40, 0x51, 0x7f, 0x80, 0x81, 0x90, 0xb0, 0xf0, 0xf4, 0xf7, 0xff];

function chunkLengthOffsets(bytes: Uint8Array): number[] {
  const offsets: number[] = [];
  for (let i = 0; i + 8 <= bytes.length; i++) {
    const id = String.fromCharCode(bytes[i]!, bytes[i + 1]!, bytes[i + 2]!, bytes[i + 3]!);
    if (id === 'MThd' || id === 'MTrk' || id === 'RIFF' || id === 'data') offsets.push(i + 4);
  }
  return offsets;
}

/** One random damage to a copy of `source`, and its name for the failure message. */
function mutate(source: Uint8Array, rng: Rng): [Uint8Array, string] {
  const bytes = Uint8Array.from(source);
  const at = (): number => rng.int(0, Math.max(0, bytes.length - 1));
  switch (rng.int(0, 7)) {
    case 0: {
      const n = rng.int(1, 8);
      for (let i = 0; i < n; i++) {
        const where = at();
        bytes[where] = (bytes[where] ?? 0) ^ (1 << rng.int(0, 7));
      }
      return [bytes, `flip ${n} bits`];
    }
    case 1: {
      const n = rng.int(1, 4);
      for (let i = 0; i < n; i++) bytes[at()] = INTERESTING[rng.int(0, INTERESTING.length - 1)]!;
      return [bytes, `set ${n} bytes to status-like values`];
    }
    case 2: {
      const length = rng.int(0, bytes.length);
      return [bytes.subarray(0, length), `truncate to ${length}`];
    }
    case 3: {
      const where = rng.int(0, bytes.length);
      const extra = Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 255));
      return [
        Uint8Array.from([...bytes.subarray(0, where), ...extra, ...bytes.subarray(where)]),
        `insert at ${where}`,
      ];
    }
    case 4: {
      const from = at();
      const to = Math.min(bytes.length, from + rng.int(1, 32));
      return [Uint8Array.from([...bytes.subarray(0, from), ...bytes.subarray(to)]), `delete ${from}..${to}`];
    }
    case 5: {
      const offsets = chunkLengthOffsets(bytes);
      const offset = offsets[rng.int(0, Math.max(0, offsets.length - 1))];
      if (offset === undefined) return [bytes, 'no chunk'];
      const values = [0, 1, 5, 0x7fffffff, 0xffffffff, rng.int(0, 2 ** 31), rng.int(0, 200)];
      const value = values[rng.int(0, values.length - 1)]!;
      new DataView(bytes.buffer).setUint32(offset, value >>> 0);
      return [bytes, `chunk length at ${offset} = ${value}`];
    }
    case 6: {
      const start = Math.min(bytes.length, 14 + rng.int(0, 20));
      for (let i = start; i < bytes.length; i++) if (rng.next() < 0.3) bytes[i] = rng.int(0, 255);
      return [bytes, `randomise 30% of bytes after ${start}`];
    }
    default: {
      const tail = Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255));
      return [Uint8Array.from([...bytes, ...tail]), 'append garbage'];
    }
  }
}

function expectValid(score: Score): void {
  for (const note of score.notes) {
    const ok =
      Number.isInteger(note.pitch) &&
      note.pitch >= 0 &&
      note.pitch <= 119 &&
      Number.isInteger(note.velocity) &&
      note.velocity >= 1 &&
      note.velocity <= 127 &&
      Number.isFinite(note.time) &&
      note.time >= 0 &&
      Number.isFinite(note.duration) &&
      note.duration >= 0;
    if (!ok) throw new Error(`invalid note ${JSON.stringify(note)}`);
  }
  if (!Number.isFinite(score.durationSeconds)) throw new Error(`durationSeconds ${score.durationSeconds}`);
}

function readOrReject(bytes: Uint8Array): 'read' | 'rejected' {
  try {
    expectValid(readMidi(bytes, { file: 'fuzz.mid' }));
    return 'read';
  } catch (error) {
    if (error instanceof MidiFormatError) return 'rejected';
    throw error;
  }
}

describe('readMidi on mutated files', () => {
  it(`${CASES} seeded mutations of ${seeds.length + 2} files: a Score or a MidiFormatError, each fast`, () => {
    const sources = [
      ...seeds.map((path) => readFileSync(join(edgeSubsetDir, path))),
      readFileSync(join(pianoSubsetDir, 'Christmas/bk_xmas1.mid')),
      readFileSync(join(pianoSubsetDir, 'Bach/bach_846.mid')),
    ];
    const rng = createRng(20_241_124);
    const outcomes = { read: 0, rejected: 0 };
    let slowest = 0;
    for (let i = 0; i < CASES; i++) {
      const source = sources[i % sources.length]!;
      const [bytes, how] = mutate(source, rng);
      const start = performance.now();
      try {
        outcomes[readOrReject(bytes)]++;
      } catch (error) {
        throw new Error(`case ${i} (${how}) of source ${i % sources.length}: ${String(error)}`, {
          cause: error,
        });
      }
      const elapsed = performance.now() - start;
      slowest = Math.max(slowest, elapsed);
      if (elapsed > 1000) throw new Error(`case ${i} (${how}) took ${elapsed.toFixed(0)} ms`);
    }
    expect(outcomes.read + outcomes.rejected).toBe(CASES);
    expect(outcomes.read).toBeGreaterThan(CASES / 2); // the reader repairs most damage
    expect(slowest).toBeLessThan(1000);
  });
});

describe('readMidi on arbitrary bytes', () => {
  const header = [0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 1, 0, 2, 0, 96, 0x4d, 0x54, 0x72, 0x6b];
  test.prop([fc.uint8Array({ maxLength: 600 })], { numRuns: 500, seed: 7 })(
    'behind a valid MThd and MTrk id, any bytes give a Score or a MidiFormatError',
    (tail) => {
      expect(['read', 'rejected']).toContain(readOrReject(Uint8Array.from([...header, ...tail])));
    },
  );
  test.prop([fc.uint8Array({ maxLength: 64 })], { numRuns: 300, seed: 11 })(
    'so do short arbitrary files',
    (bytes) => {
      expect(['read', 'rejected']).toContain(readOrReject(bytes));
    },
  );
});
