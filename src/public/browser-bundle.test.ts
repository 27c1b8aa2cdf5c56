import { build } from 'esbuild';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../test-support/shared-data.js';

/**
 * The library core must run in a browser. Bundle `src/public/index.ts` for the browser platform: esbuild
 * fails on any `node:*` import, and the bundle must then evaluate in a bare context with no Node globals
 * (no `process`, `Buffer` or `require`).
 */
describe('browser build of the core', () => {
  it('bundles without Node built-ins and evaluates without Node globals', async () => {
    const result = await build({
      entryPoints: [`${repoRoot}/src/public/index.ts`],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'howl',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code.length).toBeGreaterThan(0);
    const context: Record<string, unknown> = { TextDecoder, TextEncoder, console };
    runInNewContext(`${code}; globalThis.exported = Object.keys(howl);`, context);
    const exported = context['exported'] as string[];
    expect(exported).toContain('HowlError');
  });
});
