import { build } from 'esbuild';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { browserBundle, coreBrowserBundle } from '../test-support/browser-bundle.js';
import { repoRoot } from '../test-support/shared-data.js';

/**
 * The library core must run in a browser. Bundle `src/public/index.ts` for the browser platform: esbuild
 * fails on any `node:*` import, and the bundle must then evaluate in a bare context with no Node globals
 * (no `process`, `Buffer` or `require`).
 */
describe('browser build of the core', () => {
  it('bundles without Node built-ins and evaluates without Node globals', async () => {
    const code = await coreBrowserBundle();
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

  it('generates notes in the browser bundle: step network (WebAssembly SIMD) and composer', async () => {
    const code = await coreBrowserBundle();
    const context: Record<string, unknown> = {
      TextDecoder,
      TextEncoder,
      console,
      WebAssembly,
      atob,
      setTimeout,
    };
    runInNewContext(
      `${code};
      const config = { type: 'original-lstm', rnn: 'lstm', units: 8, denseUnits: 8, blocks: 1, dropout: 0 };
      const shapes = { 'rnn/kernel': [123, 32], 'rnn/recurrent_kernel': [8, 32], 'rnn/bias': [32],
        'dense1/kernel': [8, 8], 'dense1/bias': [8], 'pitch/kernel': [16, 120], 'pitch/bias': [120],
        'regression/kernel': [16, 3], 'regression/bias': [3] };
      const weights = new Map(Object.entries(shapes).map(([name, shape], w) => {
        const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i * 0.37 + w) * 0.3);
        return [name, { shape, data }];
      }));
      const network = howl.createStepNetwork(config, weights);
      const composer = howl.createComposer(network, { seed: 3 });
      for (let i = 0; i < 20; i++) composer.next();
      globalThis.pitches = composer.notes.map((n) => n.pitch);
      globalThis.simd = howl.hasSimdKernel();`,
      context,
    );
    expect(context['simd']).toBe(true);
    const pitches = context['pitches'] as number[];
    expect(pitches).toHaveLength(20);
    expect(pitches.every((p) => Number.isInteger(p) && p >= 0 && p < 120)).toBe(true);
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

  it('bundles howl/internals for the browser without Node built-ins or TensorFlow.js', async () => {
    const code = await browserBundle('public/internals.ts', 'internals');
    expect(code).not.toContain('@tensorflow');
    const context: Record<string, unknown> = { TextDecoder, TextEncoder, console };
    runInNewContext(`${code}; globalThis.erf = internals.erf(0.5);`, context);
    expect(context['erf']).toBeCloseTo(0.5205, 4);
  });
});
