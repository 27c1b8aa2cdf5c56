import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, test } from 'vitest';
import { BackendUnavailableError, setupBackend } from '../model/kernels/backend.js';
import { wasmKernelsRegistered } from '../model/kernels/wasm-kernels.js';
import { setupNodeBackend, wasmBinaryDirectory } from './tf-backend.js';

describe('setupNodeBackend', () => {
  test('the wasm binaries are where setWasmPaths is pointed', () => {
    const dir = wasmBinaryDirectory();
    expect(dir.endsWith(path.sep)).toBe(true);
    for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) {
      expect(existsSync(path.join(dir, file))).toBe(true);
    }
  });

  test('starts wasm (idempotently) with the replacement kernels, and cpu', async () => {
    expect(await setupNodeBackend()).toBe('wasm');
    expect(await setupNodeBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmKernelsRegistered()).toBe(true);
    const y = tf.matMul(tf.ones([2, 3]), tf.ones([3, 2]));
    expect(Array.from(y.dataSync())).toEqual([3, 3, 3, 3]);
    y.dispose();
    expect(await setupNodeBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await setupBackend('wasm')).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  test('an unavailable backend names itself and how to install it', async () => {
    const attempt = setupNodeBackend('tensorflow');
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(setupNodeBackend('tensorflow')).rejects.toThrow(/'tensorflow'.*@tensorflow\/tfjs-node/);
    await expect(setupBackend('webgpu')).rejects.toThrow(
      /'webgpu'.*no WebGPU \(navigator\.gpu\).*npm i webgpu/,
    );
    await expect(setupBackend('nonsense' as 'cpu')).rejects.toThrow(/unknown backend/);
  });
});
