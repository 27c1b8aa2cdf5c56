import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/test-support/shared-data.js';

/** What each example prints when it works. */
const EXPECTED: Record<string, RegExp> = {
  'library-tour.mjs': /imported 10 files, 640 notes/,
  'compose.mjs': /composed \d+ notes \(9 given, 72 of the first 120 generated kept, \d+ after the edit\)/,
};

/** Every example runs as a user would run it, against the built package (`npm test` builds first). */
describe('examples', () => {
  for (const name of readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.mjs'))) {
    it(`${name} runs`, () => {
      // compose.mjs takes the folder to write to; the tour makes and removes its own.
      const out = name === 'compose.mjs' ? mkdtempSync(join(tmpdir(), 'howl-example-')) : undefined;
      try {
        const args = [join(repoRoot, 'examples', name), ...(out === undefined ? [] : [out])];
        const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
        expect(run.stdout).toMatch(EXPECTED[name] ?? /^$/);
        if (out !== undefined) expect(existsSync(join(out, 'composed.wav'))).toBe(true);
      } finally {
        if (out !== undefined) rmSync(out, { recursive: true, force: true });
      }
    });
  }
});
