import { createRequire } from 'node:module';
import os from 'node:os';
import { useNativeKernels, type NativeKernels } from '../model/kernels/native-kernels.js';

/**
 * Loading Howl's optional native training kernels (native/howl-native.c, prebuilt for Linux x64 in
 * `native/prebuilt/`). The addon finds OpenBLAS at run time; when anything is missing (another
 * platform, no OpenBLAS, a Node that refuses the addon, or HOWL_NATIVE=0) nothing is registered and
 * training runs on the WebAssembly kernels: same results within float rounding, slower.
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
let loaded: Addon | null = null;

/** The addon's path from this module (dist/node/ or src/node/): the package root's native/. */
const ADDON = '../../native/prebuilt/linux-x64/howl-native.node';

function disabledByEnvironment(): boolean {
  const flag = (process.env['HOWL_NATIVE'] ?? '').toLowerCase();
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
    status = { active: false, description: `WebAssembly kernels (${why})`, threads: 1 };
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
 * Sets the BLAS thread count of the loaded native kernels (no effect on the WebAssembly path).
 *
 * @param threads - a positive integer
 */
export function setNativeThreads(threads: number): void {
  if (status === undefined || loaded === null) return;
  loaded.setThreads(threads);
  status = {
    ...status,
    threads,
    description: status.description.replace(/\d+ threads?$/, `${threads} thread${threads === 1 ? '' : 's'}`),
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
