import * as tf from '@tensorflow/tfjs';
import { setupBackend } from '../model/kernels/backend.js';
import {
  AGREEMENT_MODELS,
  compareRuns,
  trainOnActiveBackend,
  type Agreement,
  type BackendRun,
} from './backend-agreement.js';

/**
 * The page side of `webgpu-training.test.ts`: bundled for the browser, it trains the tiny models on
 * the cpu backend and then on webgpu, and compares them. Exposed as the global `howlWebGpu`.
 */

/** What the page reports for one model. */
export interface PageResult {
  readonly cpu: BackendRun;
  readonly webgpu: BackendRun;
  readonly agreement: Agreement;
}

/**
 * Trains one tiny model on cpu, then on webgpu, in this page.
 *
 * @param which - the model of `AGREEMENT_MODELS`
 * @returns both runs and how far apart they are
 */
export async function compareBackends(which: keyof typeof AGREEMENT_MODELS): Promise<PageResult> {
  await setupBackend('cpu');
  const cpu = await trainOnActiveBackend(AGREEMENT_MODELS[which]);
  await setupBackend('webgpu');
  const webgpu = await trainOnActiveBackend(AGREEMENT_MODELS[which]);
  return { cpu, webgpu, agreement: compareRuns(webgpu, cpu) };
}

/**
 * Starts webgpu alone, to tell a missing adapter from a failure.
 *
 * @returns `null` when it starts, else the error's message
 */
export async function webGpuProblem(): Promise<string | null> {
  try {
    await setupBackend('webgpu');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Whether a synchronous read of a tensor computed on webgpu fails in this page, as in Node (the
 * page removes `OffscreenCanvas`, which the backend's `dataSync` needs).
 *
 * @returns true when `dataSync` throws
 */
export async function syncReadFails(): Promise<boolean> {
  await setupBackend('webgpu');
  const t = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]))); // large enough for the GPU
  try {
    t.dataSync();
    return false;
  } catch {
    return true;
  } finally {
    t.dispose();
  }
}
