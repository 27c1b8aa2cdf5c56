import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { main } from '../cli/main.js';
import { encodeDataset } from '../data/dataset-format.js';
import { BackendUnavailableError } from '../model/kernels/backend.js';
import type { Agreement } from '../test-support/backend-agreement.js';
import { makeTinyDataset } from '../test-support/fixtures.js';
import { repoRoot } from '../test-support/shared-data.js';
import { setupNodeBackend } from './tf-backend.js';

/**
 * `--backend webgpu` in Node. Without the optional `webgpu` package, or without a GPU, starting it
 * fails in one line that says which (what CI sees). Where the package is installed and Chromium's
 * SwiftShader Vulkan is on the machine (`npm i --no-save webgpu`, Debian's chromium), Dawn runs
 * WebGPU on the CPU through it, and the tiny models train there as on cpu (the browser test's
 * tolerances, `src/train/webgpu-training.test.ts`).
 */
const havePackage = (() => {
  try {
    createRequire(import.meta.url).resolve('webgpu');
    return true;
  } catch {
    return false;
  }
})();
/** Chromium's own Vulkan loader and SwiftShader driver (Debian's chromium ships both). */
const CHROMIUM_LIB = process.env['HOWL_CHROMIUM_LIB'] ?? '/usr/lib/chromium';
const swiftShader = join(CHROMIUM_LIB, 'vk_swiftshader_icd.json');
const haveSwiftShader = existsSync(join(CHROMIUM_LIB, 'libvulkan.so.1')) && existsSync(swiftShader);

const work = mkdtempSync(join(tmpdir(), 'howl-webgpu-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The error `setupNodeBackend('webgpu')` ends in here, or `undefined` when it starts. */
async function startError(): Promise<Error | undefined> {
  try {
    await setupNodeBackend('webgpu');
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe('--backend webgpu in Node', () => {
  test('without the webgpu package or a GPU adapter: one line that says which', async (context) => {
    const error = await startError();
    if (error === undefined) context.skip(); // a GPU is here: nothing to refuse
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error!.message.split('\n')).toHaveLength(1);
    expect(error!.message).toMatch(
      havePackage
        ? /^TensorFlow\.js backend 'webgpu' is not available: no WebGPU adapter: Dawn \(the `webgpu` package\) finds no GPU here.*it needs a GPU and its Vulkan driver/
        : /^TensorFlow\.js backend 'webgpu' is not available: Node has no WebGPU of its own: install the `webgpu` package \(npm i webgpu/,
    );
  });

  test('howl train --backend webgpu without one: exit 1 and that line', async (context) => {
    if ((await startError()) === undefined) context.skip();
    const data = join(work, 'tiny.howl');
    writeFileSync(data, encodeDataset(makeTinyDataset()));
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    let code: number;
    try {
      code = await main(['train', data, '--backend', 'webgpu', '--steps', '1', '--out', join(work, 'run')]);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^howl: TensorFlow\.js backend 'webgpu' is not available: /);
  });

  test('--workers on webgpu is refused before anything starts', async () => {
    const data = join(work, 'tiny-workers.howl');
    writeFileSync(data, encodeDataset(makeTinyDataset()));
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    let code: number;
    try {
      code = await main([
        'train',
        data,
        '--backend',
        'webgpu',
        '--workers',
        '2',
        '--out',
        join(work, 'run2'),
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^howl: --workers 2 splits each step over CPU threads; on --backend webgpu .*use --workers 1\n$/,
    );
    expect(existsSync(join(work, 'run2'))).toBe(false);
  });

  test.skipIf(!havePackage || !haveSwiftShader)(
    'on Dawn with SwiftShader: the tiny models train as on cpu',
    async () => {
      const script = join(repoRoot, 'node_modules', '.cache', 'howl-tests', 'webgpu-training-node.mjs');
      await build({
        entryPoints: [join(repoRoot, 'src/test-support/webgpu-training-node.ts')],
        bundle: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        outfile: script,
        logLevel: 'silent',
      });
      const env = { ...process.env, LD_LIBRARY_PATH: CHROMIUM_LIB, VK_ICD_FILENAMES: swiftShader };
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, [script], { env, timeout: 170_000 }, (error, out, err) =>
          error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
        ),
      );
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map(
          (l) => JSON.parse(l) as { which: string; backend: string; seconds: number; agreement: Agreement },
        );
      expect(lines.map((l) => l.which)).toEqual(['ordered-lstm', 'transformer']);
      for (const { which, backend, seconds, agreement: a } of lines) {
        console.log(`Dawn ${which}: ${seconds.toFixed(1)} s; ${JSON.stringify(a)}`);
        expect(backend).toBe('webgpu');
        for (const key of [
          'loss',
          'gradients',
          'stepLosses',
          'gradNorms',
          'validation',
          'weights',
        ] as const) {
          expect(a[key], `${which} ${key}`).toBeLessThanOrEqual(1e-5);
        }
      }
    },
    180_000,
  );
});
