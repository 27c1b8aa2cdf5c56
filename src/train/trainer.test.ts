import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { setupBackend } from '../model/kernels/backend.js';
import type { OriginalLstmConfig } from '../model/config.js';
import { createModel } from '../model/create-model.js';
import type { Model } from '../model/model.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../model/checkpoint/checkpoint.js';
import { makeTinyDataset, TINY_MODEL } from '../test-support/fixtures.js';
import type { TrainOptions } from './train-options.js';
import { train } from './trainer.js';

const tiny = TINY_MODEL;
const values = (m: Model): Float32Array[] => m.variables.map((v) => v.dataSync() as Float32Array);

beforeAll(async () => {
  await setupBackend('cpu');
});

describe('train', () => {
  test('overfits one small phrase: the loss falls by more than half in 60 steps', async () => {
    const dataset = makeTinyDataset({ trainNotes: [17], validationNotes: [17] });
    const model = createModel(tiny, { seed: 1 });
    const losses: number[] = [];
    const result = await train(
      model,
      dataset,
      {
        batchSize: 4,
        length: 16,
        steps: 60,
        lr: 1e-2,
        warmupSteps: 0,
        augment: false,
        validateEvery: 30,
        validationCrops: 2,
      },
      { onStep: (info) => void losses.push(info.loss) },
    );
    expect(result.reason).toBe('steps');
    expect(result.state.step).toBe(60);
    const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
    expect(last).toBeLessThan(first / 2);
    expect(result.state.curves.validation).toHaveLength(2);
    expect(result.state.best?.step).toBe(60);
    model.dispose();
  });

  test('micro-batches give the same update as one pass over the whole batch', async () => {
    const noDropout: OriginalLstmConfig = { ...tiny, dropout: 0 };
    const dataset = makeTinyDataset({ trainNotes: [20, 25, 30, 14], validationNotes: [20] });
    const run = async (microBatchSteps: number) => {
      const model = createModel(noDropout, { seed: 3 });
      const tokens: number[] = [];
      await train(
        model,
        dataset,
        {
          batchSize: 4,
          length: 12,
          steps: 5,
          lr: 5e-3,
          warmupSteps: 0,
          validateEvery: 0,
          validationCrops: 2,
          microBatchSteps,
        },
        { onStep: (info) => void tokens.push(info.tokens) },
      );
      const weights = values(model);
      model.dispose();
      return { weights, tokens };
    };
    const whole = await run(48); // 4 crops x 12 notes: one pass
    const split = await run(12); // one crop per pass
    expect(split.tokens).toEqual(whole.tokens);
    whole.weights.forEach((w, i) => {
      const other = split.weights[i]!;
      let worst = 0;
      for (let j = 0; j < w.length; j++) worst = Math.max(worst, Math.abs(w[j]! - other[j]!));
      expect(worst).toBeLessThan(1e-5);
    });
  });

  test('a resumed run matches an uninterrupted one exactly', async () => {
    const dataset = makeTinyDataset({ trainNotes: [20, 25, 30], validationNotes: [20] });
    const options: TrainOptions = {
      batchSize: 4,
      length: 12,
      steps: 12,
      lr: 5e-3,
      warmupSteps: 3,
      seed: 7,
      validateEvery: 4,
      validationCrops: 4,
    };
    const straight = createModel({ ...tiny, dropout: 0.2 }, { seed: 11 });
    const a = await train(straight, dataset, options);

    const first = createModel({ ...tiny, dropout: 0.2 }, { seed: 11 });
    let done = 0;
    let saved: Checkpoint | undefined;
    const half = await train(first, dataset, options, {
      onStep: () => void done++,
      shouldStop: () => done >= 6,
      onCheckpoint: (checkpoint, kind) => {
        if (kind === 'latest') saved = checkpoint;
      },
    });
    expect(half.reason).toBe('stopped');
    expect(saved?.state.step).toBe(6);
    first.dispose();
    // Through the file format, into a model with other initial weights.
    const files = encodeCheckpoint(saved as Checkpoint);
    const restored = decodeCheckpoint((name) => files.get(name), 'memory');
    const second = createModel(restored.config.model, { seed: 999 });
    const b = await train(second, dataset, options, {}, restored);
    expect(b.state.step).toBe(12);
    const wa = values(straight);
    const wb = values(second);
    wa.forEach((x, i) => {
      const y = wb[i] as Float32Array;
      let maxDiff = 0;
      for (let k = 0; k < x.length; k++)
        maxDiff = Math.max(maxDiff, Math.abs((x[k] as number) - (y[k] as number)));
      expect(maxDiff).toBeLessThanOrEqual(1e-6);
    });
    expect(b.state.rng).toEqual(a.state.rng);
    expect(b.state.curves.validation).toEqual(a.state.curves.validation);
    // Stopped at step 6, mid-interval: the step-8 train point still averages steps 5-8.
    expect(b.state.curves.train.map((p) => p.step)).toEqual(a.state.curves.train.map((p) => p.step));
    b.state.curves.train.forEach((p, i) => expect(p.loss).toBeCloseTo(a.state.curves.train[i]!.loss, 5));
    straight.dispose();
    second.dispose();
  });

  test('a non-finite loss skips the step and halves the learning rate', async () => {
    const dataset = makeTinyDataset();
    const model = createModel(tiny, { seed: 1 });
    let batches = 0;
    const poisoned: Model = {
      ...model,
      makeBatch(crops) {
        const batch = model.makeBatch(crops);
        if (++batches !== 3) return batch;
        const inputs = tf.fill(batch.inputs.shape, NaN) as tf.Tensor3D;
        return { ...batch, inputs, dispose: () => (batch.dispose(), inputs.dispose()) };
      },
    };
    const warnings: string[] = [];
    const skipped: boolean[] = [];
    const result = await train(
      poisoned,
      dataset,
      { batchSize: 2, length: 8, steps: 5, lr: 1e-3, warmupSteps: 0, schedule: 'constant', validateEvery: 0 },
      { onWarning: (m) => void warnings.push(m), onStep: (info) => void skipped.push(info.skipped) },
    );
    expect(result.reason).toBe('steps');
    expect(result.state.step).toBe(5);
    expect(result.state.skippedSteps).toBe(1);
    expect(result.state.lrFactor).toBe(0.5);
    expect(result.state.lr).toBe(5e-4);
    expect(skipped).toEqual([false, false, true, false, false, false]);
    expect(warnings.join()).toMatch(/step 3: loss NaN.*skipped, learning rate halved/);
    expect(model.variables.every((v) => v.dataSync().every(Number.isFinite))).toBe(true);
    model.dispose();
  });

  test('after 5 non-finite steps in a row training stops and keeps the last good checkpoint', async () => {
    const dataset = makeTinyDataset();
    const model = createModel(tiny, { seed: 1 });
    let batches = 0;
    const poisoned: Model = {
      ...model,
      makeBatch(crops) {
        const batch = model.makeBatch(crops);
        if (++batches <= 2) return batch;
        const inputs = tf.fill(batch.inputs.shape, Infinity) as tf.Tensor3D;
        return { ...batch, inputs, dispose: () => (batch.dispose(), inputs.dispose()) };
      },
    };
    const kinds: string[] = [];
    let afterStep2: Float32Array[] = [];
    const result = await train(
      poisoned,
      dataset,
      { batchSize: 2, length: 8, steps: 50, validateEvery: 0, checkpointEverySteps: 2 },
      {
        onCheckpoint: (checkpoint, kind) => {
          kinds.push(`${kind}@${checkpoint.state.step}`);
          afterStep2 = values(model).map((x) => x.slice());
        },
      },
    );
    expect(result.reason).toBe('diverged');
    expect(result.message).toMatch(/not finite for 5 steps in a row.*last good checkpoint is kept/);
    expect(result.state.step).toBe(2);
    expect(kinds).toEqual(['latest@2']);
    expect(values(model)).toEqual(afterStep2);
    model.dispose();
  });

  test('options are checked', async () => {
    const dataset = makeTinyDataset();
    const model = createModel(tiny, { seed: 1 });
    await expect(train(model, dataset, { batchSize: 0, steps: 1 })).rejects.toThrow(/batch size 0/);
    await expect(train(model, dataset, {})).rejects.toThrow(/needs an end/);
    await expect(train(model, dataset, { steps: 1, lr: Number.NaN })).rejects.toThrow(/learning rate/);
    model.dispose();
  });
});
