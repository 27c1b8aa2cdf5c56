import type { OriginalLstmConfig } from '../model/config.js';
import { denseSizes, loadDense } from './step-weights.js';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import type { RegressionStepNetwork } from './step-network.js';
import { createTrunkStep, type TrunkInput } from './trunk-step.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * The original network (`createOriginalLstm`, docs/original-system.md §5) as a `StepNetwork`: the
 * same weights and math, one note at a time, without TensorFlow.js. Dropout is off (inference). The trunk
 * (`trunk-step.ts`) does the recurrent layer and the dense block; here are the two heads.
 *
 * Checked against the tfjs model's `forward` in `original-lstm-step.test.ts`.
 */

const REALS = 3;

/** The original's input: delay, duration, volume, then the 120-pitch one-hot. */
export const ORIGINAL_INPUT: TrunkInput = {
  reals: REALS,
  pitchWidth: PITCH_COUNT,
  writeReals(row, out) {
    out[0] = row[0];
    out[1] = row[1];
    out[2] = row[2];
  },
  pitchIndices(pitch, out) {
    out[0] = pitch;
    return 1;
  },
};

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Builds the step network from the model's weights.
 *
 * @param config - the model's configuration
 * @param weights - its weights by name (from a checkpoint, or a tfjs model's variables)
 * @param batch - rows advanced together (default 1)
 * @param options - `simd: false` forces the JavaScript kernel
 * @returns the network, state zero
 * @throws InvalidArgumentError naming a missing or misshapen weight
 */
export function createOriginalLstmStep(
  config: OriginalLstmConfig,
  weights: WeightMap,
  batch = 1,
  options: { simd?: boolean } = {},
): RegressionStepNetwork {
  const F = config.denseUnits + config.units;
  const trunk = createTrunkStep(
    config,
    weights,
    batch,
    ORIGINAL_INPUT,
    [...denseSizes(F, PITCH_COUNT), batch * PITCH_COUNT, ...denseSizes(F, REALS), batch * REALS],
    options,
  );
  const { arena, features, Fs } = trunk;
  const pitchHead = loadDense(arena, weights, 'pitch', F, PITCH_COUNT);
  const pitchLogits = arena.alloc(batch * PITCH_COUNT);
  const regressionHead = loadDense(arena, weights, 'regression', F, REALS);
  const regressionOut = arena.alloc(batch * REALS);
  const regression = new Float32Array(batch * REALS);

  return {
    kind: 'regression',
    config,
    batch,
    stateSize: trunk.stateSize,
    pitchLogits: pitchLogits.view,
    regression,
    step(rows) {
      trunk.step(rows);
      arena.matmul(pitchHead.w, PITCH_COUNT, Fs, features, batch, pitchHead.b, pitchLogits, PITCH_COUNT);
      arena.matmul(regressionHead.w, REALS, Fs, features, batch, regressionHead.b, regressionOut, REALS);
      const rv = regressionOut.view;
      for (let i = 0; i < batch * REALS; i++) regression[i] = 4 * sigmoid(rv[i]!);
    },
    saveState: (row) => trunk.saveState(row),
    loadState: (row, state) => trunk.loadState(row, state),
    reset: () => trunk.reset(),
  };
}
