import * as tf from '@tensorflow/tfjs';
import type { V1Row } from '../encoding/v1.js';
import type { ModelConfig } from '../model/config.js';
import { createModel } from '../model/create-model.js';
import { train } from '../train/trainer.js';
import { makeTinyDataset } from './fixtures.js';

/**
 * The same tiny training on two backends, for tests that compare them (the webgpu backend against
 * cpu, in a browser or in Node). Platform-neutral: the caller starts each backend. Everything is
 * read back asynchronously, as it must be from a GPU in Node.
 */

/** A tiny ordered LSTM and a tiny transformer, both with dropout so that its masks are compared too. */
export const AGREEMENT_MODELS: Readonly<Record<'ordered-lstm' | 'transformer', ModelConfig>> = {
  'ordered-lstm': {
    type: 'ordered-rnn',
    rnn: 'lstm',
    units: 16,
    denseUnits: 16,
    blocks: 2,
    dropout: 0.1,
    headUnits: 16,
    pitchEncoding: 'one-hot',
  },
  transformer: {
    type: 'transformer',
    layers: 2,
    modelUnits: 16,
    heads: 2,
    ffUnits: 32,
    window: 64,
    dropout: 0.1,
    headUnits: 16,
    pitchEncoding: 'one-hot',
  },
};

/** What one backend computed. */
export interface BackendRun {
  readonly backend: string;
  /** The loss of a fixed batch with the initial weights (training mode, seeded dropout). */
  readonly loss: number;
  /** Its gradient, per weight. */
  readonly gradients: Readonly<Record<string, number[]>>;
  /** `train`'s step losses and gradient norms. */
  readonly stepLosses: readonly number[];
  readonly gradNorms: readonly number[];
  /** The validation loss at the end. */
  readonly validation: number;
  /** The weights of the final checkpoint. */
  readonly weights: Readonly<Record<string, number[]>>;
  readonly seconds: number;
}

/** A short piece with chords (delay 0), varied durations and velocities. */
function piece(n: number, shift: number): V1Row[] {
  return Array.from({ length: n }, (_, i): V1Row => [
    i === 0 ? 0 : i % 3 === 1 ? 0 : 0.25,
    0.2 + (i % 4) * 0.1,
    (60 + (i % 5) * 12) / 127,
    ((i * 7 + shift) % 19) - 9,
  ]);
}

/**
 * On the active backend: the loss and gradient of a fixed batch, then `steps` steps of `train` (batch
 * 4 × 16 notes, seed 3, no warm-up, validation at the end), with a model made with seed 1.
 *
 * @param config - the model
 * @param steps - training steps (default 2)
 * @returns what it computed, as plain numbers
 */
export async function trainOnActiveBackend(config: ModelConfig, steps = 2): Promise<BackendRun> {
  const started = performance.now();
  const model = createModel(config, { seed: 1 });
  try {
    const names = model.weights.map((w) => w.name);
    const batch = model.makeBatch([piece(12, 0), piece(9, 5)]);
    const { value, grads } = tf.variableGrads(
      () => model.loss(batch, { training: true, seed: 5 }).total,
      model.weights.map((w) => w.variable),
    );
    batch.dispose();
    const gradients: Record<string, number[]> = {};
    for (const w of model.weights) {
      const g = grads[w.variable.name]!;
      gradients[w.name] = Array.from(await g.data());
    }
    const loss = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads)]);

    const stepLosses: number[] = [];
    const gradNorms: number[] = [];
    let weights: Record<string, number[]> = {};
    let validation = NaN;
    await train(
      model,
      makeTinyDataset({ trainNotes: [40, 36], validationNotes: [30] }),
      { steps, batchSize: 4, length: 16, warmupSteps: 0, seed: 3, validationCrops: 2, validateEvery: steps },
      {
        onStep: (info) => {
          stepLosses.push(info.loss);
          gradNorms.push(info.gradNorm);
        },
        onValidation: (info) => {
          validation = info.loss;
        },
        onCheckpoint: (checkpoint) => {
          weights = Object.fromEntries(
            checkpoint.tensors.filter((t) => names.includes(t.name)).map((t) => [t.name, Array.from(t.data)]),
          );
        },
      },
    );
    return {
      backend: tf.getBackend(),
      loss,
      gradients,
      stepLosses,
      gradNorms,
      validation,
      weights,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    model.dispose();
  }
}

/** How far apart two runs are: the largest differences, each relative to the reference's scale. */
export interface Agreement {
  /** |loss − loss'| / |loss|, the fixed batch's. */
  readonly loss: number;
  /** max over weights of max|g − g'| / max|g|. */
  readonly gradients: number;
  /** max over steps of |l − l'| / |l|, and the same for the gradient norms and the validation loss. */
  readonly stepLosses: number;
  readonly gradNorms: number;
  readonly validation: number;
  /** max over weights of max|w − w'| after training (absolute: a bias starts at 0). */
  readonly weights: number;
  /** Weights compared (every one the model has, in both). */
  readonly compared: number;
}

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

function worstTensor(
  a: Readonly<Record<string, number[]>>,
  b: Readonly<Record<string, number[]>>,
  absolute = false,
): number {
  let worst = 0;
  for (const [name, reference] of Object.entries(b)) {
    const other = a[name];
    if (other === undefined || other.length !== reference.length) return Infinity;
    let scale = 0;
    let diff = 0;
    reference.forEach((x, i) => {
      scale = Math.max(scale, Math.abs(x));
      diff = Math.max(diff, Math.abs(x - other[i]!));
    });
    if (Number.isNaN(diff)) return Infinity;
    worst = Math.max(worst, absolute || scale === 0 ? diff : diff / scale);
  }
  return worst;
}

/**
 * Compares a run with a reference run (e.g. webgpu with cpu).
 *
 * @param run - the run checked
 * @param reference - the reference
 * @returns the worst relative differences
 */
export function compareRuns(run: BackendRun, reference: BackendRun): Agreement {
  const worst = (a: readonly number[], b: readonly number[]): number =>
    a.length !== b.length ? Infinity : Math.max(0, ...b.map((x, i) => relative(a[i]!, x)));
  return {
    loss: relative(run.loss, reference.loss),
    gradients: worstTensor(run.gradients, reference.gradients),
    stepLosses: worst(run.stepLosses, reference.stepLosses),
    gradNorms: worst(run.gradNorms, reference.gradNorms),
    validation: relative(run.validation, reference.validation),
    weights: worstTensor(run.weights, reference.weights, true),
    compared: Object.keys(reference.weights).filter((name) => name in run.weights).length,
  };
}
