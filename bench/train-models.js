#!/usr/bin/env node
// Whole-model training benchmark (build first: `npm run build`). One step = forward + backward +
// Adam update of a complete network (trunk and heads, the real loss) on a batch of crops, wasm
// backend with Howl's kernels, 1 thread. Reports note-steps (timesteps × batch) per second for each
// architecture and its ratio to the first one listed (the baseline), measured in this run: rounds
// interleave the architectures and the figure is the median over rounds. Peak memory: tfjs's
// tracked bytes (tf.profile) of one step.
/* global performance */
// Usage: node bench/train-models.js [--arch ordered-lstm,ordered-transformer] [--batch 32]
//                                   [--length 256] [--rounds 3]
import * as tf from '@tensorflow/tfjs';
import { setupNodeBackend } from '../dist/node/tf-backend.js';
import { architectureName, presetConfig } from '../dist/model/config.js';
import { createModel } from '../dist/model/create-model.js';
import { pianoCrops } from './piano-crops.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const archs = option('arch', 'ordered-lstm,ordered-transformer').split(',');
const batch = Number(option('batch', '32'));
const length = Number(option('length', '256'));
const rounds = Number(option('rounds', '3'));

await setupNodeBackend('wasm');

const crops = pianoCrops(batch, length);

const runs = archs.map((arch) => {
  const model = createModel(presetConfig(arch), { seed: 1 });
  const optimizer = tf.train.adam(1e-3);
  const data = model.makeBatch(crops);
  const step = () => {
    const cost = optimizer.minimize(() => model.loss(data, { training: true, seed: 1 }).total, true, [
      ...model.variables,
    ]);
    cost.dataSync();
    cost.dispose();
  };
  step(); // warm-up: kernels compiled, Adam's moments made
  const parameters = model.variables.reduce((n, v) => n + v.size, 0);
  return { arch, model, data, step, parameters, times: [], peak: 0 };
});
for (const run of runs) run.peak = (await tf.profile(run.step)).peakBytes;
for (let r = 0; r < rounds; r++) {
  for (const run of runs) {
    const t0 = performance.now();
    run.step();
    run.times.push((performance.now() - t0) / 1000);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`batch ${batch} × ${length} notes, wasm, 1 thread, median of ${rounds} rounds`);
const base = (batch * length) / median(runs[0].times);
for (const run of runs) {
  const rate = (batch * length) / median(run.times);
  console.log(
    `${run.arch.padEnd(22)} ${architectureName(run.model.config).padEnd(22)} ` +
      `${run.parameters.toLocaleString('en').padStart(9)} parameters ` +
      `${median(run.times).toFixed(2)} s/step ${Math.round(rate).toLocaleString('en').padStart(6)} note-steps/s ` +
      `${(rate / base).toFixed(2)}× ${Math.round(run.peak / 2 ** 20)} MB peak`,
  );
  run.data.dispose();
  run.model.dispose();
}
