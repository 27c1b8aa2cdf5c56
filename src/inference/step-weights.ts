import { InvalidArgumentError } from '../errors.js';
import { SELU_ALPHA, SELU_SCALE } from '../model/kernels/selu-constants.js';
import { padTo8, type ArenaBlock, type MatmulArena } from './matmul.js';
import type { WeightMap, WeightTensor } from '../model/checkpoint/weight-map.js';

/**
 * Reading a model's weights into a step network's arena: shape checks, Keras kernels transposed
 * for the product kernel, dense layers and SELU.
 */

/**
 * A weight by name, checked against the expected shape.
 *
 * @throws InvalidArgumentError naming a missing or misshapen weight
 */
export function weightTensor(weights: WeightMap, name: string, shape: readonly number[]): WeightTensor {
  const t = weights.get(name);
  if (!t) throw new InvalidArgumentError(`model weights: '${name}' is missing`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new InvalidArgumentError(
      `model weights: '${name}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`,
    );
  }
  if (t.data.length !== shape.reduce((a, b) => a * b, 1)) {
    throw new InvalidArgumentError(`model weights: '${name}' has ${t.data.length} values for its shape`);
  }
  return t;
}

/** Copies a Keras kernel `[inputs, outputs]` into `block` as `[outputs, stride]` (transposed, zero-padded). */
export function transposeInto(
  kernel: Float32Array,
  inputs: number,
  outputs: number,
  block: ArenaBlock,
  stride: number,
): void {
  const out = block.view;
  for (let i = 0; i < inputs; i++) {
    const row = i * outputs;
    for (let j = 0; j < outputs; j++) out[j * stride + i] = kernel[row + j]!;
  }
}

/** A dense layer in an arena: `out = x · kernel + bias`. */
export interface ArenaDense {
  readonly w: ArenaBlock;
  readonly b: ArenaBlock;
  readonly inputs: number;
  /** Row length of `w` and of the inputs it reads (`padTo8(inputs)`). */
  readonly stride: number;
  readonly outputs: number;
}

/** Floats a dense layer takes in an arena (for `arenaFloats`). */
export const denseSizes = (inputs: number, outputs: number): number[] => [outputs * padTo8(inputs), outputs];

/**
 * Loads dense layer `name` (`name/kernel` `[inputs, outputs]`, `name/bias`) into the arena.
 *
 * @throws InvalidArgumentError naming a missing or misshapen weight
 */
export function loadDense(
  arena: MatmulArena,
  weights: WeightMap,
  name: string,
  inputs: number,
  outputs: number,
): ArenaDense {
  const stride = padTo8(inputs);
  const w = arena.alloc(outputs * stride);
  transposeInto(weightTensor(weights, `${name}/kernel`, [inputs, outputs]).data, inputs, outputs, w, stride);
  const b = arena.alloc(outputs);
  b.view.set(weightTensor(weights, `${name}/bias`, [outputs]).data);
  return { w, b, inputs, stride, outputs };
}

/**
 * SELU in place on the first `width` floats of `rows` rows of `stride` floats.
 */
export function seluRows(v: Float32Array, rows: number, stride: number, width: number, from = 0): void {
  for (let b = 0; b < rows; b++) {
    for (let j = from + b * stride, end = from + b * stride + width; j < end; j++) {
      const x = v[j]!;
      v[j] = x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * (Math.exp(x) - 1);
    }
  }
}
