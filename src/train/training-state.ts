import * as tf from '@tensorflow/tfjs';
import type { Model } from '../model/model.js';
import { createRng, type Rng } from '../random/rng.js';
import type { Adam } from './adam.js';
import {
  CheckpointError,
  type Checkpoint,
  type CurvePoint,
  type TrainingState,
} from '../model/checkpoint/checkpoint.js';
import type { TrainOptions } from './train-options.js';

/**
 * What a run carries from step to step, and its checkpoint form: the counters and curves
 * (`TrainingProgress`), the two random generators, the model's weights and Adam's moments. A run
 * resumed from a checkpoint restores all of them, so it continues as if it had not stopped.
 */

/** The run's random generators: crops and augmentation, and one dropout seed per step. */
export interface Generators {
  readonly crops: Rng;
  readonly dropout: Rng;
}

/**
 * The generators of a new run (seeded by `seed`) or of a resumed one (their saved states).
 *
 * @param seed - the run's seed
 * @param saved - the state of the checkpoint resumed from
 * @returns the generators
 */
export function createGenerators(seed: number, saved?: TrainingState): Generators {
  return {
    crops: createRng(saved ? saved.rng.crops : seed),
    dropout: createRng(saved ? saved.rng.dropout : seed ^ 0x2545f491),
  };
}

/** The run's counters and curves; `toState` gives their checkpoint form. */
export class TrainingProgress {
  /** Updates taken. */
  step = 0;
  skippedSteps = 0;
  /** Non-finite steps in a row. */
  consecutiveFailures = 0;
  /** Crops drawn, skipped steps' included: the epoch is crops / roundSize. */
  crops = 0;
  /** Real steps trained on. */
  tokens = 0;
  elapsedSeconds = 0;
  /** Halved on each non-finite step, for the rest of the run. */
  lrFactor = 1;
  /** The learning rate of the last update. */
  lr = 0;
  best: TrainingState['best'] = null;
  validationsWithoutImprovement = 0;
  private readonly trainCurve: CurvePoint[] = [];
  private readonly validationCurve: CurvePoint[] = [];
  // Train losses since the last validation (saved, so a resumed run averages the same steps).
  private intervalLoss = 0;
  private intervalSteps = 0;

  /**
   * @param roundSize - crops in one epoch
   * @param saved - the state of the checkpoint resumed from
   */
  constructor(
    private readonly roundSize: number,
    saved?: TrainingState,
  ) {
    if (saved === undefined) return;
    this.step = saved.step;
    this.skippedSteps = saved.skippedSteps;
    this.consecutiveFailures = saved.consecutiveFailures;
    this.crops = Math.round(saved.epoch * roundSize);
    this.tokens = saved.tokens;
    this.elapsedSeconds = saved.elapsedSeconds;
    this.lrFactor = saved.lrFactor;
    this.lr = saved.lr;
    this.best = saved.best;
    this.validationsWithoutImprovement = saved.validationsWithoutImprovement;
    this.trainCurve.push(...saved.curves.train);
    this.validationCurve.push(...saved.curves.validation);
    this.intervalLoss = saved.interval?.loss ?? 0;
    this.intervalSteps = saved.interval?.steps ?? 0;
  }

  get epoch(): number {
    return this.crops / this.roundSize;
  }

  /** Whether train losses were recorded since the last validation. */
  get hasUnvalidatedSteps(): boolean {
    return this.intervalSteps > 0;
  }

  /** Whether any validation loss was recorded. */
  get hasValidated(): boolean {
    return this.validationCurve.length > 0;
  }

  /** An update was taken: counts it, its real steps and learning rate, and its loss for the curve. */
  recordUpdate(loss: number, tokens: number, lr: number): void {
    this.step++;
    this.consecutiveFailures = 0;
    this.tokens += tokens;
    this.lr = lr;
    this.intervalLoss += loss;
    this.intervalSteps++;
  }

  /** A non-finite step was skipped: counts it and halves the learning rate. */
  recordSkippedStep(): void {
    this.skippedSteps++;
    this.consecutiveFailures++;
    this.lrFactor /= 2;
  }

