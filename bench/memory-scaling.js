#!/usr/bin/env node
// How far this machine's memory lets two cores go: a stream copy (`TypedArray.set`, the C library's
// memmove, so the memory and not JavaScript sets the pace) on one worker thread alone, then on two at once, at working sets that fit a core's L2, fill the
// shared L3, and spill to DRAM. Training steps are partly bound by this (activations, gates and
// gradients streamed through each pass), so it bounds what `--workers 2` can gain over one thread:
// compute-bound work gains up to 2×, streaming work only what the second core's bandwidth adds.
// Usage: node bench/memory-scaling.js [--seconds 1.5]
import { Worker } from 'node:worker_threads';

const args = process.argv.slice(2);
const at = args.indexOf('--seconds');
const seconds = at >= 0 ? Number(args[at + 1]) : 1.5;

// One worker: allocates its arrays, waits for the start flag, runs triads for `seconds`, reports GB/s.
const workerCode = `
const { parentPort, workerData } = require('node:worker_threads');
const { n, seconds, flag } = workerData;
const a = new Float32Array(n).fill(1), c = new Float32Array(n).fill(2);
const go = new Int32Array(flag);
function copy() { c.set(a); }
for (let w = 0; w < 3; w++) copy();
parentPort.postMessage('ready');
Atomics.wait(go, 0, 0);
let reps = 0;
const t0 = performance.now();
while (performance.now() - t0 < seconds * 1000) { for (let k = 0; k < 8; k++) copy(); reps += 8; }
const s = (performance.now() - t0) / 1000;
parentPort.postMessage(2 * 4 * n * reps / s / 1e9); // bytes read + written
`;

/** GB/s of each of `threads` workers running at once on arrays of `n` floats. */
async function run(n, threads) {
  const flag = new SharedArrayBuffer(4);
  const workers = Array.from(
    { length: threads },
    () => new Worker(workerCode, { eval: true, workerData: { n, seconds, flag } }),
  );
  const results = workers.map(
    (w) =>
      new Promise((resolve, reject) => {
        w.on('message', (m) => (m === 'ready' ? undefined : resolve(m)));
        w.on('error', reject);
      }),
  );
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  Atomics.store(new Int32Array(flag), 0, 1);
  Atomics.notify(new Int32Array(flag), 0);
  const rates = await Promise.all(results);
  await Promise.all(workers.map((w) => w.terminate()));
  return rates;
}

const sizes = [
  { label: '2 × 128 KB (L2)', n: 32_768 },
  { label: '2 × 4 MB (L3)', n: 1_048_576 },
  { label: '2 × 64 MB (DRAM)', n: 16_777_216 },
];
console.log(`stream copy, ${seconds} s a run, node ${process.version}\n`);
console.log('| working set | 1 thread, GB/s | 2 threads at once, GB/s each | 2 threads / 1 |');
console.log('|---|--:|--:|--:|');
for (const { label, n } of sizes) {
  const [one] = await run(n, 1);
  const two = await run(n, 2);
  const total = two[0] + two[1];
  console.log(
    `| ${label} | ${one.toFixed(1)} | ${two.map((x) => x.toFixed(1)).join(', ')} | ${(total / one).toFixed(2)}× |`,
  );
}
