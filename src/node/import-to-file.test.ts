import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { contentHash } from '../data/content-hash.js';
import { decodeDataset, encodeDataset, type Dataset } from '../data/dataset-format.js';
import { WriteFileError } from './atomic-write.js';
import { writeMidi } from '../midi/write-midi.js';
import {
  asapDir,
  edgeCasesDir,
  edgeSubsetDir,
  pianoMidiDir,
  pianoSubsetDir,
} from '../test-support/shared-data.js';
import { importCorpus } from './import-corpus.js';
import { importCorpusToFile } from './import-to-file.js';

const created = '2024-01-01T00:00:00.000Z';

describe('importCorpusToFile', () => {
  let dir: string;
  let corpus: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'howl-import-file-'));
    corpus = join(dir, 'corpus');
    await mkdir(join(corpus, 'sub'), { recursive: true });
    await copyFile(join(pianoSubsetDir, 'Bach/bach_846.mid'), join(corpus, 'b.mid'));
    await copyFile(join(pianoSubsetDir, 'Chopin/chpn-p7.mid'), join(corpus, 'sub', 'a.mid'));
    await copyFile(join(pianoSubsetDir, 'Mozart/mz_311_2.mid'), join(corpus, 'sub', 'ü 3.mid'));
    await copyFile(
      join(edgeSubsetDir, 'jazz-soft-test-midi-files/midi/test-not-a-midi-file.mid'),
      join(corpus, 'broken.mid'),
    );
    for (let i = 0; i < 40; i++) {
      const notes = [0, 1, 2, 3].map((k) => ({
        pitch: 40 + i + k,
        velocity: 50 + k,
        time: k * 0.3,
        duration: 0.25,
      }));
      await writeFile(join(corpus, 'sub', `small-${i}.mid`), writeMidi(notes));
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writes the bytes encodeDataset(importCorpus(...)) gives, in memory or through the spill file', async () => {
    const expected = encodeDataset((await importCorpus([corpus], { workers: 0, created })).dataset);
    const out = join(dir, 'out.howl');
    const inMemory = await importCorpusToFile([corpus], out, { workers: 0, created });
    expect(inMemory.spilled).toBe(false);
    expect(inMemory.bytesWritten).toBe(expected.length);
    expect(new Uint8Array(await readFile(out))).toEqual(expected);
    // A budget below one chunk: every chunk goes through the temporary file, which is then removed.
    const spilled = await importCorpusToFile([corpus], out, { workers: 0, created, memoryBytes: 1 });
    expect(spilled.spilled).toBe(true);
    expect(new Uint8Array(await readFile(out))).toEqual(expected);
    expect(spilled.metadata.failures).toEqual([
      { path: 'broken.mid', source: 0, reason: expect.stringMatching(/not a MIDI file/) },
    ]);
    expect(await readdir(dir)).toEqual(['corpus', 'out.howl']);
  });

  test("a killed import's temporary file is removed by the next import into that folder", async () => {
    const folder = join(dir, 'stale');
    await mkdir(folder);
    const stale = '.out.howl.import.999999999.1.tmp'; // no such process
    await writeFile(join(folder, stale), 'spilled columns of a killed import');
    await importCorpusToFile([corpus], join(folder, 'out.howl'), { workers: 0, created });
    expect(await readdir(folder)).toEqual(['out.howl']);
    await rm(folder, { recursive: true });
  });

  test('whatever the batches and readers: the same file', async () => {
    const expected = await importCorpusToFile([corpus], join(dir, 'a.howl'), { workers: 0, created });
    const again = await importCorpusToFile([corpus], join(dir, 'b.howl'), {
      workers: 1,
      batchSize: 3,
      created,
      memoryBytes: 1,
    });
    expect(await readFile(join(dir, 'b.howl'))).toEqual(await readFile(join(dir, 'a.howl')));
    expect(again.metadata).toEqual(expected.metadata);
    await rm(join(dir, 'a.howl'));
    await rm(join(dir, 'b.howl'));
  });

  test('no file imported: nothing written; a folder that cannot be written: WriteFileError, old file kept', async () => {
    const bad = join(dir, 'bad');
    await mkdir(bad);
    await copyFile(join(corpus, 'broken.mid'), join(bad, 'x.mid'));
    const none = await importCorpusToFile([bad], join(dir, 'none.howl'), { workers: 0 });
    expect(none.bytesWritten).toBe(0);
    expect(none.metadata.failures).toHaveLength(1);
    expect(await readdir(dir)).not.toContain('none.howl');
    await expect(
      importCorpusToFile([corpus], join(dir, 'missing', 'x.howl'), { workers: 0 }),
    ).rejects.toThrow(WriteFileError);
    await rm(bad, { recursive: true });
  });
});