  /**
   * Ends the interval of train losses: its mean becomes a point of the train curve.
   *
   * @returns the mean train loss since the previous validation (NaN when no step was taken)
   */
  closeTrainInterval(): number {
    const trainLoss = this.intervalSteps > 0 ? this.intervalLoss / this.intervalSteps : NaN;
    if (this.intervalSteps > 0) this.trainCurve.push({ step: this.step, loss: trainLoss });
    this.intervalLoss = 0;
    this.intervalSteps = 0;
    return trainLoss;
  }

  /**
   * Records a validation loss.
   *
   * @returns whether it is a new best (finite and lower than every earlier one)
   */
  recordValidation(loss: number): boolean {
    this.validationCurve.push({ step: this.step, loss });
    const best = Number.isFinite(loss) && (this.best === null || loss < this.best.loss);
    if (best) {
      this.best = { loss, step: this.step };
      this.validationsWithoutImprovement = 0;
    } else {
      this.validationsWithoutImprovement++;
    }
    return best;
  }

  /** Copies of the train and validation curves. */
  curves(): TrainingState['curves'] {
    return { train: [...this.trainCurve], validation: [...this.validationCurve] };
  }

  /**
   * The checkpoint form of the run's state.
   *
   * @param generators - the run's generators
   * @param adam - the optimiser (its step count and hyper-parameters; the moments go in the tensors)
   * @returns the state
   */
  toState(generators: Generators, adam: Adam): TrainingState {
    return {
      step: this.step,
      skippedSteps: this.skippedSteps,
      consecutiveFailures: this.consecutiveFailures,
      epoch: this.epoch,
      tokens: this.tokens,
      elapsedSeconds: this.elapsedSeconds,
      lrFactor: this.lrFactor,
      lr: this.lr,
      rng: { crops: generators.crops.getState(), dropout: generators.dropout.getState() },
      adam: (({ step, beta1, beta2, epsilon }) => ({ step, beta1, beta2, epsilon }))(adam.getState()),
      best: this.best,
      validationsWithoutImprovement: this.validationsWithoutImprovement,
      curves: this.curves(),
      interval: { loss: this.intervalLoss, steps: this.intervalSteps },
    };
  }
}

/**
 * A checkpoint of the run: the model's configuration and weights, the training options as given,
 * Adam's moments and the state.
 *
 * @param model - the model being trained
 * @param adam - its optimiser
 * @param training - the options `train` was called with (saved unresolved)
 * @param state - `TrainingProgress.toState`
 * @returns the checkpoint (weights copied out of the backend)
 */
export function checkpointOf(
  model: Model,
  adam: Adam,
  training: TrainOptions,
  state: TrainingState,
): Checkpoint {
  return {
    config: { model: model.config, encoding: model.encoding, training: { ...training } },
    tensors: [
      ...model.weights.map((w) => ({
        name: w.name,
        shape: [...w.variable.shape],
        data: (w.variable.dataSync() as Float32Array).slice(),
      })),
      ...adam.getState().tensors,
    ],
    state,
  };
}

/**
 * Restores a checkpoint's weights into the model and its moments into Adam.
 *
 * @param model - a model of the checkpoint's configuration
 * @param adam - a new optimiser for the model's weights
 * @param checkpoint - the checkpoint
 * @throws CheckpointError if a weight is missing or has another shape
 */
export function restoreWeightsAndOptimizer(model: Model, adam: Adam, checkpoint: Checkpoint): void {
  loadWeights(model, checkpoint);
  adam.setState({
    ...checkpoint.state.adam,
    tensors: checkpoint.tensors.filter((t) => t.name.startsWith('adam/')),
  });
}

/**
 * Copies a checkpoint's weights into a model, by name.
 *
 * @param model - a model of the checkpoint's configuration
 * @param checkpoint - the checkpoint
 * @throws CheckpointError if a weight is missing or has another shape
 */
export function loadWeights(model: Model, checkpoint: Pick<Checkpoint, 'tensors'>): void {
  const byName = new Map(checkpoint.tensors.map((t) => [t.name, t]));
  for (const w of model.weights) {
    const saved = byName.get(w.name);
    if (!saved) throw new CheckpointError(`the checkpoint has no weight ${w.name}`);
    if (saved.shape.join() !== w.variable.shape.join()) {
      throw new CheckpointError(
        `weight ${w.name} is [${saved.shape.join(', ')}] in the checkpoint, [${w.variable.shape.join(', ')}] in the model`,
      );
    }
    tf.tidy(() => w.variable.assign(tf.tensor(saved.data, w.variable.shape)));
  }
}
