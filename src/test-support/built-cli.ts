import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './shared-data.js';

/** The built CLI, as users run it. */
export const howlBin = join(repoRoot, 'bin', 'howl.js');

/** Newest modification time of the non-test TypeScript sources under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when `marker` (a path under dist/) is missing or older than the sources, so CLI tests
 * run against current code when vitest is started directly (`npm test` builds first anyway).
 */
export function ensureBuilt(marker: string): void {
  const built = join(repoRoot, 'dist', marker);
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource(join(repoRoot, 'src'))) return;
  try {
    execFileSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
      cwd: repoRoot,
      stdio: 'pipe',
    });
  } catch {
    // Type errors elsewhere in the tree still emit JavaScript; the tests show what matters.
  }
}
