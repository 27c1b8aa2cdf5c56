import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two folders above this file). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The team's shared data folder, `../shared` beside the repository, or `undefined` when this machine
 * does not have it. Tests that need it use `describe.skipIf(!sharedDir)` and say why they skipped.
 */
export const sharedDir: string | undefined = (() => {
  const dir = resolve(repoRoot, '..', 'shared');
  return existsSync(join(dir, 'data')) ? dir : undefined;
})();

export const pianoMidiDir = sharedDir && join(sharedDir, 'data', 'piano-midi-de', 'midis');
export const edgeCasesDir = sharedDir && join(sharedDir, 'data', 'edge-cases');
/** ASAP's human performances, filed as `Composer/Work/Piece/Performer.mid` (CC BY-NC-SA 4.0; never vendored). */
export const asapDir = sharedDir && join(sharedDir, 'data', 'asap', 'midis');

/**
 * A small fixed subset of the corpus vendored in the repository (`test/fixtures`), byte-identical and
 * at the same relative paths, so that the tests which need only a few files run without `../shared`.
 * Licences: `test/fixtures/piano-midi-de/LICENSE.md` and `test/fixtures/edge-cases/README.md`.
 */
export const fixturesDir = join(repoRoot, 'test', 'fixtures');

/**
 * The piano-midi.de folder to read a few named files from: `../shared`'s when present, else the vendored
 * subset (`Bach/bach_846.mid`, `bach_847.mid`, `bach_850.mid`, `Chopin/chpn-p7.mid`,
 * `Christmas/bk_xmas1.mid`, `Mozart/mz_311_2.mid`). Never undefined.
 */
export const pianoSubsetDir: string = pianoMidiDir ?? join(fixturesDir, 'piano-midi-de');

/**
 * The edge-cases folder to read a few named files from: `../shared`'s when present, else the vendored
 * subset (the small `synthetic/` files, most jazz-soft files, the mido hex dumps, four note-seq files).
 * Tests of files outside the subset still skip with `skipIf(!edgeCasesDir)`. Never undefined.
 */
export const edgeSubsetDir: string = edgeCasesDir ?? join(fixturesDir, 'edge-cases');

if (!sharedDir) {
  console.warn(
    `[howl tests] ../shared/data not found beside ${repoRoot}: tests that need the full corpus are skipped; the rest use the subset in test/fixtures`,
  );
}
