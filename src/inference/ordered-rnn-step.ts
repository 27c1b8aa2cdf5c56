import type { OrderedRnnConfig } from '../model/config.js';
import { InvalidArgumentError } from '../errors.js';
import { INFILL_FEATURES, writeInfillFeatures, type InfillInput } from '../encoding/infill-input.js';
import {
  ORDERED_REALS,
  orderedInputFeatures,
  pitchInputIndices,
  writeOrderedReals,
} from '../encoding/ordered-input.js';
import { createOrderedHeadsStep, orderedHeadsSizes } from './ordered-heads-step.js';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import type { OrderedStepNetwork } from './step-network.js';
import { createTrunkStep, type TrunkInput } from './trunk-step.js';

/**
 * Howl's distributional recurrent network (`src/model/ordered-rnn.ts`) as a `StepNetwork`: the trunk
 * (`trunk-step.ts`) once per note, then the ordered heads (`ordered-heads-step.ts`) in the
 * attributes' order, each given the bins already chosen.
 *
 * Checked against the tfjs model's loss in `ordered-rnn-step.test.ts`. A gap-filling network
 * (`infill: true`) reads seven more inputs per note, set per row with `setInfill`.
 */

/**
 * Builds the step network from the model's weights.
 *
 * @param config - the model's configuration
 * @param weights - its weights by name (a checkpoint's tensors, or `weightMapOf(model)`)
 * @param batch - rows advanced together (default 1)
 * @param options - `simd: false` forces the JavaScript kernel
 * @returns the network, state zero
 * @throws InvalidArgumentError naming a missing or misshapen weight
 */
export function createOrderedRnnStep(
  config: OrderedRnnConfig,
  weights: WeightMap,
  batch = 1,
  options: { simd?: boolean } = {},
): OrderedStepNetwork {
  const input: TrunkInput = {
    reals: ORDERED_REALS,
    pitchWidth: orderedInputFeatures(config.pitchEncoding) - ORDERED_REALS,
    writeReals: (row, out) => writeOrderedReals(row, out, 0),
    pitchIndices: (pitch, out) => pitchInputIndices(config.pitchEncoding, pitch, out),
    extra: config.infill ? INFILL_FEATURES : 0,
  };
  const F = config.denseUnits + config.units;
  const trunk = createTrunkStep(config, weights, batch, input, orderedHeadsSizes(config, F, batch), options);
  const heads = createOrderedHeadsStep(config, weights, trunk.arena, trunk.features, F, trunk.Fs, batch);
  return {
    kind: 'ordered',
    config,
    batch,
    stateSize: trunk.stateSize,
    delayLogits: heads.delayLogits,
    step(rows) {
      trunk.step(rows);
      heads.update();
    },
    pitchLogitsGiven: heads.pitchLogitsGiven,
    restLogitsGiven: heads.restLogitsGiven,
    saveState: (row) => trunk.saveState(row),
    loadState: (row, state) => trunk.loadState(row, state),
    reset() {
      trunk.reset();
      trunk.extraInputs.fill(0);
    },
    ...(config.infill
      ? {
          setInfill(row: number, infill: InfillInput | null) {
            if (!(Number.isSafeInteger(row) && row >= 0 && row < batch)) {
              throw new InvalidArgumentError(`setInfill: row ${row} is not in 0..${batch - 1}`);
            }
            writeInfillFeatures(infill, trunk.extraInputs, row * INFILL_FEATURES);
          },
        }
      : {}),
  };
}
