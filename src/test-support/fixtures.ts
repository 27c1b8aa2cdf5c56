import { createDataset, type Dataset } from '../data/dataset-format.js';
import { presetConfig, type OriginalLstmConfig } from '../model/config.js';
import type { Checkpoint } from '../model/checkpoint/checkpoint.js';

/** Small made-up inputs for tests and examples of the training code. */

/** Options of `makeTinyDataset`. */
export interface TinyDatasetOptions {
  /** Notes per training file (default 40). */
  readonly trainNotes?: readonly number[];
  /** Notes per validation file (default [30]). */
  readonly validationNotes?: readonly number[];
}

/**
 * A small made-up dataset for tests and examples: every file repeats a C-major arpeggio-and-scale
 * phrase (8 notes, 0.25 s apart, alternating velocities), transposed by file, so a model can learn
 * it in a few dozen steps.
 *
 * @param options - notes per training and validation file
 * @returns the dataset (in memory)
 * @example const dataset = makeTinyDataset({ trainNotes: [40, 40], validationNotes: [30] });
 */
export function makeTinyDataset(options: TinyDatasetOptions = {}): Dataset {
  const train = options.trainNotes ?? [40];
  const validation = options.validationNotes ?? [30];
  const counts = [...train, ...validation];
  const phrase = [0, 4, 7, 12, 11, 7, 5, 2];
  const time: number[] = [];
  const duration: number[] = [];
  const pitch: number[] = [];
  const velocity: number[] = [];
  counts.forEach((count, f) => {
    for (let i = 0; i < count; i++) {
      time.push(i * 0.25);
      duration.push(i % 2 === 0 ? 0.5 : 0.25);
      pitch.push(60 + (f % 3) + (phrase[i % phrase.length] ?? 0));
      velocity.push(i % 2 === 0 ? 100 : 64);
    }
  });
  return createDataset({
    created: '2024-01-01T00:00:00.000Z',
    sources: ['/tiny'],
    settings: { sustain: true, includeDrums: false, validationFraction: 0.1, maxFileBytes: 1 << 20 },
    files: counts.map((noteCount, f) => ({
      path: `${f}.mid`,
      source: 0,
      hash: (f + 1).toString(16).padStart(16, '0'),
      split: f < train.length ? 'train' : 'validation',
      noteCount,
      durationSeconds: noteCount * 0.25,
      bytes: 100,
    })),
    failures: [],
    notes: {
      time: Float64Array.from(time),
      duration: Float32Array.from(duration),
      pitch: Uint8Array.from(pitch),
      velocity: Uint8Array.from(velocity),
    },
  });
}

/**
 * A small checkpoint with made-up tensors and state (not of a real model), for format tests.
 *
 * @param step - its step counter
 * @param fill - the last value of its first tensor, to tell two apart
 * @returns the checkpoint
 */
export function sampleCheckpoint(step = 7, fill = 0.5): Checkpoint {
  return {
    config: { model: presetConfig('lstm-192'), encoding: 'v1', training: { batchSize: 4, steps: 10 } },
    tensors: [
      { name: 'dense1/kernel', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, fill]) },
      { name: 'dense1/bias', shape: [3], data: Float32Array.from([-1, 0, 1e-30]) },
      { name: 'adam/m/dense1/bias', shape: [3], data: new Float32Array(3) },
    ],
    state: {
      step,
      skippedSteps: 0,
      consecutiveFailures: 0,
      epoch: 1.25,
      tokens: 1000,
      elapsedSeconds: 12.5,
      lrFactor: 1,
      lr: 1e-3,
      rng: { crops: [1, 2, 3, 4], dropout: [5, 6, 7, 8] },
      adam: { step, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
      best: { loss: 2.5, step: 5 },
      validationsWithoutImprovement: 1,
      curves: { train: [{ step: 5, loss: 3 }], validation: [{ step: 5, loss: 2.5 }] },
    },
  };
}

/** A model small enough to train in milliseconds: LSTM 8, dense 16, the original's 3 blocks. */
export const TINY_MODEL: OriginalLstmConfig = {
  type: 'original-lstm',
  rnn: 'lstm',
  units: 8,
  denseUnits: 16,
  blocks: 3,
  dropout: 0.01,
};
