import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { setupBackend } from '../model/kernels/backend.js';
import { nativeKernels } from '../model/kernels/native-kernels.js';
import {
  AGREEMENT_MODELS,
  compareRuns,
  trainOnActiveBackend,
  type Agreement,
  type BackendRun,
} from './backend-agreement.js';

/**
 * The page side of `wasm-kernels-browser.test.ts`: bundled for the browser, it trains a tiny model on
 * the cpu backend (TensorFlow.js's own kernels), then on wasm, where `setupBackend` registers Howl's
 * WebAssembly training kernels when the page has shared memory. Exposed as the global `howlWasm`.
 */

/** What the page reports. */
export interface WasmPageResult {
  /** `crossOriginIsolated`: what shared memory needs. */
  readonly isolated: boolean;
  /** The registered kernels' description, or null when none were. */
  readonly kernels: string | null;
  readonly cpu: BackendRun;
  readonly wasm: BackendRun;
  readonly agreement: Agreement;
}

/**
 * Trains one tiny model on cpu, then on wasm with Howl's kernels, in this page.
 *
 * @param which - the model of `AGREEMENT_MODELS`
 * @param wasmPath - where the page serves tfjs-backend-wasm's `.wasm` files
 * @returns both runs and how far apart they are
 */
export async function compareWasmKernels(
  which: keyof typeof AGREEMENT_MODELS,
  wasmPath: string,
): Promise<WasmPageResult> {
  await setupBackend('cpu');
  const cpu = await trainOnActiveBackend(AGREEMENT_MODELS[which]);
  setWasmPaths(wasmPath);
  await setupBackend('wasm');
  const wasm = await trainOnActiveBackend(AGREEMENT_MODELS[which]);
  return {
    isolated: globalThis.crossOriginIsolated === true,
    kernels: nativeKernels()?.blas ?? null,
    cpu,
    wasm,
    agreement: compareRuns(wasm, cpu),
  };
}
