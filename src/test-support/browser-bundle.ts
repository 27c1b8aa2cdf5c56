import { build } from 'esbuild';
import { repoRoot } from './shared-data.js';

let core: Promise<string> | undefined;

/**
 * A module of `src/` bundled for the browser platform as one IIFE defining a global; esbuild fails
 * on any `node:*` import.
 *
 * @param entry - the module, relative to `src/` (e.g. `public/index.ts`)
 * @param globalName - the global its exports become
 * @returns the bundle's code
 */
export async function browserBundle(entry: string, globalName: string): Promise<string> {
  const result = await build({
    entryPoints: [`${repoRoot}/src/${entry}`],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/**
 * The library core (`src/public/index.ts`) as the global `howl` (`browserBundle`). Built once per
 * test process and shared.
 *
 * @returns the bundle's code
 */
export function coreBrowserBundle(): Promise<string> {
  core ??= browserBundle('public/index.ts', 'howl');
  return core;
}
