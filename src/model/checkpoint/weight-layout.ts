import { TIME_BINS, VELOCITY_BINS } from '../../encoding/grid.js';
import { orderedRnnInputFeatures } from '../../encoding/infill-input.js';
import { OCTAVES, orderedInputFeatures, PITCHES_PER_OCTAVE } from '../../encoding/ordered-input.js';
import { PITCH_COUNT } from '../../score/clamp-pitch.js';
import type { ModelConfig, OrderedConfig, RnnConfig, TransformerConfig } from '../config.js';

/**
 * Every architecture's weights by name and shape, worked out from its configuration alone (no
 * TensorFlow.js): the contract between Howl's networks and files written elsewhere (safetensors,
 * `docs/safetensors.md`). A test checks it against each training network's own variables.
 *
 * Layout (Keras): dense kernels `[in, out]` (y = x·kernel + bias); LSTM kernel `[in, 4H]`,
 * recurrent kernel `[H, 4H]`, bias `[4H]`, gate order i, f, c, o; GRU (`reset_after`) kernel
 * `[in, 3H]`, recurrent kernel `[H, 3H]`, bias `[2, 3H]` (input bias, recurrent bias), gate order
 * z, r, h. All row-major.
 */

/** One weight's name and shape. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Inputs per note of the original network: delay, duration, volume, then the pitch one-hot. */
const V1_INPUTS = 3 + PITCH_COUNT;
/** Outputs of the original network's regression head: next delay, duration, volume. */
const REGRESSION_OUTPUTS = 3;

const dense = (name: string, inputs: number, outputs: number): WeightSpec[] => [
  { name: `${name}/kernel`, shape: [inputs, outputs] },
  { name: `${name}/bias`, shape: [outputs] },
];

/** The recurrent layer and the SELU block (`src/model/trunk.ts`). */
function trunkLayout(config: RnnConfig, inputs: number): WeightSpec[] {
  const H = config.units;
  const gates = config.rnn === 'lstm' ? 4 : 3;
  const specs: WeightSpec[] = [
    { name: 'rnn/kernel', shape: [inputs, gates * H] },
    { name: 'rnn/recurrent_kernel', shape: [H, gates * H] },
    { name: 'rnn/bias', shape: config.rnn === 'lstm' ? [4 * H] : [2, 3 * H] },
  ];
  for (let i = 1; i <= config.blocks; i++) {
    specs.push(...dense(`dense${i}`, i === 1 ? H : config.denseUnits, config.denseUnits));
  }
  return specs;
}

/** The ordered heads over `F` features (`src/model/ordered-heads.ts`). */
function headsLayout(config: OrderedConfig, F: number): WeightSpec[] {
  const E = config.headUnits;
  const octaveClass = config.pitchEncoding === 'octave-class';
  const pitchOutputs = octaveClass ? OCTAVES : PITCH_COUNT;
  return [
    ...dense('context', F, E),
    ...dense('delay', E, TIME_BINS),
    ...dense('pitch', F, pitchOutputs),
    ...dense('pitch_delay', TIME_BINS, E),
    ...dense('pitch_hidden', E, pitchOutputs),
    ...(octaveClass
      ? [
          ...dense('class', F, PITCHES_PER_OCTAVE),
          ...dense('class_octave', OCTAVES, E),
          ...dense('class_hidden', E, PITCHES_PER_OCTAVE),
        ]
      : []),
    ...dense('rest_delay', TIME_BINS, E),
    ...dense('rest_pitch', PITCH_COUNT, E),
    ...dense('duration', E, TIME_BINS),
    ...dense('velocity', E, VELOCITY_BINS),
  ];
}

/** The transformer trunk (`src/model/transformer.ts`). */
function transformerLayout(config: TransformerConfig): WeightSpec[] {
  const d = config.modelUnits;
  const norm = (name: string): WeightSpec[] => [
    { name: `${name}/gamma`, shape: [d] },
    { name: `${name}/beta`, shape: [d] },
  ];
  const specs = dense('embed', orderedInputFeatures(config.pitchEncoding), d);
  for (let l = 1; l <= config.layers; l++) {
    specs.push(
      ...norm(`layer${l}/norm1`),
      ...dense(`layer${l}/qkv`, d, 3 * d),
      ...dense(`layer${l}/out`, d, d),
      ...norm(`layer${l}/norm2`),
      ...dense(`layer${l}/ff1`, d, config.ffUnits),
      ...dense(`layer${l}/ff2`, config.ffUnits, d),
    );
  }
  return [...specs, ...norm('norm')];
}

/**
 * A model's weights, in the order its training network creates them (the order Howl writes them).
 *
 * @param config - a model configuration
 * @returns each weight's name and shape
 * @example weightLayout(presetConfig('lstm-192'))[0]; // { name: 'rnn/kernel', shape: [123, 768] }
 */
export function weightLayout(config: ModelConfig): readonly WeightSpec[] {
  switch (config.type) {
    case 'original-lstm': {
      const F = config.denseUnits + config.units;
      return [
        ...trunkLayout(config, V1_INPUTS),
        ...dense('pitch', F, PITCH_COUNT),
        ...dense('regression', F, REGRESSION_OUTPUTS),
      ];
    }
    case 'ordered-rnn':
      return [
        // An infill network's kernel has INFILL_FEATURES more rows, after the pitch's.
        ...trunkLayout(config, orderedRnnInputFeatures(config)),
        ...headsLayout(config, config.denseUnits + config.units),
      ];
    case 'transformer':
      return [...transformerLayout(config), ...headsLayout(config, config.modelUnits)];
  }
}
