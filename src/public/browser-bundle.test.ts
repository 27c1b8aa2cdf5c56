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
    runInNewContext(
      `${code};
      globalThis.exported = Object.keys(howl);
      const notes = [{ pitch: 60, velocity: 100, time: 0, duration: 0.5 }, { pitch: 64, velocity: 90, time: 0.5, duration: 0.25 }];
      const score = howl.readMidi(howl.writeMidi(notes));
      globalThis.rows = howl.encodeV1(score.notes);
      globalThis.augmented = howl.augmentV1(globalThis.rows, howl.createRng(1));`,
      context,
    );
    const exported = context['exported'] as string[];
    expect(exported).toEqual(
      expect.arrayContaining(['readMidi', 'writeMidi', 'encodeV1', 'createCropSampler']),
    );
    const rows = context['rows'] as number[][];
    expect(rows.map((row) => row[3])).toEqual([0, 4]);
    expect((context['augmented'] as unknown[]).length).toBe(2);
  });

  it('bundles howl/model (TensorFlow.js included) for the browser without Node built-ins', async () => {
    const result = await build({
      entryPoints: [`${repoRoot}/src/public/model.ts`],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).toContain('createRecurrentLayer');
    expect(code).not.toMatch(/from\s*["']node:/);
  }, 60_000);
});
