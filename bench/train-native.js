#!/usr/bin/env node
// Training speed of Howl's kernels against PyTorch on the CPU, in one run (build first:
// `npm run build`). For each architecture, one training step (forward, backward, Adam) of a whole
// network at B × T note-steps, each candidate in its own process:
//   Howl, native kernels (OpenBLAS): 2 gradient worker threads of 1 kernel thread each (`howl
//   train`'s default on 2 cores) | 1 worker, 2 kernel threads | 1 thread |
//   Howl's WebAssembly kernels (HOWL_NATIVE=0): the same three |
//   TensorFlow.js's own wasm kernels only (HOWL_NATIVE=0 HOWL_WASM_KERNELS=0, the path before them)
//   PyTorch (bench/pytorch-models.py, Debian's python3-torch): 1 thread; 1 OpenMP × 2 OpenBLAS
//   threads; 2 OpenMP × 1 OpenBLAS thread.
// Prints timesteps × batch per second, the ratio to PyTorch's best 2-core setting measured here,
// and each process's peak resident memory. Candidates alternate within an architecture; the figure
// of each is the median of --rounds steps after a warm-up step.
// Usage: node bench/train-native.js [--arch lstm-192,lstm-416,gru-512,ordered-lstm,ordered-transformer]
//                                   [--batch 64] [--length 256] [--rounds 3] [--out docs/bench/x.md]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const archs = option('arch', 'lstm-192,lstm-416,gru-512,ordered-lstm,ordered-transformer').split(',');
const batch = option('batch', '64');
const length = option('length', '256');
const rounds = option('rounds', '3');
const out = option('out', undefined);
const shape = ['--batch', batch, '--length', length, '--rounds', rounds];

const run = (command, argv, env) => {
  try {
    const text = execFileSync(command, argv, {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(text.trim().split('\n').pop());
  } catch (error) {
    return {
      error: String(error.stderr ?? error.message)
        .trim()
        .split('\n')
        .pop(),
    };
  }
};
const howl = (arch, env, workers = 1) =>
  run(
    process.execPath,
    ['bench/train-native-child.js', '--arch', arch, '--workers', String(workers), ...shape],
    env,
  );
const torch = (arch, omp, blas) =>
  run('/usr/bin/python3', ['bench/pytorch-models.py', '--arch', arch, '--threads', String(omp), ...shape], {
    OMP_NUM_THREADS: String(omp),
    OPENBLAS_NUM_THREADS: String(blas),
  });

const candidates = [
  {
    label: 'Howl, native, 2 workers × 1 thread',
    measure: (a) => howl(a, { HOWL_THREADS: '1' }, 2),
    nativeWorkers: true,
  },
  { label: 'Howl, native, 2 threads', measure: (a) => howl(a, { HOWL_THREADS: '2' }), twoCore: true },
  { label: 'Howl, native, 1 thread', measure: (a) => howl(a, { HOWL_THREADS: '1' }), native1: true },
  {
    label: 'Howl, WebAssembly kernels, 2 workers × 1 thread',
    measure: (a) => howl(a, { HOWL_NATIVE: '0', HOWL_THREADS: '1' }, 2),
    wasmWorkers: true,
  },
  {
    label: 'Howl, WebAssembly kernels, 2 threads',
    measure: (a) => howl(a, { HOWL_NATIVE: '0', HOWL_THREADS: '2' }),
    wasm2: true,
  },
  {
    label: 'Howl, WebAssembly kernels, 1 thread',
    measure: (a) => howl(a, { HOWL_NATIVE: '0', HOWL_THREADS: '1' }),
    wasm1: true,
  },
  {
    label: "TensorFlow.js's wasm kernels only",
    measure: (a) => howl(a, { HOWL_NATIVE: '0', HOWL_WASM_KERNELS: '0' }),
  },
  { label: 'PyTorch, 1 thread', measure: (a) => torch(a, 1, 1) },
  { label: 'PyTorch, 1 OpenMP × 2 OpenBLAS', measure: (a) => torch(a, 1, 2), torch2: true },
  { label: 'PyTorch, 2 OpenMP × 1 OpenBLAS', measure: (a) => torch(a, 2, 1), torch2: true },
];

const lines = [
  `# Training speed: Howl against PyTorch on the CPU`,
  ``,
  `${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, node ${process.version}; ` +
    `B = ${batch}, T = ${length}, median of ${rounds} steps after a warm-up; \`node bench/train-native.js\`.`,
  `Ratio: to PyTorch's best 2-core setting in this run.`,
  ``,
  `| architecture | candidate | s/step | timesteps × batch / s | ratio | peak RSS MB |`,
  `|---|---|--:|--:|--:|--:|`,
];
console.log(lines.join('\n'));
const summary = [
  ``,
  `| architecture | native 2 workers vs PyTorch | native 2 threads vs PyTorch | WebAssembly 2 workers vs PyTorch | WebAssembly 2 threads vs PyTorch | native 2 workers vs 1 thread | native 2 threads vs 1 | WebAssembly 2 workers vs 1 thread | WebAssembly 2 threads vs 1 |`,
  `|---|--:|--:|--:|--:|--:|--:|--:|--:|`,
];
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) + '×' : '');
for (const arch of archs) {
  const results = candidates.map((c) => ({ ...c, result: c.measure(arch) }));
  const rate = (key) => results.find((r) => r[key])?.result.rate;
  const best = Math.max(...results.filter((r) => r.torch2 && r.result.rate).map((r) => r.result.rate));
  for (const r of results) {
    const x = r.result;
    const line = x.error
      ? `| ${arch} | ${r.label} | failed: ${x.error} | | | |`
      : `| ${arch} | ${r.label} | ${x.seconds.toFixed(3)} | ${Math.round(x.rate).toLocaleString('en')} | ` +
        `${Number.isFinite(best) ? (x.rate / best).toFixed(2) + '×' : ''} | ${x.peak_rss_mb} |`;
    lines.push(line);
    console.log(line);
  }
  const torchBest = Number.isFinite(best) ? best : undefined;
  summary.push(
    `| ${arch} | ${ratio(rate('nativeWorkers'), torchBest)} | ${ratio(rate('twoCore'), torchBest)} | ` +
      `${ratio(rate('wasmWorkers'), torchBest)} | ${ratio(rate('wasm2'), torchBest)} | ` +
      `${ratio(rate('nativeWorkers'), rate('native1'))} | ${ratio(rate('twoCore'), rate('native1'))} | ` +
      `${ratio(rate('wasmWorkers'), rate('wasm1'))} | ${ratio(rate('wasm2'), rate('wasm1'))} |`,
  );
}
lines.push(...summary);
console.log(summary.join('\n'));
if (out !== undefined) writeFileSync(out, lines.join('\n') + '\n');
