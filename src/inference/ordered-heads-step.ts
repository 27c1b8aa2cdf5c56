import { InvalidArgumentError } from '../errors.js';
import { TIME_BINS, VELOCITY_BINS } from '../encoding/grid.js';
import type { OrderedConfig } from '../model/config.js';
import { OCTAVES, PITCHES_PER_OCTAVE } from '../encoding/ordered-input.js';
import { padTo8, type ArenaBlock, type MatmulArena } from './matmul.js';
import { denseSizes, loadDense, seluRows, weightTensor, type ArenaDense } from './step-weights.js';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import type { OrderedStepNetwork } from './step-network.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * The ordered heads (`src/model/ordered-heads.ts`) as step-network code, over any trunk's features:
 * `update()` after the trunk's step gives `delayLogits`, then `pitchLogitsGiven(b, delay)` and
 * `restLogitsGiven(b, delay, pitch)`. The chosen bins enter through rows of the embedding kernels
 * (`pitch_delay`, `rest_delay`, `rest_pitch`, `class_octave`), so each costs a lookup, not a product.
 *
 * With note-octave encoding, `pitchLogitsGiven` returns log p(octave) + log p(class | octave) for
 * all 120 pitches (log-probabilities are logits whose softmax is the distribution itself).
 */

/** The heads' part of an ordered step network. */
export type OrderedHeadsStep = Pick<
  OrderedStepNetwork,
  'delayLogits' | 'pitchLogitsGiven' | 'restLogitsGiven'
> & {
  /** Computes the context, delay logits and pitch base from the trunk's new features. */
  update(): void;
};

/** The arena floats the heads take (pass them to the arena with the trunk's). */
export function orderedHeadsSizes(config: OrderedConfig, F: number, batch: number): number[] {
  const E = config.headUnits;
  const Es = padTo8(E);
  const P = config.pitchEncoding === 'octave-class' ? OCTAVES : PITCH_COUNT;
  const C = PITCHES_PER_OCTAVE;
  const sizes = [
    ...denseSizes(F, E),
    2 * batch * Es,
    ...denseSizes(E, TIME_BINS),
    batch * TIME_BINS,
    ...denseSizes(F, P),
    batch * P,
    ...denseSizes(E, P),
    Es,
    P,
    Es,
    ...denseSizes(E, TIME_BINS),
    TIME_BINS,
    ...denseSizes(E, VELOCITY_BINS),
    VELOCITY_BINS,
  ];
  if (config.pitchEncoding === 'octave-class') {
    sizes.push(...denseSizes(F, C), batch * C, ...denseSizes(E, C), OCTAVES * Es, OCTAVES * C);
  }
  return sizes;
}

