import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { setupBackend } from '../model/kernels/backend.js';
import { createModel } from '../model/create-model.js';
import type { Model } from '../model/model.js';
import { makeTinyDataset, TINY_MODEL } from '../test-support/fixtures.js';
import { computePassGradient, OutOfMemoryError, type GradientWorkerPool } from './pass-gradient.js';
import type { TrainOptions } from './train-options.js';
import { train } from './trainer.js';
import { addInOrder } from './gradient-computer.js';

// The trainer's worker path (`createWorkerGradients`) without threads: a second model on this
// thread stands in for the workers' `GradientWorkerPool` (the threads themselves are tested in
// src/node/gradient-workers.test.ts); workers 1 is the in-process computer.

const config = { ...TINY_MODEL, dropout: 0.2 };
const values = (m: Model): Float32Array[] => m.variables.map((v) => (v.dataSync() as Float32Array).slice());

function inThreadComputer(workers: number): GradientWorkerPool & { calls: number[]; dispose(): void } {
  const copy = createModel(config, { seed: 5 });
  const calls: number[] = [];
  return {
    workers,
    calls,
    computeGradients(weights, passes) {
      calls.push(passes.length);
      tf.tidy(() => copy.variables.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape))));
      return Promise.resolve(passes.map((pass) => computePassGradient(copy, pass)));
    },
    dispose: () => copy.dispose(),
  };
}

beforeAll(async () => {
  await setupBackend('cpu');
});

describe('train with a gradient computer', () => {
  test('gives the weights and losses of the in-process path, with the same passes and dropout seeds', async () => {
    const dataset = makeTinyDataset({ trainNotes: [20, 25, 30, 14], validationNotes: [20] });
    const options: TrainOptions = {
      batchSize: 4,
      length: 12,
      microBatchSteps: 24,
      steps: 4,
      lr: 5e-3,
      warmupSteps: 1,
      validateEvery: 2,
      validationCrops: 2,
    };
    const run = async (workers: number) => {
      const model = createModel(config, { seed: 3 });
      const computer = inThreadComputer(workers);
      const losses: number[] = [];
      const norms: number[] = [];
      const result = await train(
        model,
        dataset,
        { ...options, workers },
        {
          gradients: computer,
          onStep: (info) => {
            losses.push(info.loss);
            norms.push(info.gradNorm);
          },
        },
      );
      const weights = values(model);
      model.dispose();
      computer.dispose();
      return { weights, losses, norms, result, calls: computer.calls };
    };
    const one = await run(1);
    const two = await run(2);
    expect(one.calls).toEqual([]); // workers 1: the in-process path, the computer unused
    expect(two.calls).toEqual([2, 2, 2, 2]);
    expect(two.losses).toEqual(one.losses);
    // The worker path sums the squares for the norm in float64, the in-process path in float32 ops.
    two.norms.forEach((norm, i) => expect(norm).toBeCloseTo(one.norms[i]!, 5));
    two.weights.forEach((w, i) => {
      const other = one.weights[i]!;
      for (let j = 0; j < w.length; j++) expect(Math.abs(w[j]! - other[j]!)).toBeLessThanOrEqual(1e-6);
    });
    expect({ ...two.result.state, elapsedSeconds: 0 }).toEqual({ ...one.result.state, elapsedSeconds: 0 });
  });

  test('training leaves no tensor behind (a leak of the loss parts grew by 2-4 tensors a step)', async () => {
    const run = async (steps: number): Promise<number> => {
      const before = tf.memory().numTensors;
      const model = createModel(config, { seed: 2 });
      await train(model, makeTinyDataset(), { steps, batchSize: 2, length: 8, validateEvery: 0 });
      model.dispose();
      return tf.memory().numTensors - before;
    };
    expect(await run(6)).toBe(await run(2));
    expect(await run(2)).toBe(0);
  });

  test('a worker whose wasm heap overflows is an OutOfMemoryError that says what to lower', async () => {
    const model = createModel(config, { seed: 1 });
    const overflowing = {
      workers: 2,
      computeGradients: () => Promise.reject(new Error('worker 2 of 2: Aborted(OOM)')),
    };
    const run = train(
      model,
      makeTinyDataset(),
      { steps: 1, workers: 2, batchSize: 2, length: 8, validateEvery: 0 },
      { gradients: overflowing },
    );
    await expect(run).rejects.toBeInstanceOf(OutOfMemoryError);
    await expect(run).rejects.toThrow(
      /does not fit in the backend's memory \(worker 2 of 2: Aborted\(OOM\)\); lower --micro-batch-steps/,
    );
    // Any other worker failure passes through as it is.
    const broken = { workers: 2, computeGradients: () => Promise.reject(new Error('worker 1 of 2: boom')) };
    await expect(
      train(
        model,
        makeTinyDataset(),
        { steps: 1, workers: 2, batchSize: 2, length: 8, validateEvery: 0 },
        { gradients: broken },
      ),
    ).rejects.toThrow(/^worker 1 of 2: boom$/);
    model.dispose();
  });

  test('workers > 1 need a computer', async () => {
    const model = createModel(config, { seed: 1 });
    await expect(train(model, makeTinyDataset(), { steps: 1, workers: 2 })).rejects.toThrow(
      /2 workers need a gradient computer/,
    );
    await expect(train(model, makeTinyDataset(), { steps: 1, workers: 0 })).rejects.toThrow(/workers 0/);
    model.dispose();
  });
});

describe('addInOrder', () => {
  test('adds the parts in order into float32 and returns the sum of the squares', () => {
    const a = Float32Array.of(0.1, -2, 3e-8);
    const b = Float32Array.of(0.2, 1, 1);
    const c = Float32Array.of(0.3, 0.5, -1);
    const into = new Float32Array(3);
    const squares = addInOrder(into, [a, b, c]);
    const f = Math.fround;
    const expected = [0, 1, 2].map((j) => f(f(a[j]! + b[j]!) + c[j]!));
    expect(Array.from(into)).toEqual(expected);
    expect(squares).toBeCloseTo(
      expected.reduce((s, x) => s + x * x, 0),
      12,
    );
    expect(addInOrder(into, [a])).toBeCloseTo(0.01 + 4 + 9e-16, 6);
    expect(Array.from(into)).toEqual(Array.from(a));
    expect(addInOrder(into, [a, b])).toBeCloseTo(f(0.1 + 0.2) ** 2 + 1 + 1, 6);
    expect(() => addInOrder(into, [])).toThrow(/no parts/);
  });
});
