#!/usr/bin/env node
// Data-parallel training benchmark (build first: `npm run build`). Full training steps of the
// original's network (crops → features → forward + backward → clip → Adam) through `train`, wasm
// backend, on the calling thread (workers 1) and on gradient worker threads (workers 2, …), with the
// same micro-batch split where it differs from the default. Rounds interleave the candidates; the
// figure is the median step time over rounds (each round: --steps steps, the first one not timed),
// after a warm-up round that is not timed.
// Usage: node bench/train-parallel.js [--data data/piano.howl] [--arch lstm-192] [--batch 32]
//                                     [--length 256] [--workers 2] [--steps 6] [--rounds 3]
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createDataset, decodeDataset } from '../dist/data/dataset-format.js';
import { createModel } from '../dist/model/create-model.js';
import { presetConfig } from '../dist/model/config.js';
import { setupNodeBackend } from '../dist/node/tf-backend.js';
import { createGradientWorkers } from '../dist/node/gradient-workers.js';
import { DEFAULT_MICRO_BATCH_STEPS, microBatchStepsForWorkers } from '../dist/train/train-options.js';
import { train } from '../dist/train/trainer.js';

/**
 * A made-up dataset (as the tests' `makeTinyDataset`, which is not built): every file repeats a
 * C-major phrase, 0.25 s apart, transposed by file.
 */
function madeUpDataset(trainNotes, validationNotes) {
  const counts = [...trainNotes, ...validationNotes];
  const phrase = [0, 4, 7, 12, 11, 7, 5, 2];
  const notes = { time: [], duration: [], pitch: [], velocity: [] };
  counts.forEach((count, f) => {
    for (let i = 0; i < count; i++) {
      notes.time.push(i * 0.25);
      notes.duration.push(i % 2 === 0 ? 0.5 : 0.25);
      notes.pitch.push(60 + (f % 3) + phrase[i % phrase.length]);
      notes.velocity.push(i % 2 === 0 ? 100 : 64);
    }
  });
  return createDataset({
    created: '2024-01-01T00:00:00.000Z',
    sources: ['/made-up'],
    settings: { sustain: true, includeDrums: false, validationFraction: 0.1, maxFileBytes: 1 << 20 },
    files: counts.map((noteCount, f) => ({
      path: `${f}.mid`,
      source: 0,
      hash: (f + 1).toString(16).padStart(16, '0'),
      split: f < trainNotes.length ? 'train' : 'validation',
      noteCount,
      durationSeconds: noteCount * 0.25,
      bytes: 100,
    })),
    failures: [],
    notes: {
      time: Float64Array.from(notes.time),
      duration: Float32Array.from(notes.duration),
      pitch: Uint8Array.from(notes.pitch),
      velocity: Uint8Array.from(notes.velocity),
    },
  });
}

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const dataFile = option('data', 'data/piano.howl');
const arch = option('arch', 'lstm-192');
const batchSize = Number(option('batch', '32'));
const length = Number(option('length', '256'));
const workers = Number(option('workers', '2'));
const steps = Number(option('steps', '6'));
const rounds = Number(option('rounds', '3'));

await setupNodeBackend('wasm');
let dataset;
try {
  dataset = decodeDataset(await readFile(dataFile), dataFile);
} catch {
  console.error(`(${dataFile} not readable: using a made-up dataset)`);
  dataset = madeUpDataset(Array(8).fill(2 * length), [length]);
}
const config = presetConfig(arch);
const split = microBatchStepsForWorkers(batchSize, length, workers);
const candidates = [
  {
    label: `1 thread, micro-batch steps ${DEFAULT_MICRO_BATCH_STEPS} (the default)`,
    workers: 1,
    mbs: DEFAULT_MICRO_BATCH_STEPS,
  },
  ...(split === DEFAULT_MICRO_BATCH_STEPS
    ? []
    : [{ label: `1 thread, micro-batch steps ${split}`, workers: 1, mbs: split }]),
  { label: `${workers} worker threads, micro-batch steps ${split}`, workers, mbs: split },
];
for (const c of candidates) {
  c.times = [];
  if (c.workers > 1)
    c.pool = await createGradientWorkers({ workers: c.workers, model: config, backend: 'wasm' });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (let r = -1; r < rounds; r++) {
  for (const c of candidates) {
    const model = createModel(config, { seed: 1 });
    let n = 0;
    await train(
      model,
      dataset,
      {
        batchSize,
        length,
        steps,
        microBatchSteps: c.mbs,
        workers: c.workers,
        validateEvery: 0,
        validationCrops: 0,
        seed: 1 + r,
      },
      {
        ...(c.pool ? { gradients: c.pool } : {}),
        onStep: (info) => {
          if (n++ > 0 && r >= 0) c.times.push(info.seconds);
        },
      },
    );
    model.dispose();
    if (r >= 0) console.error(`round ${r + 1}: ${c.label}: ${median(c.times).toFixed(3)} s/step so far`);
  }
}
for (const c of candidates) await c.pool?.close();

console.log(
  `\n${arch}, batch ${batchSize} × ${length}, wasm backend, ${availableParallelism()} cores, ` +
    `median of ${rounds} × ${steps - 1} timed steps, node ${process.version}`,
);
console.log('| candidate | s/step | steps/s | timesteps×batch/s | vs default |');
console.log('|---|---|---|---|---|');
const base = median(candidates[0].times);
for (const c of candidates) {
  const s = median(c.times);
  console.log(
    `| ${c.label} | ${s.toFixed(3)} | ${(1 / s).toFixed(2)} | ` +
      `${Math.round((batchSize * (length - 1)) / s).toLocaleString('en-US')} | ${(base / s).toFixed(2)}× |`,
  );
}
