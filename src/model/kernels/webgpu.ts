import * as tf from '@tensorflow/tfjs';

/**
 * What `setupBackend('webgpu')` checks before it hands over to TensorFlow.js's webgpu backend
 * (@tensorflow/tfjs-backend-webgpu, loaded here on first use so that other backends never load it).
 * Browser-safe: WebGPU is `navigator.gpu`, which a browser provides and, in Node,
 * `installNodeWebGpu` (src/node/node-webgpu.ts) sets from the `webgpu` package (Dawn).
 *
 * On webgpu a tensor's values live on the GPU, and the backend can read them back synchronously
 * (`dataSync`) only in a browser, slowly; in Node it cannot at all. So the training code reads
 * back asynchronously (`readBack` below, `tensor.data()`).
 */

/** The part of WebGPU's `navigator.gpu` used here. */
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<unknown>;
}

/** `navigator.gpu` where this runtime has it. */
export function webGpuOf(): GpuLike | undefined {
  const navigator = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return navigator?.gpu ?? undefined;
}

/**
 * Checks that WebGPU and an adapter are here, then loads and registers TensorFlow.js's webgpu
 * backend (the package registers it on import only where `navigator.gpu` exists).
 *
 * @returns `undefined` when the backend can be started, else the reason it cannot (one line)
 */
export async function prepareWebGpu(): Promise<string | undefined> {
  const gpu = webGpuOf();
  if (gpu === undefined) {
    return 'this JavaScript runtime has no WebGPU (navigator.gpu): use a browser with WebGPU, or in Node install the `webgpu` package (npm i webgpu) and call setupNodeBackend';
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null || adapter === undefined) {
    return 'no WebGPU adapter: this machine has no GPU, or no driver for it';
  }
  if (tf.findBackendFactory('webgpu') === null) await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu') === null) {
    return '@tensorflow/tfjs-backend-webgpu was loaded before navigator.gpu existed and did not register';
  }
  return undefined;
}

/** Backends whose tensors live in CPU memory, where a synchronous read costs nothing extra. */
function onCpu(): boolean {
  const backend = tf.getBackend();
  return backend === 'cpu' || backend === 'wasm' || backend === 'tensorflow';
}

/**
 * Reads tensors' values into CPU memory, asynchronously where they live on a GPU (the webgpu and
 * webgl backends then keep the copy, so a later `dataSync` of the same tensors returns at once).
 * On the CPU backends it does nothing.
 *
 * @param tensors - tensors to read (not disposed)
 * @example await readBack(model.variables); const data = model.variables[0].dataSync();
 */
export async function readBack(tensors: readonly tf.Tensor[]): Promise<void> {
  if (onCpu()) return;
  await Promise.all(tensors.map((t) => t.data()));
}
