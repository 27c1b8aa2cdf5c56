// A tour of the library, run by the test suite (examples/examples.test.ts) as a user would run it:
//   npm run build && node examples/library-tour.mjs [folder-of-midi-files]
// Without a folder it makes a small one from generated notes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  augmentV1,
  createCropSampler,
  createRng,
  decodeDataset,
  decodeV1,
  encodeDataset,
  encodeV1,
  importCorpus,
  intToNote,
  noteToInt,
  readMidi,
  writeFileAtomic,
  writeMidi,
} from 'howl/node';

const work = mkdtempSync(join(tmpdir(), 'howl-tour-'));
try {
  let folder = process.argv[2];
  if (!folder) {
    // Ten short generated pieces: an arpeggio each, in a different key.
    folder = join(work, 'midis');
    mkdirSync(folder);
    const rng = createRng(7);
    for (let piece = 0; piece < 10; piece++) {
      const root = noteToInt('C3') + 60 + piece;
      const notes = Array.from({ length: 64 }, (_, i) => ({
        pitch: root + [0, 4, 7, 12][i % 4],
        velocity: rng.int(50, 100),
        time: i * 0.25,
        duration: 0.2,
      }));
      writeFileSync(join(folder, `arpeggio-${piece}.mid`), writeMidi(notes));
    }
  }

  // 1. Import a folder into a dataset with a held-out split, and save it atomically.
  const { dataset } = await importCorpus([folder]);
  const { files, notes, trainFiles, validationFiles } = dataset.totals;
  console.log(`imported ${files} files, ${notes} notes: ${trainFiles} train, ${validationFiles} validation`);
  for (const failure of dataset.failures) console.log(`skipped ${failure.path}: ${failure.reason}`);
  const path = join(work, 'tour.howl');
  await writeFileAtomic(path, encodeDataset(dataset));

  // 2. Load it back and draw augmented training crops, reproducibly.
  const loaded = decodeDataset(await readFile(path), path);
  const crops = createCropSampler(loaded, {
    split: 'train',
    length: 32,
    rng: createRng(1),
    augment: augmentV1,
  });
  const crop = crops.next();
  console.log(
    `a crop of ${crop.length} V1 rows; first row [delay, duration, volume, pitch] = ${crop[0].map((x) => +x.toFixed(3))}`,
  );

  // 3. One file: read, encode, augment, decode, write, read again.
  const first = join(folder, loaded.files[0].path);
  const score = readMidi(await readFile(first), { file: first });
  const rows = augmentV1(encodeV1(score.notes), createRng(3));
  const again = readMidi(writeMidi(decodeV1(rows)));
  console.log(
    `${score.notes.length} notes, first ${intToNote(score.notes[0].pitch - 60)}; augmented copy starts on ${intToNote(again.notes[0].pitch - 60)}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
