import { OCTAVES, ORDERED_REALS, PITCHES_PER_OCTAVE } from '../encoding/ordered-input.js';
import type { RnnConfig } from '../model/config.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';
import type { GraphBuilder, StatePair, Value } from './onnx-graph.js';

/**
 * The parts of the step graphs that read a note (`note` and `pitch`, the inputs every step graph
 * has) and the recurrent trunk (`src/inference/trunk-step.ts` as ONNX operators): LSTM or GRU, one
 * step, then the SELU block; the features are the block's output and the recurrent output.
 */

/** How a network reads a note: the original's three reals, or the ordered networks' five. */
export type NoteReading = 'v1' | 'one-hot' | 'octave-class';

/** Declares the note inputs of a step graph (`note` `[batch, 3]`, `pitch` `[batch]`). */
export function noteInputs(g: GraphBuilder): { note: Value; pitch: Value } {
  return {
    note: g.input(
      'note',
      'float32',
      ['batch', 3],
      "the note just played: delay from the previous note's onset (seconds, 0 for a first note), duration (seconds), volume (MIDI velocity / 127)",
    ),
    pitch: g.input('pitch', 'int64', ['batch'], 'its MIDI pitch, 0..119'),
  };
}

/**
 * The note's input vector times a kernel whose rows are the input features (`name`, `[I, out]`):
 * the reals times the first rows, plus the pitch's rows (a one-hot input picks rows; no product).
 * The ordered networks' reals add ln(max(delay, 0) + 0.01) / 4 and ln(max(duration, 0) + 0.01) / 4
 * (`src/encoding/ordered-input.ts`).
 *
 * @returns `[batch, out]`, without the layer's bias
 */
export function projectNote(
  g: GraphBuilder,
  input: { note: Value; pitch: Value },
  kernel: string,
  reading: NoteReading,
): Value {
  const { note, pitch } = input;
  let reals = note;
  let R = 3;
  if (reading !== 'v1') {
    R = ORDERED_REALS;
    const times = g.op('Slice', [note, g.ints([0]), g.ints([2]), g.ints([1])]);
    const logs = g.op('Mul', [
      g.op('Log', [g.op('Add', [g.op('Max', [times, g.floats([0])]), g.floats([0.01])])]),
      g.floats([0.25]),
    ]);
    reals = g.op('Concat', [note, logs], [{ name: 'axis', int: 1 }]);
  }
  const rows = reading === 'octave-class' ? OCTAVES + PITCHES_PER_OCTAVE : PITCH_COUNT;
  const fromReals = g.op('MatMul', [reals, g.weightRows(kernel, 'reals', 0, R)]);
  const table = g.weightRows(kernel, 'pitch', R, R + rows);
  if (reading !== 'octave-class') return g.sum(fromReals, g.rows(table, pitch));
  // Octave one-hot (10), then pitch-class one-hot (12).
  const twelve = g.ints([PITCHES_PER_OCTAVE], []);
  const octave = g.op('Div', [pitch, twelve]);
  const pitchClass = g.op('Add', [g.op('Mod', [pitch, twelve]), g.ints([OCTAVES], [])]);
  return g.sum(fromReals, g.rows(table, octave), g.rows(table, pitchClass));
}

/**
 * The recurrent trunk: declares its state inputs (`h`, and `c` for the LSTM) and outputs
 * (`h_next`, `c_next`).
 *
 * @param g - the graph
 * @param config - the network's trunk fields
 * @param x - the note's input projection (`projectNote` on `rnn/kernel`)
 * @returns the features `[batch, denseUnits + units]` and the state pairs
 */
export function recurrentTrunk(
  g: GraphBuilder,
  config: RnnConfig,
  x: Value,
): { features: Value; state: StatePair[] } {
  const H = config.units;
  const h = g.input(
    'h',
    'float32',
    ['batch', H],
    'the recurrent output after the previous note (zeros before the first)',
  );
  let hNext: Value;
  let cNext: Value | null = null;
  let state: StatePair[];
  if (config.rnn === 'lstm') {
    const c = g.input(
      'c',
      'float32',
      ['batch', H],
      'the LSTM cell state after the previous note (zeros before the first)',
    );
    // Keras gate order i, f, c, o; one bias.
    const z = g.sum(x, g.op('Gemm', [h, g.weight('rnn/recurrent_kernel'), g.weight('rnn/bias')]));
    const [i, f, candidate, o] = g.split(z, 4) as [Value, Value, Value, Value];
    cNext = g.op('Add', [
      g.op('Mul', [g.op('Sigmoid', [f]), c]),
      g.op('Mul', [g.op('Sigmoid', [i]), g.op('Tanh', [candidate])]),
    ]);
    hNext = g.op('Mul', [g.op('Sigmoid', [o]), g.op('Tanh', [cNext])]);
    state = [
      { input: 'h', output: 'h_next' },
      { input: 'c', output: 'c_next' },
    ];
  } else {
    // Keras's reset_after GRU: gate order z, r, h; an input bias and a recurrent bias.
    const xp = g.op('Add', [x, g.weightRows('rnn/bias', 'input', 0, 1)]);
    const hp = g.op('Gemm', [
      h,
      g.weight('rnn/recurrent_kernel'),
      g.weightRows('rnn/bias', 'recurrent', 1, 2),
    ]);
    const [xz, xr, xh] = g.split(xp, 3) as [Value, Value, Value];
    const [hz, hr, hh] = g.split(hp, 3) as [Value, Value, Value];
    const update = g.op('Sigmoid', [g.op('Add', [xz, hz])]);
    const reset = g.op('Sigmoid', [g.op('Add', [xr, hr])]);
    const n = g.op('Tanh', [g.op('Add', [xh, g.op('Mul', [reset, hh])])]);
    // h' = n + z · (h − n) = (1 − z) · n + z · h
    hNext = g.op('Add', [n, g.op('Mul', [update, g.op('Sub', [h, n])])]);
    state = [{ input: 'h', output: 'h_next' }];
  }
  g.output(
    hNext,
    'h_next',
    'float32',
    ['batch', H],
    'the recurrent output after this note: feed it as h at the next step',
  );
  if (cNext !== null) {
    g.output(
      cNext,
      'c_next',
      'float32',
      ['batch', H],
      'the cell state after this note: feed it as c at the next step',
    );
  }
  let block = hNext;
  for (let i = 1; i <= config.blocks; i++) block = g.selu(g.dense(block, `dense${i}`));
  return { features: g.op('Concat', [block, hNext], [{ name: 'axis', int: 1 }]), state };
}