/** A small embedding: a kernel read by rows (one per bin), and its bias. */
interface Embedding {
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/** The note-octave encoding's class heads: one pitch class given each octave. */
interface ClassHeads {
  readonly head: ArenaDense;
  readonly base: ArenaBlock;
  readonly hidden: ArenaDense;
  readonly h: ArenaBlock;
  readonly out: ArenaBlock;
  readonly embed: Float32Array;
  readonly embedBias: Float32Array;
  readonly octaveLog: Float32Array;
}

/** Everything the heads read and write, allocated once. */
interface HeadsState {
  readonly batch: number;
  /** Head units, their row stride, pitch logits of the pitch head (120 or 10 octaves), classes. */
  readonly E: number;
  readonly Es: number;
  readonly P: number;
  readonly C: number;
  readonly F: number;
  readonly Fs: number;
  readonly arena: MatmulArena;
  readonly features: ArenaBlock;
  readonly context: ArenaDense;
  /** `[batch, Es]`: the context, before and after SELU. */
  readonly a: ArenaBlock;
  readonly seluA: ArenaBlock;
  readonly delayHead: ArenaDense;
  readonly delayLogits: ArenaBlock;
  readonly pitchHead: ArenaDense;
  readonly pitchBase: ArenaBlock;
  readonly pitchHidden: ArenaDense;
  readonly hp: ArenaBlock;
  readonly pitchOut: ArenaBlock;
  readonly r: ArenaBlock;
  readonly durationHead: ArenaDense;
  readonly durationOut: ArenaBlock;
  readonly velocityHead: ArenaDense;
  readonly velocityOut: ArenaBlock;
  readonly classes: ClassHeads | null;
  readonly pitchDelay: Embedding;
  readonly restDelay: Embedding;
  readonly restPitch: Embedding;
  // What `pitchLogitsGiven` and `restLogitsGiven` return (overwritten by the next call).
  readonly pitchLogits: Float32Array;
  readonly duration: Float32Array;
  readonly velocity: Float32Array;
}

/**
 * Loads the heads into an arena sized with `orderedHeadsSizes`.
 *
 * @param config - the model's configuration (`headUnits`, `pitchEncoding`)
 * @param weights - the weights by name
 * @param arena - the arena
 * @param features - the trunk's `[batch, Fs]` features
 * @param F - features used per row
 * @param Fs - the row stride of `features`
 * @param batch - rows
 * @returns the heads
 * @throws InvalidArgumentError naming a missing or misshapen weight
 */
export function createOrderedHeadsStep(
  config: OrderedConfig,
  weights: WeightMap,
  arena: MatmulArena,
  features: ArenaBlock,
  F: number,
  Fs: number,
  batch: number,
): OrderedHeadsStep {
  const s = loadHeads(config, weights, arena, features, F, Fs, batch);
  return {
    delayLogits: s.delayLogits.view,
    update: () => updateHeads(s),
    pitchLogitsGiven: (b, delayBin) => pitchLogitsGiven(s, b, delayBin),
    restLogitsGiven: (b, delayBin, pitch) => restLogitsGiven(s, b, delayBin, pitch),
  };
}

function loadHeads(
  config: OrderedConfig,
  weights: WeightMap,
  arena: MatmulArena,
  features: ArenaBlock,
  F: number,
  Fs: number,
  batch: number,
): HeadsState {
  const octaveClass = config.pitchEncoding === 'octave-class';
  const E = config.headUnits;
  const Es = padTo8(E);
  const P = octaveClass ? OCTAVES : PITCH_COUNT;
  const C = PITCHES_PER_OCTAVE;
  const embedding = (name: string, rows: number): Embedding => ({
    kernel: weightTensor(weights, `${name}/kernel`, [rows, E]).data,
    bias: weightTensor(weights, `${name}/bias`, [E]).data,
  });
  // The arena blocks in `orderedHeadsSizes`'s order.
  return {
    batch,
    E,
    Es,
    P,
    C,
    F,
    Fs,
    arena,
    features,
    context: loadDense(arena, weights, 'context', F, E),
    a: arena.alloc(batch * Es),
    seluA: arena.alloc(batch * Es),
    delayHead: loadDense(arena, weights, 'delay', E, TIME_BINS),
    delayLogits: arena.alloc(batch * TIME_BINS),
    pitchHead: loadDense(arena, weights, 'pitch', F, P),
    pitchBase: arena.alloc(batch * P),
    pitchHidden: loadDense(arena, weights, 'pitch_hidden', E, P),
    hp: arena.alloc(Es),
    pitchOut: arena.alloc(P),
    r: arena.alloc(Es),
    durationHead: loadDense(arena, weights, 'duration', E, TIME_BINS),
    durationOut: arena.alloc(TIME_BINS),
    velocityHead: loadDense(arena, weights, 'velocity', E, VELOCITY_BINS),
    velocityOut: arena.alloc(VELOCITY_BINS),
    classes: octaveClass
      ? {
          head: loadDense(arena, weights, 'class', F, C),
          base: arena.alloc(batch * C),
          hidden: loadDense(arena, weights, 'class_hidden', E, C),
          h: arena.alloc(OCTAVES * Es),
          out: arena.alloc(OCTAVES * C),
          embed: weightTensor(weights, 'class_octave/kernel', [OCTAVES, E]).data,
          embedBias: weightTensor(weights, 'class_octave/bias', [E]).data,
          octaveLog: new Float32Array(OCTAVES),
        }
      : null,
    pitchDelay: embedding('pitch_delay', TIME_BINS),
    restDelay: embedding('rest_delay', TIME_BINS),
    restPitch: embedding('rest_pitch', PITCH_COUNT),
    pitchLogits: new Float32Array(PITCH_COUNT),
    duration: new Float32Array(TIME_BINS),
    velocity: new Float32Array(VELOCITY_BINS),
  };
}

/** @throws InvalidArgumentError for a row, delay bin or pitch out of range */
function check(batch: number, b: number, delayBin: number, pitch?: number): void {
  if (!(Number.isSafeInteger(b) && b >= 0 && b < batch)) {
    throw new InvalidArgumentError(`row ${b} is not in 0..${batch - 1}`);
  }
  if (!(Number.isSafeInteger(delayBin) && delayBin >= 0 && delayBin < TIME_BINS)) {
    throw new InvalidArgumentError(`delay bin ${delayBin} is not in 0..${TIME_BINS - 1}`);
  }
  if (pitch !== undefined && !(Number.isSafeInteger(pitch) && pitch >= 0 && pitch < PITCH_COUNT)) {
    throw new InvalidArgumentError(`pitch ${pitch} is not in 0..119`);
  }
}

/** `out[outAt + i] = log softmax(from[at .. at + n))[i] + add`. */
function logSoftmaxInto(
  from: Float32Array,
  at: number,
  n: number,
  out: Float32Array,
  outAt: number,
  add: number,
): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, from[at + i]!);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(from[at + i]! - max);
  const norm = max + Math.log(sum);
  for (let i = 0; i < n; i++) out[outAt + i] = from[at + i]! - norm + add;
}

