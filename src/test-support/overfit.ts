import * as tf from '@tensorflow/tfjs';
import type { Model, ModelBatch } from '../model/model.js';

/**
 * The loss of a batch before and after `steps` Adam steps on it alone (dropout on, a seed per step):
 * the overfitting check every model's test makes.
 *
 * @returns the total losses, and the first pass's parts
 */
export function overfit<B extends ModelBatch>(
  model: Model<B>,
  batch: B,
  steps: number,
  lr: number,
): { first: number; parts: Record<string, number>; last: number } {
  const value = (t: tf.Scalar | undefined): number => t!.dataSync()[0]!;
  const start = model.loss(batch);
  const first = value(start.total);
  const parts = Object.fromEntries(Object.entries(start.parts).map(([k, v]) => [k, value(v)]));
  tf.dispose([start.total, ...Object.values(start.parts)]);
  const optimizer = tf.train.adam(lr);
  for (let i = 0; i < steps; i++) {
    optimizer.minimize(() => model.loss(batch, { training: true, seed: i }).total, false, [
      ...model.variables,
    ]);
  }
  optimizer.dispose();
  const end = model.loss(batch);
  const last = value(end.total);
  tf.dispose([end.total, ...Object.values(end.parts)]);
  return { first, parts, last };
}

/**
 * The size (sum of absolute values) of each weight's gradient of the batch's loss, by weight name;
 * a weight the loss does not reach is missing or 0.
 */
export function gradientSizes<B extends ModelBatch>(
  model: Model<B>,
  batch: B,
  options: { training?: boolean; seed?: number } = {},
): Map<string, number> {
  const { grads } = tf.variableGrads(() => model.loss(batch, options).total, [...model.variables]);
  const sizes = new Map<string, number>();
  for (const { name, variable } of model.weights) {
    const g = grads[variable.name];
    if (g)
      sizes.set(
        name,
        tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!),
      );
  }
  tf.dispose(Object.values(grads));
  return sizes;
}
