import { TIME_BINS, VELOCITY_BINS } from '../encoding/grid.js';
import { OCTAVES, PITCHES_PER_OCTAVE } from '../encoding/ordered-input.js';
import type { OrderedConfig } from '../model/config.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';
import type { GraphBuilder, Value } from './onnx-graph.js';

/**
 * The ordered heads (`src/inference/ordered-heads-step.ts`) as ONNX operators, split as Howl's
 * `OrderedStepNetwork` splits them, so that a sampler elsewhere can draw each attribute before the
 * next is asked for:
 *
 * - in the step graph (`stepHeads`): the context `a = f·W + b`, the delay logits from selu(a), and
 *   the pitch head's part that reads the features (`pitch_base`, and `class_base` with note-octave
 *   encoding);
 * - the pitch graph (`pitchHeadGraph`): the pitch logits given the delay bin drawn
 *   (`pitchLogitsGiven`);
 * - the rest graph (`restHeadGraph`): duration and velocity logits given the delay bin and the
 *   pitch drawn (`restLogitsGiven`).
 */

const CONTEXT_DOC = "the heads' context after the note (the step graph's output of that name)";

/** The pitch head's outputs: 120 pitches, or the 10 octaves of the note-octave encoding. */
const pitchOutputs = (config: OrderedConfig): number =>
  config.pitchEncoding === 'octave-class' ? OCTAVES : PITCH_COUNT;

/**
 * The step graph's heads: declares the outputs `delay_logits`, `context`, `pitch_base` (and
 * `class_base`).
 *
 * @param g - the step graph
 * @param config - the model's configuration
 * @param features - the trunk's features `[batch, F]`
 */
export function stepHeads(g: GraphBuilder, config: OrderedConfig, features: Value): void {
  const a = g.dense(features, 'context');
  g.output(
    g.dense(g.selu(a), 'delay'),
    'delay_logits',
    'float32',
    ['batch', TIME_BINS],
    'the next note\'s delay logits (401 bins of 10 ms, the last "4 s or more"); softmax gives p(delay)',
  );
  g.output(
    a,
    'context',
    'float32',
    ['batch', config.headUnits],
    "the heads' context: input of pitch.onnx and rest.onnx",
  );
  const P = pitchOutputs(config);
  g.output(
    g.dense(features, 'pitch'),
    'pitch_base',
    'float32',
    ['batch', P],
    `the pitch head's term from the features (${P}): input of pitch.onnx`,
  );
  if (config.pitchEncoding === 'octave-class') {
    g.output(
      g.dense(features, 'class'),
      'class_base',
      'float32',
      ['batch', PITCHES_PER_OCTAVE],
      "the pitch-class head's term from the features (12): input of pitch.onnx",
    );
  }
}

const delayBinInput = (g: GraphBuilder): Value =>
  g.input('delay_bin', 'int64', ['batch'], 'the delay bin drawn for the next note, 0..400');

/**
 * The pitch graph: inputs `context`, `pitch_base` (`class_base`), `delay_bin`; output
 * `pitch_logits` `[batch, 120]` (index = MIDI pitch). With note-octave encoding they are
 * log p(octave) + log p(class | octave): log-probabilities, whose softmax is themselves.
 */
export function pitchHeadGraph(g: GraphBuilder, config: OrderedConfig): void {
  const E = config.headUnits;
  const P = pitchOutputs(config);
  const a = g.input('context', 'float32', ['batch', E], CONTEXT_DOC);
  const base = g.input('pitch_base', 'float32', ['batch', P], "the step graph's output of that name");
  const octaveClass = config.pitchEncoding === 'octave-class';
  const classBase = octaveClass
    ? g.input('class_base', 'float32', ['batch', PITCHES_PER_OCTAVE], "the step graph's output of that name")
    : null;
  const delayBin = delayBinInput(g);
  const hidden = g.selu(
    g.sum(a, g.rows(g.weight('pitch_delay/kernel'), delayBin), g.weight('pitch_delay/bias')),
  );
  const logits = g.op('Add', [g.dense(hidden, 'pitch_hidden'), base]);
  const doc =
    "the next pitch's logits given its delay bin (120, index = MIDI pitch); softmax gives p(pitch | delay)";
  if (classBase === null) {
    g.output(logits, 'pitch_logits', 'float32', ['batch', PITCH_COUNT], doc);
    return;
  }
  // Each octave's pitch-class head, all ten at once: [batch, 10, E] → [batch, 10, 12].
  const octaveLog = g.op('LogSoftmax', [logits], [{ name: 'axis', int: 1 }]);
  const perOctave = g.selu(
    g.sum(
      g.op('Unsqueeze', [hidden, g.ints([1])]),
      g.weight('class_octave/kernel'),
      g.weight('class_octave/bias'),
    ),
  );
  const classLogits = g.sum(
    g.op('MatMul', [perOctave, g.weight('class_hidden/kernel')]),
    g.weight('class_hidden/bias'),
    g.op('Unsqueeze', [classBase, g.ints([1])]),
  );
  const pitchLog = g.op('Add', [
    g.op('LogSoftmax', [classLogits], [{ name: 'axis', int: 2 }]),
    g.op('Unsqueeze', [octaveLog, g.ints([2])]),
  ]);
  g.output(
    g.op('Reshape', [pitchLog, g.ints([-1, PITCH_COUNT])]),
    'pitch_logits',
    'float32',
    ['batch', PITCH_COUNT],
    doc,
  );
}

/**
 * The rest graph: inputs `context`, `delay_bin`, `pitch`; outputs `duration_logits` `[batch, 401]`
 * and `velocity_logits` `[batch, 32]`.
 */
export function restHeadGraph(g: GraphBuilder, config: OrderedConfig): void {
  const a = g.input('context', 'float32', ['batch', config.headUnits], CONTEXT_DOC);
  const delayBin = delayBinInput(g);
  const pitch = g.input('pitch', 'int64', ['batch'], 'the MIDI pitch drawn for the next note, 0..119');
  const r = g.selu(
    g.sum(
      a,
      g.rows(g.weight('rest_delay/kernel'), delayBin),
      g.weight('rest_delay/bias'),
      g.rows(g.weight('rest_pitch/kernel'), pitch),
      g.weight('rest_pitch/bias'),
    ),
  );
  g.output(
    g.dense(r, 'duration'),
    'duration_logits',
    'float32',
    ['batch', TIME_BINS],
    'the next note\'s duration logits given its delay bin and pitch (401 bins of 10 ms, the last "4 s or more")',
  );
  g.output(
    g.dense(r, 'velocity'),
    'velocity_logits',
    'float32',
    ['batch', VELOCITY_BINS],
    "the next note's velocity logits given its delay bin and pitch (32 bins of 4 MIDI velocities: bin k = 4k..4k+3)",
  );
}
