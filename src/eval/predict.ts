import type { V1Row } from '../encoding/v1.js';
import { logProbAt, pitchLogProb } from '../generate/sampling.js';
import type { StepNetwork } from '../inference/step-network.js';
import { TIME_BINS, timeBin, VELOCITY_BINS, velocityBin } from '../encoding/grid.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * What a model predicted for every note of some pieces, read with teacher forcing: the network
 * reads a piece's real notes one at a time from a zero state, and its outputs after note t are its
 * prediction for note t + 1. A piece's first note is context only, so notes 2..n are predicted.
 */
export interface Predictions {
  /** Predicted notes in all. */
  readonly count: number;
  /** `[count]` the model's log-probability of the real pitch (natural log, all 120 pitches). */
  readonly pitchLogProb: Float64Array;
  /** `[count, 3]` the predicted (delay, duration, volume) of each note (regression networks; else 0). */
  readonly regression: Float32Array;
  /**
   * For a network with binned outputs (`ordered`): the log-probability of the real note's delay,
   * duration and velocity bin on the shared grid, each given the attributes chosen before it (the
   * real ones). `null` for a regression network.
   */
  readonly binned: BinnedLogProbs | null;
  /** `[pieces + 1]`: piece i's notes are `offsets[i] .. offsets[i + 1] − 1`. */
  readonly offsets: Int32Array;
}

/** Per-note log-probabilities of the timing and velocity bins. */
export interface BinnedLogProbs {
  readonly delay: Float64Array;
  readonly duration: Float64Array;
  readonly velocity: Float64Array;
}

const REALS = 3;

/** Options of `predictPieces`. */
export interface PredictOptions {
  /** Pieces read at once (default 32). */
  readonly batch?: number;
  /** Called after each step with the notes predicted so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

interface Slot {
  readonly rows: readonly V1Row[];
  readonly i: number;
  t: number;
}

/**
 * Runs a model over pieces and keeps its predictions. The network's batch rows work as slots: each
 * reads one piece, and when it finishes, its state is zeroed and it takes the next piece (longest
 * first). When no piece is left to start and half the rows or more are idle, the states still in
 * use move to a network of half the batch, so the last long pieces do not pay for idle rows.
 *
 * @param createNetwork - makes the model's step network for a batch size (called for the batch,
 *   then for smaller ones as the work runs out)
 * @param pieces - the pieces as V1 rows
 * @param options - batch size and progress callback
 * @returns the predictions, in piece order
 * @example
 * const predictions = predictPieces((b) => createStepNetwork(config, weights, b), validationRows);
 */
export function predictPieces(
  createNetwork: (batch: number) => StepNetwork,
  pieces: readonly (readonly V1Row[])[],
  options: PredictOptions = {},
): Predictions {
  const offsets = new Int32Array(pieces.length + 1);
  pieces.forEach((rows, i) => (offsets[i + 1] = offsets[i]! + Math.max(0, rows.length - 1)));
  const count = offsets[pieces.length]!;
  const pitchLog = new Float64Array(count);
  const regression = new Float32Array(count * REALS);
  let binned: BinnedLogProbs | null = null;
  const queue = pieces
    .map((rows, i) => ({ rows, i }))
    .filter((p) => p.rows.length >= 2)
    .sort((a, b) => b.rows.length - a.rows.length || a.i - b.i);
  if (queue.length === 0) return { count, pitchLogProb: pitchLog, regression, binned, offsets };

  let network = createNetwork(Math.max(1, Math.min(options.batch ?? 32, queue.length)));
  if (network.kind === 'ordered') {
    binned = {
      delay: new Float64Array(count),
      duration: new Float64Array(count),
      velocity: new Float64Array(count),
    };
  }
  let slots: (Slot | null)[] = new Array<Slot | null>(network.batch).fill(null);
  const zero = new Float32Array(network.stateSize);
  const idle: V1Row = [0, 0, 0, 0];
  let next = 0;
  let done = 0;
  const fill = (b: number): void => {
    const piece = queue[next++];
    slots[b] = piece === undefined ? null : { ...piece, t: 0 };
    if (piece !== undefined) network.loadState(b, zero);
  };
  for (let b = 0; b < slots.length; b++) fill(b);
  for (;;) {
    const active = slots.filter((s): s is Slot => s !== null);
    if (active.length === 0) break;
    if (next >= queue.length && active.length * 2 <= slots.length && slots.length > 1) {
      // Move the running pieces' states to a network of half the batch.
      const smaller = createNetwork(slots.length >> 1);
      let row = 0;
      slots.forEach((slot, b) => {
        if (slot) smaller.loadState(row++, network.saveState(b));
      });
      network = smaller;
      slots = [...active, ...new Array<Slot | null>(smaller.batch - active.length).fill(null)];
    }
    const input = slots.map((slot) => (slot ? slot.rows[slot.t]! : idle));
    network.step(input);
    for (let b = 0; b < slots.length; b++) {
      const slot = slots[b];
      if (!slot) continue;
      const target = slot.rows[slot.t + 1]!;
      const k = offsets[slot.i]! + slot.t;
      const pitch = target[3] + 60;
      if (network.kind === 'regression') {
        pitchLog[k] = pitchLogProb(network.pitchLogits, b * PITCH_COUNT, pitch);
        for (let j = 0; j < REALS; j++) regression[k * REALS + j] = network.regression[b * REALS + j]!;
      } else {
        const delayBin = timeBin(target[0]);
        binned!.delay[k] = logProbAt(network.delayLogits, b * TIME_BINS, delayBin, TIME_BINS);
        pitchLog[k] = logProbAt(network.pitchLogitsGiven(b, delayBin), 0, pitch, PITCH_COUNT);
        const rest = network.restLogitsGiven(b, delayBin, pitch);
        binned!.duration[k] = logProbAt(rest.duration, 0, timeBin(target[1]), TIME_BINS);
        binned!.velocity[k] = logProbAt(rest.velocity, 0, velocityBin(target[2] * 127), VELOCITY_BINS);
      }
      slot.t++;
      done++;
      if (slot.t + 1 >= slot.rows.length) fill(b);
    }
    options.onProgress?.(done, count);
  }
  return { count, pitchLogProb: pitchLog, regression, binned, offsets };
}
