#!/usr/bin/env node
// Two cores for one training step (build first: `npm run build`). Full steps through `train` (crops →
// features → forward + backward → clip → Adam), wasm backend with Howl's kernels, in three ways:
//   1 core              HOWL_THREADS=1, one pass on the calling thread (the baseline);
//   kernel threads      HOWL_THREADS=N, the kernels split each op between N threads, the ops between
//                       them on the calling thread;
//   worker threads      N gradient worker threads (`createGradientWorkers`), each with its own model
//                       and single-threaded kernels, each computing its share of the batch; the
//                       calling thread adds the gradients and applies Adam (`howl train`'s default).
// Each candidate runs in its own process (the kernels' thread count is per process); rounds
// interleave the candidates, and a figure is the median over rounds of each round's median step
// (its first step is not timed). HOWL_NATIVE=0 measures the WebAssembly kernels instead of the
// native ones. Prints a Markdown table; docs/bench/train-parallel.md holds a run.
// Usage: node bench/train-parallel.js [--arch lstm-416,ordered-transformer] [--batch 64]
//          [--length 256] [--threads 2] [--steps 7] [--rounds 3] [--data data/piano.howl]
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * A made-up dataset (as the tests' `makeTinyDataset`, which is not built): every file repeats a
 * C-major phrase, 0.25 s apart, transposed by file.
 */
async function madeUpDataset(trainNotes, validationNotes) {
  const { createDataset } = await import('../dist/data/dataset-format.js');
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

/** One candidate's run in this process: prints `{ seconds, kernels }` as JSON. */
async function child(spec) {
  const { decodeDataset } = await import('../dist/data/dataset-format.js');
  const { createModel } = await import('../dist/model/create-model.js');
  const { presetConfig } = await import('../dist/model/config.js');
  const { setupNodeBackend } = await import('../dist/node/tf-backend.js');
  const { nativeStatus } = await import('../dist/node/native-loader.js');
  const { createGradientWorkers } = await import('../dist/node/gradient-workers.js');
  const { microBatchStepsForWorkers } = await import('../dist/train/train-options.js');
  const { train } = await import('../dist/train/trainer.js');
  await setupNodeBackend('wasm');
  let dataset;
  try {
    dataset = decodeDataset(await readFile(spec.data), spec.data);
  } catch {
    dataset = await madeUpDataset(Array(8).fill(4 * spec.length), [spec.length]);
  }
  const config = presetConfig(spec.arch);
  const pool =
    spec.workers > 1
      ? await createGradientWorkers({ workers: spec.workers, model: config, backend: 'wasm' })
      : undefined;
  const model = createModel(config, { seed: 1 });
  const times = [];
  await train(
    model,
    dataset,
    {
      batchSize: spec.batch,
      length: spec.length,
      steps: spec.steps,
      ...(spec.workers > 1
        ? { microBatchSteps: microBatchStepsForWorkers(spec.batch, spec.length, spec.workers) }
        : {}),
      workers: spec.workers,
      validateEvery: 0,
      validationCrops: 0,
      seed: spec.seed,
    },
    {
      ...(pool ? { gradients: pool } : {}),
      onStep: (info) => {
        if (info.step > 1) times.push(info.seconds);
      },
    },
  );
  await pool?.close();
  console.log(JSON.stringify({ seconds: median(times), kernels: nativeStatus()?.description ?? 'none' }));
}

if (args[0] === '--child') {
  await child(JSON.parse(args[1]));
} else {
  const arches = option('arch', 'lstm-416,ordered-transformer').split(',');
  const batch = Number(option('batch', '64'));
  const length = Number(option('length', '256'));
  const threads = Number(option('threads', '2'));
  const steps = Number(option('steps', '7'));
  const rounds = Number(option('rounds', '3'));
  const data = option('data', 'data/piano.howl');
  const candidates = [
    { label: '1 core', env: { HOWL_THREADS: '1' }, workers: 1 },
    { label: `${threads} kernel threads`, env: { HOWL_THREADS: String(threads) }, workers: 1 },
    { label: `${threads} worker threads`, env: { HOWL_THREADS: '1' }, workers: threads },
  ];
  const script = fileURLToPath(import.meta.url);
  const results = new Map();
  let kernels = '';
  for (let r = 0; r < rounds; r++) {
    for (const arch of arches) {
      for (const c of candidates) {
        const spec = { arch, batch, length, steps, workers: c.workers, seed: 1 + r, data };
        const run = spawnSync(process.execPath, [script, '--child', JSON.stringify(spec)], {
          env: { ...process.env, ...c.env },
          encoding: 'utf8',
        });
        if (run.status !== 0) throw new Error(`${arch}, ${c.label}: ${run.stderr}`);
        const result = JSON.parse(run.stdout.trim().split('\n').pop());
        if (c.workers === 1 && c.env.HOWL_THREADS !== '1') kernels = result.kernels;
        const key = `${arch}\t${c.label}`;
        results.set(key, [...(results.get(key) ?? []), result.seconds]);
        console.error(`round ${r + 1}: ${arch}, ${c.label}: ${result.seconds.toFixed(3)} s/step`);
      }
    }
  }
  console.log(
    `\nbatch ${batch} × ${length}, wasm backend, ${kernels}; ${availableParallelism()} cores; ` +
      `median over ${rounds} rounds of ${steps - 1} timed steps; node ${process.version}\n`,
  );
  console.log('| network | candidate | s/step | timesteps × batch / s | vs 1 core |');
  console.log('|---|---|--:|--:|--:|');
  for (const arch of arches) {
    const base = median(results.get(`${arch}\t1 core`));
    for (const c of candidates) {
      const s = median(results.get(`${arch}\t${c.label}`));
      const rate = Math.round((batch * length) / s).toLocaleString('en-US');
      console.log(`| ${arch} | ${c.label} | ${s.toFixed(3)} | ${rate} | ${(base / s).toFixed(2)}× |`);
    }
  }
}
