#!/usr/bin/env node
// Generation benchmark (build first: `npm run build`). Generates a 1,000-note piece with a trained
// model (default: the shipped one; `--model DIR` for another) and reports notes per second for:
//   - Howl's stateful generation (one network step per new note), WebAssembly SIMD kernel, batch 1
//     and batch 16 (16 candidates at once), and the plain-JavaScript kernel at batch 1;
//   - the same stateful loop on TensorFlow.js ops (wasm backend, one step = ~25 small ops);
//   - the original system's scheme (docs/original-system.md §7): for every new note, re-run the
//     network from a zero state over the last min(n, 500) notes. Measured twice: on Howl's fast step network (the best
//     case for the scheme) and on the TensorFlow.js model's whole-sequence forward (wasm backend);
//     the TF.js variant is slow, so it runs on a sample of the notes (every --sample-th, default 25)
//     and reports the extrapolated rate.
// All in this run, one thread. Ratios are against the original's scheme on the same engine.
/* global performance */
// Usage: node bench/generate.js [--model DIR] [--notes 1000] [--sample 25]
import * as tf from '@tensorflow/tfjs';
import { setupNodeBackend } from '../dist/node/tf-backend.js';
import { loadModel } from '../dist/node/load-model.js';
import { createStepNetwork } from '../dist/inference/create-step-network.js';
import { hasSimdKernel } from '../dist/inference/matmul.js';
import { generateCandidates } from '../dist/generate/candidates.js';
import { nextNote } from '../dist/generate/next-note.js';
import { resolveSampling } from '../dist/generate/sampling.js';
import { createRng } from '../dist/random/rng.js';
import { createModel } from '../dist/model/create-model.js';
import { INPUT_FEATURES } from '../dist/model/batching/features.js';
import { architectureName } from '../dist/model/config.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const NOTES = Number(option('notes', '1000'));
const SAMPLE = Number(option('sample', '25'));
const WINDOW = 500;

const model = await loadModel(option('model', undefined));
const config = model.config.model;
console.log(
  `model ${model.dir}: ${architectureName(config)}; ${NOTES} notes; SIMD kernel: ${hasSimdKernel()}`,
);
const start = [{ pitch: 60, velocity: 90, time: 0, duration: 0.5 }];
const sampling = { temperature: 1, topP: 0.95 };

function timeStateful(batch, simd) {
  const network = createStepNetwork(config, model.weights, batch, { simd });
  generateCandidates(network, { start, count: batch, notes: 50, seed: 1, sampling }); // warm-up
  const t0 = performance.now();
  const [best] = generateCandidates(network, { start, count: batch, notes: NOTES, seed: 2, sampling });
  const seconds = (performance.now() - t0) / 1000;
  return { rate: (batch * NOTES) / seconds, seconds, rows: best.notes };
}

const results = [];
const record = (label, rate, note = '') => {
  results.push({ label, rate, note });
  console.log(`${label.padEnd(58)} ${Math.round(rate).toLocaleString('en').padStart(9)} notes/s ${note}`);
};

const simd1 = timeStateful(1, true);
record('stateful, SIMD kernel, batch 1', simd1.rate);
const simd16 = timeStateful(16, true);
record('stateful, SIMD kernel, batch 16', simd16.rate);
const js1 = timeStateful(1, false);
record('stateful, JavaScript kernel, batch 1', js1.rate);

// The original's scheme on the step network: for note n, reset and re-feed the last min(n, 500) notes.
{
  // Greedy decoding, as the original; `nextNote` reads either kind of network.
  const network = createStepNetwork(config, model.weights, 1);
  const greedy = resolveSampling({ greedy: true });
  const rng = createRng(1);
  const rows = [[0, 0.5, 0.7, 0]];
  let previous = { time: 0, pitches: [60] };
  const t0 = performance.now();
  for (let n = 1; n < NOTES; n++) {
    network.reset();
    for (let i = Math.max(0, rows.length - WINDOW); i < rows.length; i++) network.step([rows[i]]);
    const { note, row } = nextNote(network, 0, previous, greedy, rng);
    previous = { time: note.time, pitches: [note.pitch] };
    rows.push(row);
  }
  const rate = (NOTES - 1) / ((performance.now() - t0) / 1000);
  record("original's scheme (re-run ≤ 500 notes), step network", rate);
}

const base = results.find((r) => r.label.includes('step network')).rate;
const summary = [
  [
    `stateful SIMD batch 1 vs the original's scheme on the same step network`,
    `${(simd1.rate / base).toFixed(0)}×`,
  ],
  ['stateful SIMD batch 16 vs batch 1', `${(simd16.rate / simd1.rate).toFixed(1)}×`],
  ['SIMD kernel vs JavaScript kernel, batch 1', `${(simd1.rate / js1.rate).toFixed(1)}×`],
];
if (config.type !== 'original-lstm') {
  // The TensorFlow.js variants below transcribe the original network only.
  console.log('');
  for (const [label, value] of summary) console.log(`${label.padEnd(72)} ${value}`);
  process.exit(0);
}

