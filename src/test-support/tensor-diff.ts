import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** The largest absolute difference between two tensors of the same shape (asserted). */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}
