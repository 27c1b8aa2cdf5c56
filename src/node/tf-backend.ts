import { createRequire } from 'node:module';
import path from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { setupBackend, type BackendName } from '../model/kernels/backend.js';
import { loadNativeKernels } from './native-loader.js';
import { installNodeWebGpu } from './node-webgpu.js';

/** Node-only side of backend setup: where the wasm backend's binaries live. */

let pathsSet = false;

/**
 * The folder holding `tfjs-backend-wasm*.wasm` (the installed package's `dist/`), with a trailing
 * path separator as `setWasmPaths` wants it.
 *
 * @returns an absolute file path
 */
export function wasmBinaryDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(packageJson), 'dist') + path.sep;
}

/**
 * Starts a TensorFlow.js backend in Node: for `'wasm'` it first tells the backend where its
 * binaries are (once; before the backend initialises), loads the optional native kernels
 * (`native-loader.ts`; silently absent where they cannot load), then calls `setupBackend`. For
 * `'webgpu'` it first gives Node `navigator.gpu` from the optional `webgpu` package (Dawn) where a
 * GPU adapter is found (`node-webgpu.ts`). Idempotent.
 *
 * @param name - the backend (default `'wasm'`)
 * @returns the name of the active backend
 * @throws BackendUnavailableError when the backend cannot start, naming how to install it; for
 *   webgpu without the `webgpu` package or without a GPU adapter, in one line that says which
 * @example await setupNodeBackend('wasm');
 */
export async function setupNodeBackend(name: BackendName = 'wasm'): Promise<BackendName> {
  if (name === 'wasm' && !pathsSet) {
    setWasmPaths(wasmBinaryDirectory());
    pathsSet = true;
  }
  // The native kernels (OpenBLAS, when the machine has it) serve the wasm and cpu backends.
  if (name === 'wasm' || name === 'cpu') loadNativeKernels();
  if (name === 'webgpu') await installNodeWebGpu();
  return setupBackend(name);
}
