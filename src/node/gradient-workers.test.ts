import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setupBackend } from '../model/kernels/backend.js';
import { createModel } from '../model/create-model.js';
import type { Model } from '../model/model.js';
import { ensureBuilt } from '../test-support/built-cli.js';
import { repoRoot } from '../test-support/shared-data.js';
import type { Checkpoint } from '../model/checkpoint/checkpoint.js';
import { makeTinyDataset, TINY_MODEL } from '../test-support/fixtures.js';
import type { TrainOptions } from '../train/train-options.js';
import { train, type TrainCallbacks } from '../train/trainer.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint-store.js';
import type * as Pool from './gradient-workers.js';

// Worker threads run the built code: the pool comes from dist/, the trainer from the sources (the
// pool only passes Float32Arrays, so the two meet through the `GradientWorkerPool` interface).
let pool: typeof Pool;
const config = { ...TINY_MODEL, dropout: 0.2 };
const dataset = makeTinyDataset({ trainNotes: [20, 25, 30, 14], validationNotes: [20] });
const options: TrainOptions = {
  batchSize: 4,
  length: 12,
  microBatchSteps: 24, // 2 crops per pass: 2 passes per step
  lr: 5e-3,
  warmupSteps: 2,
  seed: 7,
  validateEvery: 4,
  validationCrops: 4,
};
const values = (m: Model): Float32Array[] => m.variables.map((v) => (v.dataSync() as Float32Array).slice());
const maxDiff = (a: Float32Array[], b: Float32Array[]): number =>
  Math.max(...a.map((x, i) => x.reduce((m, v, k) => Math.max(m, Math.abs(v - b[i]![k]!)), 0)));

async function run(
  steps: number,
  workers: number,
  callbacks: TrainCallbacks = {},
  resume?: Checkpoint,
): Promise<{ weights: Float32Array[]; losses: number[]; state: Awaited<ReturnType<typeof train>>['state'] }> {
  const model = createModel(config, { seed: resume ? 99 : 11 });
  const threads =
    workers > 1 ? await pool.createGradientWorkers({ workers, model: config, backend: 'cpu' }) : undefined;
  const losses: number[] = [];
  try {
    const result = await train(
      model,
      dataset,
      { ...options, steps, workers },
      {
        ...callbacks,
        ...(threads ? { gradients: threads } : {}),
        onStep: (info) => {
          losses.push(info.loss);
          return callbacks.onStep?.(info);
        },
      },
      resume,
    );
    return { weights: values(model), losses, state: result.state };
  } finally {
    await threads?.close();
    model.dispose();
  }
}

let dir: string;
beforeAll(async () => {
  ensureBuilt(join('node', 'gradient-worker.js'));
  pool = (await import(join(repoRoot, 'dist', 'node', 'gradient-workers.js'))) as typeof Pool;
  await setupBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'howl-gradient-workers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gradient worker threads', () => {
  test('steps with 2 workers give the weights, losses and state of 1 worker', async () => {
    const one = await run(3, 1);
    const two = await run(3, 2);
    expect(maxDiff(one.weights, two.weights)).toBeLessThanOrEqual(1e-5);
    two.losses.forEach((loss, i) => expect(loss).toBeCloseTo(one.losses[i]!, 6));
    expect(two.state.rng).toEqual(one.state.rng);
  });

  test('a run with 2 workers stopped and resumed matches an uninterrupted one', async () => {
    const straight = await run(8, 1);
    let saved: Checkpoint | undefined;
    let done = 0;
    await run(8, 2, {
      onStep: () => void done++,
      shouldStop: () => done >= 4,
      onCheckpoint: (checkpoint, kind) => {
        if (kind === 'latest') saved = checkpoint;
      },
    });
    expect(saved?.state.step).toBe(4);
    const resumed = await run(8, 2, {}, saved);
    expect(resumed.state.step).toBe(8);
    expect(maxDiff(straight.weights, resumed.weights)).toBeLessThanOrEqual(1e-5);
    expect(resumed.state.rng).toEqual(straight.state.rng);
  });

  test('a worker that crashes stops training with a clear error; the last checkpoint stays intact', async () => {
    const model = createModel(config, { seed: 11 });
    const threads = await pool.createGradientWorkers({
      workers: 2,
      model: config,
      backend: 'cpu',
      crash: { index: 1, request: 3 },
    });
    const checkpointDir = join(dir, 'checkpoint');
    try {
      await expect(
        train(
          model,
          dataset,
          { ...options, steps: 10, workers: 2, checkpointEverySteps: 1, validateEvery: 0 },
          {
            gradients: threads,
            onCheckpoint: (checkpoint) => saveCheckpoint(checkpointDir, checkpoint),
          },
        ),
      ).rejects.toThrow(/gradient worker thread: worker 2 of 2: the thread exited \(code 1\)/);
      await expect(threads.computeGradients([], [])).rejects.toThrow(/worker 2 of 2/);
    } finally {
      await threads.close();
      model.dispose();
    }
    const kept = await loadCheckpoint(checkpointDir);
    expect(kept.state.step).toBe(2);
    let done = 0;
    const straight = await run(10, 1, { onStep: () => void done++, shouldStop: () => done >= 2 });
    const byName = new Map(kept.tensors.map((t) => [t.name, t.data]));
    const probe = createModel(config, { seed: 11 });
    const names = probe.weights.map((w) => w.name);
    probe.dispose();
    expect(
      maxDiff(
        straight.weights,
        names.map((n) => byName.get(n)!),
      ),
    ).toBeLessThanOrEqual(1e-5);
  });

  test('bad worker counts are refused', async () => {
    await expect(pool.createGradientWorkers({ workers: 0, model: config })).rejects.toThrow(/workers 0/);
    const model = createModel(config, { seed: 1 });
    await expect(train(model, dataset, { ...options, steps: 1, workers: 2 })).rejects.toThrow(
      /2 workers need a gradient computer/,
    );
    model.dispose();
  });
});
