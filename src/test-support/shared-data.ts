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

if (!sharedDir) {
  console.warn(
    `[howl tests] ../shared/data not found beside ${repoRoot}: tests that need the corpus are skipped`,
  );
}
