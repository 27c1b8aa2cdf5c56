import * as tf from '@tensorflow/tfjs';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { HowlError } from '../../errors.js';
import { nativeKernelsChosen, useNativeKernels } from './native-kernels.js';
import { compileKernelModule, singleThread } from './wasm-kernel-module.js';
import { registerWasmKernels } from './wasm-kernels.js';
import { createWasmTrainingKernels } from './wasm-training-kernels.js';
import { prepareWebGpu } from './webgpu.js';

/**
 * Choosing and starting the TensorFlow.js backend. Browser-safe: in Node, call
 * `setupNodeBackend` from `src/node/tf-backend.ts` instead, which first tells the wasm backend where
 * its `.wasm` binaries are.
 */

/** The backends Howl knows how to start; `'wasm'` is the tested default. */
export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu' | 'tensorflow';

/** Every backend name, in order of preference for a user who has no GPU and no tfjs-node. */
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'cpu', 'webgl', 'webgpu', 'tensorflow'];

/** A backend that cannot be started here (package not installed, no GPU, binary not found). */
export class BackendUnavailableError extends HowlError {
  /** The backend that was asked for. */
  readonly backend: BackendName;

  constructor(backend: BackendName, reason: string, options: { cause?: unknown } = {}) {
    super('backend-unavailable', `TensorFlow.js backend '${backend}' is not available: ${reason}`, options);
    this.backend = backend;
  }
}

/** How to get each backend, for error messages. */
const HOW_TO_INSTALL: Record<BackendName, string> = {
  wasm: 'it ships with Howl (@tensorflow/tfjs-backend-wasm); in Node call setupNodeBackend() so the .wasm binaries are found, in a browser serve them and call setWasmPaths()',
  cpu: 'it ships with @tensorflow/tfjs',
  webgl: 'it needs a browser with WebGL 2 (it does not run in Node)',
  webgpu:
    "it needs a GPU and WebGPU: a browser that has it, or in Node the `webgpu` package (npm i webgpu) with the GPU's Vulkan driver (Metal on macOS, D3D12 on Windows)",
  tensorflow:
    'install @tensorflow/tfjs-node@4.22.0 (or @tensorflow/tfjs-node-gpu@4.22.0) in Node; its install step downloads a native TensorFlow library',
};

/** Package to import before `tf.setBackend` for the backends that do not come with @tensorflow/tfjs. */
const EXTRA_PACKAGES: Partial<Record<BackendName, readonly string[]>> = {
  tensorflow: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
};

const pending = new Map<BackendName, Promise<BackendName>>();

function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

async function importFirst(name: BackendName, specifiers: readonly string[]): Promise<void> {
  let lastError: unknown;
  for (const specifier of specifiers) {
    try {
      // A variable specifier: these packages are optional and absent from package.json.
      await import(/* @vite-ignore */ specifier);
      return;
    } catch (error) {
      lastError = error;
    }
  }
  throw new BackendUnavailableError(
    name,
    `could not import ${specifiers.join(' or ')}; ${HOW_TO_INSTALL[name]}`,
    {
      cause: lastError,
    },
  );
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

async function start(name: BackendName): Promise<BackendName> {
  if (name === 'webgpu') {
    const missing = await prepareWebGpu();
    if (missing !== undefined) throw new BackendUnavailableError(name, missing);
  }
  const extra = EXTRA_PACKAGES[name];
  if (extra !== undefined && tf.findBackendFactory(name) === null) await importFirst(name, extra);
  if (name === 'wasm' && tf.findBackendFactory('wasm') === null) {
    throw new BackendUnavailableError(
      name,
      `@tensorflow/tfjs-backend-wasm ${tfWasm.version_wasm} did not register`,
    );
  }
  if (tf.findBackendFactory(name) === null) {
    throw new BackendUnavailableError(name, `no such backend is registered; ${HOW_TO_INSTALL[name]}`);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (error) {
    throw new BackendUnavailableError(name, `${errorText(error)}; ${HOW_TO_INSTALL[name]}`, { cause: error });
  }
  if (!ok || tf.getBackend() !== name) {
    throw new BackendUnavailableError(name, `it failed to initialise; ${HOW_TO_INSTALL[name]}`);
  }
  if (name === 'wasm') {
    registerWasmKernels();
    // Where nothing faster is registered (a browser; Node registers its own first): Howl's
    // WebAssembly training kernels on this thread, if the page has shared memory.
    if (!nativeKernelsChosen()) useSingleThreadWasmKernels();
  }
  return name;
}

/** Registers Howl's WebAssembly training kernels on the calling thread, where they compile. */
function useSingleThreadWasmKernels(): void {
  const module = compileKernelModule();
  if (module !== null) useNativeKernels(createWasmTrainingKernels(module, singleThread(module)));
}

/**
 * Makes `name` the active TensorFlow.js backend and waits until it is ready. Idempotent: calling it
 * again with the same name (also concurrently) returns the same promise. For `'wasm'` it also
 * registers Howl's faster Slice / SplitV / Unpack / BatchMatMul kernels (see `wasm-kernels.ts`).
 *
 * In Node call `setupNodeBackend` (src/node/tf-backend.ts) instead: it points the wasm backend at
 * its binaries first, then calls this.
 *
 * @param name - the backend (default `'wasm'`)
 * @returns the name of the active backend
 * @throws BackendUnavailableError naming the backend and how to install it when it cannot start
 * @example await setupBackend('wasm');
 */
export async function setupBackend(name: BackendName = 'wasm'): Promise<BackendName> {
  if (!isBackendName(name)) {
    throw new BackendUnavailableError(name, `unknown backend; choose one of ${BACKEND_NAMES.join(', ')}`);
  }
  const running = pending.get(name);
  if (running !== undefined && tf.getBackend() === name) return running;
  const started = start(name);
  pending.set(name, started);
  started.catch(() => pending.delete(name));
  return started;
}
