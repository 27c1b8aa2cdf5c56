import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MidiFormatError } from '../errors.js';
import { createRng } from '../random/rng.js';
import type { Score } from '../score/note.js';
import { mutate } from '../test-support/midi-mutations.js';
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
