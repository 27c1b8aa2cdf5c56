import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, test } from 'vitest';
import { setupBackend } from '../model/kernels/backend.js';
import { createAdam } from './adam.js';

beforeAll(async () => {
  await setupBackend('cpu');
});

/** One weight after `steps` updates of `grads[k]·gradScale` applied with `scale`. */
function run(grads: number[][], scale: number, gradScale: number): { w: number[]; m: number[]; v: number[] } {
  const variable = tf.tidy(() => tf.variable(tf.tensor1d([1, -2])));
  const adam = createAdam([{ name: 'w', variable }]);
  try {
    for (const g of grads) {
      const t = tf.tensor1d(g.map((x) => x * gradScale));
      adam.apply([t], 0.01, scale);
      t.dispose();
    }
    const [m, v] = adam.moments.map((x) => Array.from(x.dataSync()));
    return { w: Array.from(variable.dataSync()), m: m!, v: v! };
  } finally {
    adam.dispose();
    variable.dispose();
  }
}

describe('adam', () => {
  test('follows the update rule, the gradient multiplied by scale first', () => {
    const { w, m, v } = run([[4, -8]], 0.25, 1); // g·scale = 1, -2
    expect(m[0]).toBeCloseTo(0.1, 6);
    expect(v[0]).toBeCloseTo(0.001, 6);
    expect(m[1]).toBeCloseTo(-0.2, 6);
    expect(v[1]).toBeCloseTo(0.004, 6);
    // lrT = 0.01·√(1 − 0.999)/(1 − 0.9); w −= lrT·m/(√v + ε)
    const lrT = (0.01 * Math.sqrt(0.001)) / 0.1;
    expect(w[0]).toBeCloseTo(1 - (lrT * 0.1) / Math.sqrt(0.001), 5);
    expect(w[1]).toBeCloseTo(-2 + (lrT * 0.2) / Math.sqrt(0.004), 5);
  });

  test('scale s on a gradient gives the update of the gradient times s', () => {
    const grads = [
      [0.5, -1.5],
      [2, 0.25],
      [-1, 1],
    ];
    const scaled = run(grads, 0.3, 1);
    const premultiplied = run(grads, 1, 0.3);
    scaled.w.forEach((x, i) => expect(x).toBeCloseTo(premultiplied.w[i]!, 6));
    expect(scaled.w).not.toEqual(run(grads, 1, 1).w);
  });
});
