#!/usr/bin/env node
// Recurrent-layer training benchmark (build first: `npm run build`). One training step =
// forward + backward + Adam update of a single recurrent layer on [B, T, 123] inputs (the original
// model's input width) with a mean-squared loss on its outputs. Reports timesteps×batch per second
// for Howl's layer (fused hand-written backward, and plain tfjs autodiff) against tfjs-layers' own
// `tf.layers.lstm` (recurrentActivation 'sigmoid'), with tfjs's stock wasm kernels and with Howl's
// replacement kernels, all in this run, wasm backend, 1 thread. Rounds interleave the candidates;
// the figure is the median over rounds. Peak memory: tfjs's tracked bytes (tf.profile) for one step.
/* global performance */
// Usage: node bench/train-step.js [--units 192] [--batch 64] [--steps 256,64] [--rounds 3] [--kind lstm|gru]
//                                 [--skip-stock]   (skip tfjs-layers with the stock kernels: slow)
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { setupNodeBackend } from '../dist/node/tf-backend.js';
import { createRecurrentLayer } from '../dist/model/kernels/recurrent.js';
import { registerWasmKernels, restoreStockWasmKernels } from '../dist/model/kernels/wasm-kernels.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const units = Number(option('units', '192'));
const batch = Number(option('batch', '64'));
const stepsList = option('steps', '256,64').split(',').map(Number);
const rounds = Number(option('rounds', '3'));
const kind = option('kind', 'lstm');
const skipStock = args.includes('--skip-stock');
const INPUT = 123;

await setupNodeBackend('wasm');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A candidate: make() → { variables, outputs(x), dispose() } */
const candidates = [
  {
    label: `howl ${kind} (fused backward)`,
    kernels: 'howl',
    make: () => {
      const layer = createRecurrentLayer({ kind, inputSize: INPUT, units, seed: 1 });
      return {
        variables: layer.variables,
        outputs: (x) => layer.forward(x).outputs,
        dispose: () => layer.dispose(),
      };
    },
  },
  {
    label: `howl ${kind} (tfjs autodiff)`,
    kernels: 'howl',
    make: () => {
      const layer = createRecurrentLayer({
        kind,
        inputSize: INPUT,
        units,
        seed: 1,
        implementation: 'autodiff',
      });
      return {
        variables: layer.variables,
        outputs: (x) => layer.forward(x).outputs,
        dispose: () => layer.dispose(),
      };
    },
  },
];
if (kind === 'lstm') {
  const layersLstm = () => {
    const layer = tf.layers.lstm({ units, recurrentActivation: 'sigmoid', returnSequences: true });
    tf.tidy(() => layer.apply(tf.zeros([1, 1, INPUT]))); // builds the layer
    return {
      variables: layer.trainableWeights.map((w) => w.read()),
      outputs: (x) => layer.apply(x),
      dispose: () => layer.dispose(),
    };
  };
  candidates.push({ label: 'tf.layers.lstm, Howl kernels', kernels: 'howl', make: layersLstm });
  if (!skipStock)
    candidates.push({ label: 'tf.layers.lstm, stock kernels', kernels: 'stock', make: layersLstm });
}

function setKernels(which) {
  if (which === 'stock') restoreStockWasmKernels();
  else registerWasmKernels();
}

const results = [];
for (const T of stepsList) {
  const x = tf.randomNormal([batch, T, INPUT], 0, 1, 'float32', 1);
  const target = tf.randomUniform([batch, T, units], -0.5, 0.5, 'float32', 2);
  const built = candidates.map((c) => ({ ...c, model: c.make(), optimizer: tf.train.adam(1e-3), times: [] }));
  const trainStep = (c) => {
    const loss = c.optimizer.minimize(
      () => tf.mean(tf.square(tf.sub(c.model.outputs(x), target))),
      true,
      c.model.variables,
    );
    loss.dataSync();
    loss.dispose();
  };
  for (const c of built) {
    setKernels(c.kernels);
    trainStep(c); // warm-up (and Adam's slots)
    const profile = await tf.profile(() => trainStep(c));
    c.peakMB = profile.peakBytes / 2 ** 20;
  }
  // Stock tfjs-layers is very slow at long T: one timed step per round.
  for (let r = 0; r < rounds; r++) {
    for (const c of built) {
      setKernels(c.kernels);
      const start = performance.now();
      trainStep(c);
      c.times.push((performance.now() - start) / 1000);
    }
  }
  for (const c of built) {
    const seconds = median(c.times);
    results.push({ T, label: c.label, seconds, rate: (batch * T) / seconds, peakMB: c.peakMB });
    c.model.dispose();
    c.optimizer.dispose();
  }
  tf.dispose([x, target]);
}
registerWasmKernels();

console.log(
  `\n${kind.toUpperCase()}-${units}, B=${batch}, input ${INPUT}, wasm backend, ${getThreadsCount()} thread(s), ` +
    `median of ${rounds} round(s), node ${process.version}`,
);
console.log('| T | candidate | s/step | timesteps×batch/s | vs howl fused | peak tracked MB |');
console.log('|---|---|---|---|---|---|');
for (const T of stepsList) {
  const rows = results.filter((r) => r.T === T);
  const ours = rows[0];
  for (const r of rows) {
    console.log(
      `| ${T} | ${r.label} | ${r.seconds.toFixed(3)} | ${Math.round(r.rate).toLocaleString('en-US')} | ` +
        `${(ours.rate / r.rate).toFixed(2)}× | ${r.peakMB.toFixed(0)} |`,
    );
  }
}
