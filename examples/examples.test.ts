import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/test-support/shared-data.js';

/** Every example runs as a user would run it, against the built package (`npm test` builds first). */
describe('examples', () => {
  for (const name of readdirSync(join(repoRoot, 'examples')).filter((f) => f.endsWith('.mjs'))) {
    it(`${name} runs`, () => {
      const run = spawnSync(process.execPath, [join(repoRoot, 'examples', name)], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/imported 10 files, 640 notes/);
    });
  }
});
