import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { browserBundle } from '../../test-support/browser-bundle.js';
import { repoRoot } from '../../test-support/shared-data.js';
import type { WasmPageResult } from '../../test-support/wasm-kernels-page.js';

/**
 * Howl's WebAssembly training kernels in a real browser (Debian's headless Chromium): a page served
 * cross-origin isolated (COOP and COEP headers, so it has shared memory) starts the wasm backend,
 * which registers the kernels on the page's thread, and trains a tiny ordered LSTM and a tiny
 * transformer; loss, gradients, step losses and weights after two Adam steps must agree with the cpu
 * backend's (TensorFlow.js's own kernels). Skipped, with a message, where there is no Chromium.
 */
const chromiumPath = process.env['HOWL_CHROMIUM'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium) {
  console.warn(
    `wasm kernels in a browser: SKIPPED: no Chromium at ${chromiumPath} (apt-get install chromium)`,
  );
}

const ORIGIN = 'http://localhost:9/';
const WASM_DIR = path.join(repoRoot, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
/** Float32 kernels against float32 kernels, summed in other orders: as the native tests allow. */
const TOLERANCE = 1e-4;

describe.skipIf(!haveChromium)('WebAssembly training kernels in a browser (Chromium)', () => {
  let browser: Browser | undefined;
  let code = '';

  beforeAll(async () => {
    code = await browserBundle('test-support/wasm-kernels-page.ts', 'howlWasm');
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  for (const which of ['ordered-lstm', 'transformer'] as const) {
    test(`${which}: the kernels register and agree with the cpu backend`, async () => {
      const page = await browser!.newPage();
      const isolation = {
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      };
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.pathname.endsWith('.wasm')) {
          const file = path.join(WASM_DIR, path.basename(url.pathname));
          return route.fulfill({
            contentType: 'application/wasm',
            headers: isolation,
            body: readFileSync(file),
          });
        }
        if (url.pathname === '/page.js') {
          return route.fulfill({ contentType: 'text/javascript', headers: isolation, body: code });
        }
        return route.fulfill({
          contentType: 'text/html',
          headers: isolation,
          body: '<!doctype html><script src="/page.js"></script>',
        });
      });
      await page.goto(ORIGIN);
      const result: WasmPageResult = await page.evaluate(([w, dir]) => howlWasm.compareWasmKernels(w, dir), [
        which,
        `${ORIGIN}wasm/`,
      ] as const);
      await page.close();
      console.log(
        `wasm kernels in Chromium, ${which}: ${result.kernels ?? 'none'}; ${result.wasm.seconds.toFixed(1)} s ` +
          `(cpu ${result.cpu.seconds.toFixed(1)} s); loss ${result.agreement.loss.toExponential(1)}, ` +
          `gradients ${result.agreement.gradients.toExponential(1)}, weights ${result.agreement.weights.toExponential(1)}`,
      );
      expect(result.isolated).toBe(true);
      expect(result.kernels).toMatch(/^Howl WebAssembly kernels \((relaxed )?SIMD\)$/);
      expect(result.wasm.backend).toBe('wasm');
      expect(result.agreement.compared).toBeGreaterThan(10);
      for (const key of ['loss', 'gradients', 'stepLosses', 'gradNorms', 'validation', 'weights'] as const) {
        expect(result.agreement[key], key).toBeLessThanOrEqual(TOLERANCE);
      }
    }, 120_000);
  }
});

declare global {
  /** The page bundle's exports (`wasm-kernels-page.ts`). */
  const howlWasm: {
    compareWasmKernels(which: 'ordered-lstm' | 'transformer', wasmPath: string): Promise<WasmPageResult>;
  };
}
