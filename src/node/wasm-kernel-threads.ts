import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { NativeKernels } from '../model/kernels/native-kernels.js';
import {
  compileKernelModule,
  relaxedSimdValidates,
  workerStackTop,
  type KernelModule,
  type PartRunner,
} from '../model/kernels/wasm-kernel-module.js';
import { createWasmTrainingKernels } from '../model/kernels/wasm-training-kernels.js';

/**
 * Worker threads for Howl's WebAssembly training kernels (`wasm-kernel-module.ts`): each worker
 * instantiates the module on the shared memory with a stack of its own, then waits on a control
 * block (Atomics) for parts to run. The calling thread runs part 0 itself and blocks
 * (`Atomics.wait`, allowed on Node's main thread) until the workers have run theirs: a job costs
 * one wake-up, no message passing. Workers are unref'd, so they never keep a process alive.
 */

/** Control block (Int32 slots): generation, function, argument count, parts, done, failed. */
const GENERATION = 0;
const FUNCTION = 1;
const ARG_COUNT = 2;
const PARTS = 3;
const DONE = 4;
const FAILED = 5;
const STOP = -1;
/** The arguments, as doubles, after the slots. */
const ARGS_OFFSET = 64;
const MAX_ARGS = 32;

/** The worker's code: plain JavaScript run with `eval`, so it needs no built file. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, stackTop, control, names, relaxedFlag } = workerData;
if (relaxedFlag) require('node:v8').setFlagsFromString('--experimental-wasm-relaxed-simd');
const instance = new WebAssembly.Instance(module, { env: { memory } });
instance.exports.__stack_pointer.value = stackTop;
const slots = new Int32Array(control, 0, 16);
const args = new Float64Array(control, ${ARGS_OFFSET}, ${MAX_ARGS});
const part = workerData.index + 1;
let seen = 0;
for (;;) {
  Atomics.wait(slots, ${GENERATION}, seen);
  seen = Atomics.load(slots, ${GENERATION});
  const fn = slots[${FUNCTION}];
  if (fn === ${STOP}) break;
  const parts = slots[${PARTS}];
  if (part < parts) {
    try {
      instance.exports[names[fn]](...args.subarray(0, slots[${ARG_COUNT}]), part, parts);
    } catch (error) {
      Atomics.store(slots, ${FAILED}, 1);
    }
  }
  Atomics.add(slots, ${DONE}, 1);
  Atomics.notify(slots, ${DONE});
}
`;

/** The exported functions a job may name (the `*_part` functions). */
function partFunctions(kernels: KernelModule): string[] {
  return Object.keys(kernels.exports).filter((name) => name.endsWith('_part'));
}

/**
 * A pool of `threads − 1` workers plus the calling thread.
 *
 * @param kernels - the compiled module and its shared memory
 * @param threads - threads in all (the caller's included)
 * @param relaxedFlag - whether the workers must turn on V8's relaxed-SIMD flag (Node 20)
 * @returns the runner; `close()` stops the workers
 */
export function startKernelThreads(
  kernels: KernelModule,
  threads: number,
  relaxedFlag: boolean,
): PartRunner & { close(): void } {
  const names = partFunctions(kernels);
  const control = new SharedArrayBuffer(ARGS_OFFSET + MAX_ARGS * 8);
  const slots = new Int32Array(control, 0, 16);
  const args = new Float64Array(control, ARGS_OFFSET, MAX_ARGS);
  const workers: Worker[] = [];
  for (let index = 0; index < threads - 1; index++) {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        module: kernels.module,
        memory: kernels.memory,
        stackTop: workerStackTop(kernels, index),
        control,
        names,
        index,
        relaxedFlag,
      },
    });
    worker.unref();
    workers.push(worker);
  }
  let closed = false;
  return {
    threads,
    run(name, values, parts) {
      const fn = kernels.exports[name] as (...a: number[]) => void;
      const count = Math.min(parts, threads);
      if (count <= 1 || closed) {
        for (let part = 0; part < parts; part++) fn(...values, part, parts);
        return;
      }
      if (values.length > MAX_ARGS) throw new RangeError(`${name}: more than ${MAX_ARGS} arguments`);
      args.set(values);
      Atomics.store(slots, FUNCTION, names.indexOf(name));
      Atomics.store(slots, ARG_COUNT, values.length);
      Atomics.store(slots, PARTS, count);
      Atomics.store(slots, DONE, 0);
      Atomics.store(slots, FAILED, 0);
      Atomics.add(slots, GENERATION, 1);
      Atomics.notify(slots, GENERATION);
      try {
        fn(...values, 0, count);
      } finally {
        // the workers finish their parts before anything else touches the memory
        for (let done = Atomics.load(slots, DONE); done < workers.length; done = Atomics.load(slots, DONE)) {
          Atomics.wait(slots, DONE, done);
        }
      }
      if (Atomics.load(slots, FAILED) !== 0) throw new Error(`howl-wasm: a worker thread failed in ${name}`);
    },
    close() {
      if (closed) return;
      closed = true;
      Atomics.store(slots, FUNCTION, STOP);
      Atomics.add(slots, GENERATION, 1);
      Atomics.notify(slots, GENERATION);
    },
  };
}

/**
 * Howl's WebAssembly training kernels on `threads` threads in this process: relaxed SIMD where V8
 * has it (Node 20 keeps it behind `--experimental-wasm-relaxed-simd`, turned on here when needed).
 *
 * @param threads - threads in all
 * @param build - `'best'`, or one build (tests)
 * @returns the kernels, or null where shared WebAssembly memory is missing
 */
export function startWasmTrainingKernels(
  threads: number,
  build: 'best' | 'relaxed' | 'plain' = 'best',
): NativeKernels | null {
  let relaxedFlag = false;
  if (build !== 'plain' && !relaxedSimdValidates()) {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxedFlag = relaxedSimdValidates();
  }
  const kernels = compileKernelModule(build);
  if (kernels === null) return null;
  return createWasmTrainingKernels(kernels, startKernelThreads(kernels, threads, relaxedFlag));
}
