#!/usr/bin/env node
// Training speed on a GPU through WebGPU (TensorFlow.js's webgpu backend on Dawn, the optional
// `webgpu` npm package) against the default backend (wasm, with the native kernels where they
// load), for a device check on a machine with a GPU; never run by CI. One step = what `howl train`
// does per step: forward, backward (one pass of B × T), the loss read back, Adam. Prints
// timesteps × batch per second, the median of --rounds steps after a warm-up step, per backend and
// architecture, and the ratio webgpu / default. Fails in one line where there is no GPU adapter.
//
// On the GPU machine, from the repository root (the Vulkan loader and the GPU's Vulkan driver must
// be installed: libvulkan1 and, for NVIDIA, its ICD file, e.g. VK_DRIVER_FILES=…/nvidia_icd.json):
//   npm ci && npm i --no-save --ignore-scripts webgpu@0.6.2 && npm run build && node bench/train-webgpu.js
//
// Usage: node bench/train-webgpu.js [--arch ordered-lstm,ordered-transformer] [--batch 64]
//                                   [--length 256] [--rounds 3] [--backends webgpu,wasm]
/* global performance */
import * as tf from '@tensorflow/tfjs';
import { presetConfig } from '../dist/model/config.js';
import { createModel } from '../dist/model/create-model.js';
import { installNodeWebGpu } from '../dist/node/node-webgpu.js';
import { setupNodeBackend } from '../dist/node/tf-backend.js';
import { createAdam } from '../dist/train/adam.js';
import { createInProcessGradients } from '../dist/train/gradient-computer.js';
import { pianoCrops } from './piano-crops.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const archs = option('arch', 'ordered-lstm,ordered-transformer').split(',');
const batch = Number(option('batch', '64'));
const length = Number(option('length', '256'));
const rounds = Number(option('rounds', '3'));
const backends = option('backends', 'webgpu,wasm').split(',');

const crops = pianoCrops(batch, length);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Seconds per step of `arch` on the active backend: the median of `rounds` after a warm-up. */
async function secondsPerStep(arch) {
  const model = createModel(presetConfig(arch), { seed: 1 });
  const adam = createAdam(model.weights);
  const gradients = createInProcessGradients(model, batch);
  const step = async (seed) => {
    const result = await gradients.computeStep(crops, seed); // reads the loss back: the GPU has finished
    tf.tidy(() => adam.apply(result.gradients, 1e-3));
    tf.dispose(result.gradients);
    await model.variables[0].data(); // and the update
    return result.losses[0];
  };
  try {
    const loss = await step(1);
    if (!Number.isFinite(loss)) throw new Error(`${arch}: the loss is ${loss}`);
    const times = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      await step(2 + r);
      times.push((performance.now() - t0) / 1000);
    }
    return median(times);
  } finally {
    adam.dispose();
    model.dispose();
  }
}

const results = new Map();
for (const backend of backends) {
  try {
    if (backend === 'webgpu') console.log(`webgpu adapter: ${await installNodeWebGpu()}`);
    await setupNodeBackend(backend);
  } catch (error) {
    console.error(`bench/train-webgpu: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  for (const arch of archs) {
    const seconds = await secondsPerStep(arch);
    results.set(`${backend} ${arch}`, seconds);
    console.log(
      `${backend.padEnd(7)} ${arch.padEnd(20)} ${seconds.toFixed(3)} s/step ` +
        `${Math.round((batch * length) / seconds)
          .toLocaleString('en')
          .padStart(9)} timesteps × batch / s`,
    );
  }
}
console.log(`batch ${batch} × ${length} notes, median of ${rounds} steps after a warm-up step`);
if (backends.length > 1) {
  for (const arch of archs) {
    const ratio = results.get(`${backends[1]} ${arch}`) / results.get(`${backends[0]} ${arch}`);
    console.log(`${arch}: ${backends[0]} is ${ratio.toFixed(2)}× ${backends[1]}`);
  }
}
// Dawn's instance can keep Node alive after the last GPU work; the figures are printed.
process.exit(0);
