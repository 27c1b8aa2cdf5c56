import type { WeightMap, WeightTensor } from '../model/checkpoint/weight-map.js';
import type { OriginalLstmConfig } from '../model/config.js';
import { createRng } from '../random/rng.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * Random weights of the original network by name, without TensorFlow.js: enough to run a step
 * network in tests whose answers do not depend on training (state isolation, shapes, plumbing).
 *
 * @param config - the network's configuration
 * @param seed - the generator's seed
 * @param scale - weights are uniform in [−scale, scale] (default 0.3)
 * @returns the weight map `createStepNetwork` reads
 */
export function randomStepWeights(config: OriginalLstmConfig, seed = 1, scale = 0.3): WeightMap {
  const rng = createRng(seed);
  const H = config.units;
  const D = config.denseUnits;
  const G = (config.rnn === 'lstm' ? 4 : 3) * H;
  const tensor = (shape: number[]): WeightTensor => ({
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rng.next() * 2 - 1) * scale),
  });
  const weights = new Map<string, WeightTensor>([
    ['rnn/kernel', tensor([123, G])],
    ['rnn/recurrent_kernel', tensor([H, G])],
    ['rnn/bias', tensor(config.rnn === 'lstm' ? [G] : [2, G])],
    ['pitch/kernel', tensor([D + H, PITCH_COUNT])],
    ['pitch/bias', tensor([PITCH_COUNT])],
    ['regression/kernel', tensor([D + H, 3])],
    ['regression/bias', tensor([3])],
  ]);
  for (let i = 0; i < config.blocks; i++) {
    weights.set(`dense${i + 1}/kernel`, tensor([i === 0 ? H : D, D]));
    weights.set(`dense${i + 1}/bias`, tensor([D]));
  }
  return weights;
}