/** The context, delay logits and pitch base from the trunk's new features. */
function updateHeads(s: HeadsState): void {
  const { arena, batch, E, Es, P, C, Fs, features, context, a, seluA, delayHead, pitchHead, classes } = s;
  arena.matmul(context.w, E, Fs, features, batch, context.b, a, Es);
  seluA.view.set(a.view);
  seluRows(seluA.view, batch, Es, E);
  arena.matmul(delayHead.w, TIME_BINS, Es, seluA, batch, delayHead.b, s.delayLogits, TIME_BINS);
  arena.matmul(pitchHead.w, P, Fs, features, batch, pitchHead.b, s.pitchBase, P);
  if (classes) arena.matmul(classes.head.w, C, Fs, features, batch, classes.head.b, classes.base, C);
}

/** Row b's pitch logits given its delay bin (see `OrderedStepNetwork.pitchLogitsGiven`). */
function pitchLogitsGiven(s: HeadsState, b: number, delayBin: number): Float32Array {
  const { arena, E, Es, P, hp, pitchOut, pitchHidden, pitchDelay, pitchLogits, classes } = s;
  check(s.batch, b, delayBin);
  const av = s.a.view;
  const hv = hp.view;
  const k = delayBin * E;
  for (let j = 0; j < E; j++) hv[j] = av[b * Es + j]! + pitchDelay.kernel[k + j]! + pitchDelay.bias[j]!;
  seluRows(hv, 1, Es, E);
  arena.matmul(pitchHidden.w, P, Es, hp, 1, pitchHidden.b, pitchOut, P);
  const out = pitchOut.view;
  const base = s.pitchBase.view;
  for (let i = 0; i < P; i++) out[i] = out[i]! + base[b * P + i]!;
  if (!classes) {
    pitchLogits.set(out);
    return pitchLogits;
  }
  octaveClassLogits(s, classes, b, out, hv);
  return pitchLogits;
}

/**
 * Note-octave encoding: `pitchLogits` = log p(octave) + log p(class | octave), from the octave
 * logits `octaves` and the pitch head's hidden input `hv`, the class head run for all 10 octaves at once.
 */
function octaveClassLogits(
  s: HeadsState,
  classes: ClassHeads,
  b: number,
  octaves: Float32Array,
  hv: Float32Array,
): void {
  const { arena, E, Es, C, pitchLogits } = s;
  const octaveLog = classes.octaveLog;
  logSoftmaxInto(octaves, 0, OCTAVES, octaveLog, 0, 0);
  const ch = classes.h.view;
  for (let o = 0; o < OCTAVES; o++) {
    for (let j = 0; j < E; j++) ch[o * Es + j] = hv[j]! + classes.embed[o * E + j]! + classes.embedBias[j]!;
  }
  seluRows(ch, OCTAVES, Es, E);
  arena.matmul(classes.hidden.w, C, Es, classes.h, OCTAVES, classes.hidden.b, classes.out, C);
  const co = classes.out.view;
  const cb = classes.base.view;
  for (let o = 0; o < OCTAVES; o++) {
    for (let c = 0; c < C; c++) co[o * C + c] = co[o * C + c]! + cb[b * C + c]!;
    logSoftmaxInto(co, o * C, C, pitchLogits, o * C, octaveLog[o]!);
  }
}

/** Row b's duration and velocity logits given its delay bin and pitch. */
function restLogitsGiven(
  s: HeadsState,
  b: number,
  delayBin: number,
  pitch: number,
): { duration: Float32Array; velocity: Float32Array } {
  const { arena, E, Es, r, restDelay, restPitch, durationHead, velocityHead, duration, velocity } = s;
  check(s.batch, b, delayBin, pitch);
  const av = s.a.view;
  const rv = r.view;
  const kd = delayBin * E;
  const kp = pitch * E;
  for (let j = 0; j < E; j++) {
    rv[j] =
      av[b * Es + j]! +
      restDelay.kernel[kd + j]! +
      restDelay.bias[j]! +
      restPitch.kernel[kp + j]! +
      restPitch.bias[j]!;
  }
  seluRows(rv, 1, Es, E);
  arena.matmul(durationHead.w, TIME_BINS, Es, r, 1, durationHead.b, s.durationOut, TIME_BINS);
  arena.matmul(velocityHead.w, VELOCITY_BINS, Es, r, 1, velocityHead.b, s.velocityOut, VELOCITY_BINS);
  duration.set(s.durationOut.view);
  velocity.set(s.velocityOut.view);
  return { duration, velocity };
}
