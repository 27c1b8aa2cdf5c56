import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors.js';
import type { WeightMap } from './checkpoint/weight-map.js';
import type { Model } from './model.js';

/**
 * Starts a model from another model's weights (fine-tuning): every weight is copied by name. A
 * kernel with more input rows than the source's (an infill network's `rnn/kernel`, whose extra rows
 * read the infill features after the pitch) gets the source's rows first and zeros below, so the
 * new network computes exactly what the source did until training moves the new rows.
 *
 * @param model - the model to initialise (its variables are overwritten)
 * @param weights - the source's weights by name (`loadModel(dir).weights`)
 * @returns how many weights were widened with zero rows
 * @throws InvalidArgumentError naming a weight the source lacks or whose shape does not fit
 * @example initWeightsFrom(createModel({ ...presetConfig('ordered-lstm'), infill: true }), (await loadModel()).weights);
 */
export function initWeightsFrom(model: Model, weights: WeightMap): number {
  let widened = 0;
  const values = model.weights.map(({ name, variable }) => {
    const source = weights.get(name);
    if (source === undefined) throw new InvalidArgumentError(`initial weights: no '${name}'`);
    const shape = variable.shape;
    const same = source.shape.length === shape.length && source.shape.every((d, i) => d === shape[i]);
    if (same) return source.data;
    const rows = source.shape[0] ?? 0;
    if (shape.length === 2 && source.shape.length === 2 && source.shape[1] === shape[1] && rows < shape[0]!) {
      const data = new Float32Array(shape[0]! * shape[1]!);
      data.set(source.data.subarray(0, rows * shape[1]!));
      widened++;
      return data;
    }
    throw new InvalidArgumentError(
      `initial weights: '${name}' has shape [${source.shape.join(', ')}], the model needs [${shape.join(', ')}]`,
    );
  });
  model.weights.forEach(({ variable }, i) => {
    const value = tf.tensor(values[i]!, variable.shape);
    variable.assign(value);
    value.dispose();
  });
  return widened;
}
