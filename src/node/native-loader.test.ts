import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// The native path's loading and its fallback, each in a fresh Node process (the loader decides
// once per process). The children run the built code: `npm test` builds first.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A tiny LSTM's loss and the loader's status, computed in a child process with `env`. */
function lossInChild(env: Record<string, string>): { loss: number; active: boolean; description: string } {
  const script = `
    const tf = await import('@tensorflow/tfjs');
    const { setupNodeBackend } = await import('./dist/node/tf-backend.js');
    const { nativeStatus } = await import('./dist/node/native-loader.js');
    const { lstmSequenceFused } = await import('./dist/model/kernels/lstm.js');
    await setupNodeBackend('wasm');
    const n = (shape, seed) => tf.randomNormal(shape, 0, 0.5, 'float32', seed);
    const r = lstmSequenceFused(n([2, 5, 3], 1), n([2, 4], 2), n([2, 4], 3),
      { kernel: n([3, 16], 4), recurrentKernel: n([4, 16], 5), bias: n([16], 6) });
    const loss = tf.sum(tf.mul(r.outputs, n([2, 5, 4], 7))).dataSync()[0];
    const s = nativeStatus();
    console.log(JSON.stringify({ loss, active: s.active, description: s.description }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { loss: number; active: boolean; description: string };
}

describe('native kernels: loading and fallback', () => {
  test("HOWL_NATIVE=0 takes Howl's WebAssembly kernels, HOWL_WASM_KERNELS=0 TensorFlow.js's, and both say why", () => {
    const off = lossInChild({ HOWL_NATIVE: '0' });
    expect(off.active).toBe(false);
    expect(off.description).toMatch(
      /^Howl WebAssembly kernels \((relaxed )?SIMD\), \d+ threads? \(HOWL_NATIVE=0\)$/,
    );
    expect(Number.isFinite(off.loss)).toBe(true);
    const stock = lossInChild({ HOWL_NATIVE: '0', HOWL_WASM_KERNELS: '0' });
    expect(stock.description).toBe('TensorFlow.js wasm kernels (HOWL_NATIVE=0; HOWL_WASM_KERNELS=0)');
    expect(Math.abs(stock.loss - off.loss)).toBeLessThan(1e-4);
    // one thread and two give the same loss to the bit (the parts split rows and columns only)
    expect(lossInChild({ HOWL_NATIVE: '0', HOWL_THREADS: '1' }).loss).toBe(
      lossInChild({ HOWL_NATIVE: '0', HOWL_THREADS: '2' }).loss,
    );
  });

  test('a machine without OpenBLAS falls back silently to the WebAssembly path, with the same loss', () => {
    const missing = lossInChild({ HOWL_BLAS: '/nonexistent/libopenblas.so.0' });
    expect(missing.active).toBe(false);
    expect(missing.description).toMatch(
      /^Howl WebAssembly kernels .*\(OpenBLAS not found \(.*nonexistent.*\)\)$/,
    );
    const wrong = lossInChild({ HOWL_BLAS: 'libm.so.6' });
    expect(wrong.description).toMatch(/libm\.so\.6 is not OpenBLAS/);
    const off = lossInChild({ HOWL_NATIVE: '0' });
    expect(Math.abs(missing.loss - off.loss)).toBeLessThan(1e-6);
  });

  test.skipIf(process.platform !== 'linux' || process.arch !== 'x64')(
    "with OpenBLAS present the native kernels load and give the WebAssembly path's loss",
    (ctx) => {
      const on = lossInChild({});
      if (!on.active) {
        console.warn(
          `native kernels not active here (${on.description}); install libopenblas0-pthread to test them`,
        );
        return ctx.skip();
      }
      expect(on.description).toMatch(/^native kernels on OpenBLAS [\d.]+, \d+ threads?$/);
      const off = lossInChild({ HOWL_NATIVE: '0' });
      expect(Math.abs(on.loss - off.loss)).toBeLessThan(1e-4);
    },
  );

  test.each(['howl-native.c', 'kernel-steps.h', 'howl-midi.c'])(
    'the shipped binary of native/%s was built from the committed source (scripts/build-native.sh)',
    (file) => {
      const source = readFileSync(path.join(root, 'native', file));
      // sha256sum's lines: "<hex>  native/<file>".
      const recorded = readFileSync(path.join(root, 'native/prebuilt/linux-x64/SOURCE.sha256'), 'utf8')
        .split('\n')
        .find((line) => line.endsWith(`native/${file}`))
        ?.split(' ')[0];
      expect(createHash('sha256').update(source).digest('hex'), 'rebuild with scripts/build-native.sh').toBe(
        recorded,
      );
    },
  );
});