// TensorFlow.js: the same model as a tfjs Model (weights copied in).
await setupNodeBackend('wasm');
const tfModel = createModel(config, { seed: 1 });
for (const w of tfModel.weights)
  w.variable.assign(tf.tensor(model.weights.get(w.name).data, w.variable.shape));

function inputRow(buffer, t, row) {
  buffer[t * INPUT_FEATURES] = row[0];
  buffer[t * INPUT_FEATURES + 1] = row[1];
  buffer[t * INPUT_FEATURES + 2] = row[2];
  buffer[t * INPUT_FEATURES + 3 + row[3] + 60] = 1;
}

// Stateful on tfjs ops: the recurrent step and the head, ~25 ops per note.
{
  const W = Object.fromEntries(tfModel.weights.map((w) => [w.name, w.variable]));
  let h = tf.zeros([1, config.units]);
  let c = tf.zeros([1, config.units]);
  let row = [0, 0.5, 0.7, 0];
  const step = () =>
    tf.tidy(() => {
      const x = new Float32Array(INPUT_FEATURES);
      inputRow(x, 0, row);
      const z = tf.add(
        tf.add(
          tf.matMul(tf.tensor2d(x, [1, INPUT_FEATURES]), W['rnn/kernel']),
          tf.matMul(h, W['rnn/recurrent_kernel']),
        ),
        W['rnn/bias'],
      );
      const [zi, zf, zg, zo] = tf.split(z, 4, 1);
      const c2 = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zg)));
      const h2 = tf.mul(tf.sigmoid(zo), tf.tanh(c2));
      let y = h2;
      for (let i = 1; i <= config.blocks; i++)
        y = tf.selu(tf.add(tf.matMul(y, W[`dense${i}/kernel`]), W[`dense${i}/bias`]));
      const f = tf.concat([y, h2], 1);
      const logits = tf.add(tf.matMul(f, W['pitch/kernel']), W['pitch/bias']).dataSync();
      const reg = tf
        .mul(tf.sigmoid(tf.add(tf.matMul(f, W['regression/kernel']), W['regression/bias'])), 4)
        .dataSync();
      return [tf.keep(h2), tf.keep(c2), logits, reg];
    });
  if (config.rnn === 'lstm') {
    const t0 = performance.now();
    for (let n = 1; n < NOTES; n++) {
      const [h2, c2, logits, reg] = step();
      h.dispose();
      c.dispose();
      h = h2;
      c = c2;
      let best = 0;
      for (let p = 1; p < 120; p++) if (logits[p] > logits[best]) best = p;
      row = [reg[0], reg[1], Math.min(1, reg[2]), best - 60];
    }
    record('stateful, TensorFlow.js ops (wasm), batch 1', (NOTES - 1) / ((performance.now() - t0) / 1000));
  }
}

// The original's scheme on TensorFlow.js: whole-window forward per note, sampled.
{
  const rows = simd1.rows.map((n, i, all) => [
    i === 0 ? 0 : n.time - all[i - 1].time,
    n.duration,
    n.velocity / 127,
    n.pitch - 60,
  ]);
  let measured = 0;
  let seconds = 0;
  for (let n = SAMPLE; n < NOTES; n += SAMPLE) {
    const window = rows.slice(Math.max(0, n - WINDOW), n);
    const x = new Float32Array(window.length * INPUT_FEATURES);
    window.forEach((row, t) => inputRow(x, t, row));
    const t0 = performance.now();
    tf.tidy(() => {
      const { pitchLogits, regression } = tfModel.forward(tf.tensor3d(x, [1, window.length, INPUT_FEATURES]));
      tf.slice(pitchLogits, [0, window.length - 1, 0], [1, 1, 120]).dataSync();
      tf.slice(regression, [0, window.length - 1, 0], [1, 1, 3]).dataSync();
    });
    seconds += (performance.now() - t0) / 1000;
    measured++;
  }
  record(
    "original's scheme (re-run ≤ 500 notes), TensorFlow.js forward",
    measured / seconds,
    `(${measured} sampled notes)`,
  );
}

const baseTf = results.find((r) => r.label.includes('TensorFlow.js forward')).rate;
summary.splice(1, 0, [
  `stateful SIMD batch 1 vs the original's scheme on TensorFlow.js`,
  `${(simd1.rate / baseTf).toFixed(0)}×`,
]);
console.log('');
for (const [label, value] of summary) console.log(`${label.padEnd(72)} ${value}`);
