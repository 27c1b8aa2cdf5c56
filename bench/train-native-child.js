#!/usr/bin/env node
// One Howl candidate of bench/train-native.js, in its own process (the kernels are chosen once per
// process: HOWL_NATIVE=0 for the WebAssembly path, HOWL_THREADS for the BLAS threads). One step is
// what `howl train` does per batch: the model's loss and gradients (passGradientTensors, the
// trainer's own function) and an Adam update (the trainer's Adam). With --workers N the step's
// gradients come from N gradient worker threads, each computing B/N crops on one kernel thread
// (`howl train`'s default on N cores: run it with HOWL_THREADS=1). Prints one JSON line.
/* global performance */
// Usage: node bench/train-native-child.js --arch lstm-192 [--batch 64] [--length 256] [--rounds 3]
//                                         [--workers 1]
import * as tf from '@tensorflow/tfjs';
import { setupNodeBackend } from '../dist/node/tf-backend.js';
import { nativeStatus } from '../dist/node/native-loader.js';
import { presetConfig } from '../dist/model/config.js';
import { createModel } from '../dist/model/create-model.js';
import { pianoCrops } from './piano-crops.js';
import { passGradientTensors } from '../dist/train/pass-gradient.js';
import { createAdam } from '../dist/train/adam.js';
import { createGradientWorkers } from '../dist/node/gradient-workers.js';
import { createWorkerGradients } from '../dist/train/gradient-computer.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const arch = option('arch', 'lstm-192');
const batch = Number(option('batch', '64'));
const length = Number(option('length', '256'));
const rounds = Number(option('rounds', '3'));
const workers = Number(option('workers', '1'));

await setupNodeBackend('wasm');

const crops = pianoCrops(batch, length);
const model = createModel(presetConfig(arch), { seed: 1 });
const adam = createAdam(model.weights);
const data = workers > 1 ? undefined : model.makeBatch(crops);
const pool =
  workers > 1
    ? await createGradientWorkers({ workers, model: presetConfig(arch), backend: 'wasm' })
    : undefined;
const computer = pool && createWorkerGradients(model, pool, Math.ceil(batch / workers));
const step = async (seed) => {
  if (computer === undefined) {
    tf.tidy(() => {
      const { grads, losses } = passGradientTensors(model, data, seed, 1);
      adam.apply(grads, 1e-3);
      losses.dataSync();
    });
    return;
  }
  const { gradients } = await computer.computeStep(crops, seed);
  tf.tidy(() => adam.apply(gradients, 1e-3));
  tf.dispose(gradients);
};
await step(1); // warm-up: kernels compiled, Adam's moments made
const times = [];
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  await step(2 + r);
  times.push((performance.now() - t0) / 1000);
}
const seconds = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
await pool?.close();
console.log(
  JSON.stringify({
    arch,
    kernels: nativeStatus()?.description ?? 'unknown',
    seconds,
    rate: (batch * length) / seconds,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