/** What must not change when the reader gets faster: every note and every file's entry. */
function digest(dataset: Dataset): string {
  const { time, duration, pitch, velocity } = dataset.notes;
  const columns = [time, duration, pitch, velocity].map((column) =>
    contentHash(new Uint8Array(column.buffer, column.byteOffset, column.byteLength)),
  );
  const text = (lines: string[]): string => contentHash(new TextEncoder().encode(lines.join('\n')));
  const files = text(
    dataset.files.map((f) => [f.path, f.hash, f.noteCount, f.durationSeconds, f.split, f.group].join(' ')),
  );
  const failures = text(dataset.failures.map((f) => `${f.path} ${f.reason}`));
  return `${dataset.totals.notes} ${columns.join(' ')} ${files} ${failures}`;
}

// Recorded with the reader as it was before it was made faster (commit b84d549): the import must
// give the same notes, bit for bit, and the same file entries.
const RECORDED: [string, string | undefined, boolean, string][] = [
  [
    'piano-midi-de',
    pianoMidiDir,
    true,
    '794327 daa5dd8eef1c13cf 2a8477480c3339a5 a241a94f02ec8a62 968a193f9d0b939c b7eea07d5abef94c 000fbc98ebb6c228',
  ],
  [
    'piano-midi-de',
    pianoMidiDir,
    false,
    '794411 c9bd6b9064f0316e 57fb9b080e53a75d d09ec1632c8884f9 cfedfbc3c09ee4b8 5663d1e0c4a7f75b 000fbc98ebb6c228',
  ],
  [
    'ASAP',
    asapDir,
    true,
    '3595667 255d5d093f9a2800 894e830921499d06 2cb78c286d5cd4d9 044ed217895eb76d edeb58c921e617b8 000fbc98ebb6c228',
  ],
  [
    'ASAP',
    asapDir,
    false,
    '3595667 255d5d093f9a2800 64111184049e6f98 2cb78c286d5cd4d9 044ed217895eb76d e97d0719e01cbd02 000fbc98ebb6c228',
  ],
  [
    'edge-cases',
    edgeCasesDir,
    true,
    '624400 7d6e81a6cefe9dca 938fa08b6612a5c7 5c6ccdfbf66339d9 cc5360cf62597fad 2acba97ebaff7a21 0bb4b4da42a11283',
  ],
];

describe.skipIf(!pianoMidiDir)(
  'the streaming import gives the same notes as the reader before it (../shared corpora)',
  () => {
    for (const [name, folder, sustain, expected] of RECORDED) {
      test.skipIf(!folder)(
        `${name}, ${sustain ? 'sustain pedal' : 'raw'}`,
        async () => {
          const out = join(tmpdir(), `howl-digest-${process.pid}-${name}-${sustain}.howl`);
          try {
            await importCorpusToFile([folder as string], out, { sustain, created, memoryBytes: 8 << 20 });
            expect(digest(decodeDataset(await readFile(out), out))).toBe(expected);
          } finally {
            await rm(out, { force: true });
          }
        },
        120_000,
      );
    }
  },
);
