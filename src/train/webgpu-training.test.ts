import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { browserBundle } from '../test-support/browser-bundle.js';
import type { PageResult } from '../test-support/webgpu-training-page.js';

/**
 * Training on TensorFlow.js's webgpu backend, in a real browser: Debian's headless Chromium runs
 * WebGPU on the CPU through SwiftShader (`../shared/guides/compute-notes.md`), slowly but with the
 * same WGSL kernels a GPU runs. A tiny ordered LSTM and a tiny transformer (both with dropout) take
 * a gradient and two `train` steps on cpu and then on webgpu in the page, and must agree:
 *
 * - the loss of a fixed batch, every step's loss and gradient norm, the validation loss: within
 *   1e-5 relative (measured: at most 1.6e-7);
 * - the gradient of every weight: max|g − g'| ≤ 1e-5 × max|g| per weight (measured: 6e-7);
 * - every weight after the two Adam steps: within 1e-5 absolute (measured: 5e-7).
 *
 * The page has no `OffscreenCanvas`, so a synchronous read of GPU memory fails there as it does in
 * Node: the training must read back asynchronously. Skipped, with a message, where there is no
 * Chromium (HOWL_CHROMIUM names another binary) or it finds no WebGPU adapter.
 */
const chromiumPath = process.env['HOWL_CHROMIUM'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium) {
  console.warn(
    `webgpu training: SKIPPED: no Chromium at ${chromiumPath} (apt-get install chromium, or set HOWL_CHROMIUM)`,
  );
}

/** Headless Chromium with WebGPU on SwiftShader's Vulkan (the flags that worked here). */
const WEBGPU_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-vulkan-surface',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** A localhost address (a secure context, which WebGPU needs); every request is answered here. */
const ORIGIN = 'http://localhost:9/';

const TOLERANCE = 1e-5;

describe.skipIf(!haveChromium)('training on webgpu in a browser (Chromium, SwiftShader)', () => {
  let browser: Browser | undefined;
  let page: Page;
  let noAdapter: string | null = null;

  beforeAll(async () => {
    const code = await browserBundle('test-support/webgpu-training-page.ts', 'howlWebGpu');
    browser = await chromium.launch({ executablePath: chromiumPath, args: WEBGPU_FLAGS });
    page = await browser.newPage();
    await page.route('**/*', (route) =>
      route.request().url().endsWith('/page.js')
        ? route.fulfill({ contentType: 'text/javascript', body: code })
        : route.fulfill({
            contentType: 'text/html',
            // No OffscreenCanvas: a synchronous read from the GPU then throws, as in Node.
            body: '<!doctype html><script>globalThis.OffscreenCanvas = undefined;</script><script src="/page.js"></script>',
          }),
    );
    await page.goto(ORIGIN);
    noAdapter = await page.evaluate(() => howlWebGpu.webGpuProblem());
    if (noAdapter !== null) console.warn(`webgpu training: SKIPPED: ${noAdapter}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  test('a synchronous read from the GPU fails in the page, as in Node', async (context) => {
    if (noAdapter !== null) context.skip();
    expect(await page.evaluate(() => howlWebGpu.syncReadFails())).toBe(true);
  });

  for (const which of ['ordered-lstm', 'transformer'] as const) {
    test(`${which}: loss, gradients and weights after two steps agree with the cpu backend`, async (context) => {
      if (noAdapter !== null) context.skip();
      const result = await page.evaluate((w) => howlWebGpu.compareBackends(w), which);
      const { agreement: a } = result;
      console.log(
        `webgpu ${which}: ${result.webgpu.seconds.toFixed(1)} s (cpu ${result.cpu.seconds.toFixed(1)} s); ` +
          `relative differences: loss ${a.loss.toExponential(1)}, gradients ${a.gradients.toExponential(1)}, ` +
          `step losses ${a.stepLosses.toExponential(1)}, gradient norms ${a.gradNorms.toExponential(1)}, ` +
          `validation ${a.validation.toExponential(1)}; weights ${a.weights.toExponential(1)} absolute`,
      );
      expect(result.webgpu.backend).toBe('webgpu');
      expect(result.cpu.backend).toBe('cpu');
      expect(result.webgpu.stepLosses).toHaveLength(2);
      expect(a.compared).toBe(Object.keys(result.cpu.weights).length);
      expect(a.compared).toBeGreaterThan(10);
      for (const key of ['loss', 'gradients', 'stepLosses', 'gradNorms', 'validation', 'weights'] as const) {
        expect(a[key], key).toBeLessThanOrEqual(TOLERANCE);
      }
    }, 120_000);
  }
});

declare global {
  /** The page bundle's exports (`webgpu-training-page.ts`). */
  const howlWebGpu: {
    compareBackends(which: 'ordered-lstm' | 'transformer'): Promise<PageResult>;
    webGpuProblem(): Promise<string | null>;
    syncReadFails(): Promise<boolean>;
  };
}
