import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { setupNodeBackend } from '../../node/tf-backend.js';

/**
 * The replacement wasm kernels against the cpu backend's results, on odd shapes: slices of every
 * rank, splits, unstacks, and matrix products with transposes, batches and broadcasting.
 */

interface Case {
  label: string;
  run: () => tf.Tensor | tf.Tensor[];
}

function values(run: () => tf.Tensor | tf.Tensor[]): { shape: number[]; data: number[] }[] {
  return tf.tidy(() => {
    const out = run();
    return (Array.isArray(out) ? out : [out]).map((t) => ({
      shape: t.shape,
      data: Array.from(t.dataSync()),
    }));
  });
}

const base = (shape: number[]): tf.Tensor =>
  tf.reshape(
    tf.range(
      0,
      shape.reduce((a, b) => a * b, 1),
    ),
    shape,
  );
const rand = (shape: number[], seed: number): tf.Tensor => tf.randomUniform(shape, -1, 1, 'float32', seed);

const cases: Case[] = [
  { label: 'slice 1-D', run: () => tf.slice(base([10]), [3], [4]) },
  { label: 'slice 2-D rows', run: () => tf.slice(base([6, 5]), [2, 0], [3, 5]) },
  { label: 'slice 2-D columns', run: () => tf.slice(base([6, 40]), [1, 7], [4, 20]) },
  { label: 'slice 3-D middle', run: () => tf.slice(base([4, 5, 6]), [1, 2, 3], [2, 3, 2]) },
  { label: 'slice 4-D', run: () => tf.slice(base([3, 4, 5, 6]), [1, 0, 2, 0], [2, 4, 2, 6]) },
  { label: 'slice 5-D', run: () => tf.slice(base([2, 3, 2, 3, 4]), [1, 1, 0, 1, 1], [1, 2, 2, 2, 3]) },
  { label: 'slice int32', run: () => tf.slice(tf.cast(base([5, 5]), 'int32'), [1, 1], [3, 3]) },
  { label: 'slice empty', run: () => tf.slice(base([5, 5]), [1, 1], [0, 3]) },
  { label: 'split axis 0', run: () => tf.split(base([6, 4]), 3, 0) },
  { label: 'split axis 1 sizes', run: () => tf.split(base([3, 10]), [2, -1, 3], 1) },
  { label: 'unstack axis 0', run: () => tf.unstack(base([3, 2, 4])) },
  { label: 'unstack axis 2', run: () => tf.unstack(base([3, 2, 4]), 2) },
  { label: 'matMul', run: () => tf.matMul(rand([5, 7], 1), rand([7, 3], 2)) },
  { label: 'matMul tA', run: () => tf.matMul(rand([7, 5], 1), rand([7, 3], 2), true, false) },
  { label: 'matMul tB', run: () => tf.matMul(rand([5, 7], 1), rand([3, 7], 2), false, true) },
  { label: 'matMul tA tB', run: () => tf.matMul(rand([7, 5], 1), rand([3, 7], 2), true, true) },
  { label: 'batched', run: () => tf.matMul(rand([4, 5, 7], 1), rand([4, 7, 3], 2)) },
  { label: 'batched tB', run: () => tf.matMul(rand([4, 5, 7], 1), rand([4, 3, 7], 2), false, true) },
  { label: 'batched shared right', run: () => tf.matMul(rand([2, 3, 5, 7], 1), rand([7, 3], 2)) },
  { label: 'batched shared left', run: () => tf.matMul(rand([5, 7], 1), rand([4, 7, 3], 2)) },
  {
    label: 'gradient of matMul',
    run: () => tf.grads((a, b) => tf.sum(tf.matMul(a!, b!)))([rand([6, 4], 3), rand([4, 5], 4)]),
  },
];

beforeAll(async () => {
  await setupNodeBackend('wasm');
});

describe('replacement wasm kernels', () => {
  test('agree with the cpu backend', async () => {
    const expected = new Map<string, ReturnType<typeof values>>();
    await tf.setBackend('cpu');
    for (const c of cases) expected.set(c.label, values(c.run));
    await setupNodeBackend('wasm');
    for (const c of cases) {
      const got = values(c.run);
      const want = expected.get(c.label)!;
      expect(
        got.map((g) => g.shape),
        c.label,
      ).toEqual(want.map((w) => w.shape));
      got.forEach((g, k) => {
        const w = want[k]!.data;
        const worst = g.data.reduce((m, v, i) => Math.max(m, Math.abs(v - w[i]!)), 0);
        expect(worst, c.label).toBeLessThan(1e-5);
      });
    }
  });

  test('unstacking a sequence copies only the slices (never reads the whole tensor back per slice)', () => {
    // The stock Slice kernel reads the whole input out of the heap (readSync) for every slice, which
    // makes unstacking O(T²); the replacement copies heap to heap and never calls readSync.
    const backend = tf.backend() as unknown as { readSync(dataId: unknown): unknown };
    const original = backend.readSync.bind(backend);
    let reads = 0;
    backend.readSync = (dataId) => {
      reads++;
      return original(dataId);
    };
    try {
      const x = tf.randomNormal([64, 4, 8]);
      const parts = tf.unstack(x);
      expect(parts).toHaveLength(64);
      expect(reads).toBe(0);
      expect(Array.from(parts[17]!.dataSync())).toEqual(Array.from(x.dataSync().subarray(17 * 32, 18 * 32)));
      tf.dispose([x, ...parts]);
    } finally {
      backend.readSync = original;
    }
  });
});
