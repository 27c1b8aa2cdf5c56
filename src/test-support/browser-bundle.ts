import { build } from 'esbuild';
import { repoRoot } from './shared-data.js';

let core: Promise<string> | undefined;

/**
 * The library core (`src/public/index.ts`) bundled for the browser platform as one IIFE defining the
 * global `howl`; esbuild fails on any `node:*` import. Built once per test process and shared.
 *
 * @returns the bundle's code
 */
export function coreBrowserBundle(): Promise<string> {
  core ??= build({
    entryPoints: [`${repoRoot}/src/public/index.ts`],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'howl',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]?.text ?? '');
  return core;
}
