import { createRequire } from 'node:module';
import os from 'node:os';
import { useNativeKernels, type NativeKernels } from '../model/kernels/native-kernels.js';
import { startWasmTrainingKernels } from './wasm-kernel-threads.js';

/**
 * Loading Howl's training kernels, the fastest that works here:
 *
 * 1. the native addon (native/howl-native.c, prebuilt for Linux x64 in `native/prebuilt/`), which
 *    finds OpenBLAS at run time; off with HOWL_NATIVE=0;
 * 2. else Howl's WebAssembly kernels (native/howl-wasm.c; `wasm-training-kernels.ts`) on worker
 *    threads, with relaxed SIMD where V8 has it (Node 20 behind a flag this turns on); off with
 *    HOWL_WASM_KERNELS=0;
 * 3. else nothing is registered and TensorFlow.js's own wasm kernels run everything.
 *
 * All three give the same results within float rounding; the later ones are slower.
 */

/** What `loadNativeKernels` found. */
export interface NativeStatus {
  /** Whether the native kernels are registered. */
  readonly active: boolean;
  /** One line for logs: what runs the matrix products and why. */
  readonly description: string;
  /** BLAS threads (1 when inactive). */
  readonly threads: number;
}

interface Addon extends NativeKernels {
  readonly available: boolean;
  readonly reason: string;
}

let status: NativeStatus | undefined;
let loaded: NativeKernels | null = null;

/** The addon's path from this module (dist/node/ or src/node/): the package root's native/. */
const ADDON = '../../native/prebuilt/linux-x64/howl-native.node';

function disabledByEnvironment(variable = 'HOWL_NATIVE'): boolean {
  const flag = (process.env[variable] ?? '').toLowerCase();
  return flag === '0' || flag === 'off' || flag === 'false' || flag === 'no';
}

/**
 * The BLAS thread count to use: HOWL_THREADS when set, else the cores this process may use.
 *
 * @returns a positive integer
 */
export function defaultBlasThreads(): number {
  const asked = Number(process.env['HOWL_THREADS']);
  if (Number.isInteger(asked) && asked >= 1) return asked;
  return Math.max(
    1,
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
  );
}

function tryLoad(): { addon: Addon | null; why: string } {
  if (disabledByEnvironment()) return { addon: null, why: 'HOWL_NATIVE=0' };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { addon: null, why: `no prebuilt native kernels for ${process.platform}-${process.arch}` };
  }
  try {
    const addon = createRequire(import.meta.url)(ADDON) as Addon;
    if (!addon.available) return { addon: null, why: `OpenBLAS not found (${addon.reason})` };
    return { addon, why: '' };
  } catch (error) {
    return {
      addon: null,
      why: `the native addon did not load (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
    };
  }
}

/**
 * Loads and registers the native kernels once (later calls return the first answer). Never
 * throws: a failure is reported in the status and the WebAssembly path stays in place.
 *
 * @param threads - BLAS threads (default `defaultBlasThreads()`)
 * @returns what was found
 */
export function loadNativeKernels(threads = defaultBlasThreads()): NativeStatus {
  if (status !== undefined) return status;
  const { addon, why } = tryLoad();
  if (addon === null) {
    status = loadWasmKernels(threads, why);
    return status;
  }
  addon.setThreads(threads);
  useNativeKernels(addon);
  loaded = addon;
  const blas = addon.blas.split(' ').slice(0, 2).join(' ');
  status = {
    active: true,
    description: `native kernels on ${blas}, ${addon.threads()} thread${addon.threads() === 1 ? '' : 's'}`,
    threads: addon.threads(),
  };
  return status;
}

/**
 * Registers Howl's WebAssembly kernels when the native addon is not to be had.
 *
 * @param threads - threads for their jobs
 * @param why - why the native addon is not used
 * @returns the status
 */
function loadWasmKernels(threads: number, why: string): NativeStatus {
  if (disabledByEnvironment('HOWL_WASM_KERNELS')) {
    useNativeKernels(null);
    return {
      active: false,
      description: `TensorFlow.js wasm kernels (${why}; HOWL_WASM_KERNELS=0)`,
      threads: 1,
    };
  }
  const wasm = startWasmTrainingKernels(threads);
  if (wasm === null) {
    useNativeKernels(null);
    return {
      active: false,
      description: `TensorFlow.js wasm kernels (${why}; no shared WebAssembly memory)`,
      threads: 1,
    };
  }
  useNativeKernels(wasm);
  loaded = wasm;
  return {
    active: false,
    description: `${wasm.blas}, ${threads} thread${threads === 1 ? '' : 's'} (${why})`,
    threads,
  };
}

/**
 * Sets the thread count of the loaded kernels (native or WebAssembly).
 *
 * @param threads - a positive integer
 */
export function setNativeThreads(threads: number): void {
  if (status === undefined || loaded === null) return;
  loaded.setThreads(threads);
  status = {
    ...status,
    threads,
    description: status.description.replace(/\d+ threads?/, `${threads} thread${threads === 1 ? '' : 's'}`),
  };
}

/**
 * What `loadNativeKernels` found, if it ran.
 *
 * @returns the status, or undefined before the first load
 */
export function nativeStatus(): NativeStatus | undefined {
  return status;
}
