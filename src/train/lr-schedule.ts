import { InvalidArgumentError } from '../errors.js';

/**
 * The learning-rate schedule: a linear warm-up from 0 over `warmupSteps`, then either constant or
 * a half cosine down to `minFactor` × the peak at `totalSteps`.
 *
 * Cosine decay needs to know where training ends, so the trainer uses it when the run is bounded
 * by steps or epochs, and a constant rate after warm-up when it is bounded only by time (a
 * time-based decay would make a run depend on the machine's speed, and not be reproducible).
 */
export interface LrSchedule {
  /** `'constant'` after warm-up, or `'cosine'` decay to `minFactor` at `totalSteps`. */
  readonly kind: 'constant' | 'cosine';
  /** Peak learning rate. */
  readonly lr: number;
  /** Steps of linear warm-up (0 for none). */
  readonly warmupSteps: number;
  /** The last step of the cosine (ignored by `'constant'`). */
  readonly totalSteps?: number;
  /** The cosine's final factor of `lr` (default 0.1). */
  readonly minFactor?: number;
}

/**
 * Checks a schedule.
 *
 * @param schedule - the schedule
 * @returns it, unchanged
 * @throws InvalidArgumentError naming the bad field
 */
export function validateLrSchedule(schedule: LrSchedule): LrSchedule {
  const { kind, lr, warmupSteps, totalSteps, minFactor } = schedule;
  if (kind !== 'constant' && kind !== 'cosine')
    throw new InvalidArgumentError(`unknown lr schedule ${String(kind)}`);
  if (!(Number.isFinite(lr) && lr > 0))
    throw new InvalidArgumentError(`learning rate ${lr} is not a positive number`);
  if (!(Number.isSafeInteger(warmupSteps) && warmupSteps >= 0)) {
    throw new InvalidArgumentError(`warm-up steps ${warmupSteps} is not a whole number >= 0`);
  }
  if (
    kind === 'cosine' &&
    !(totalSteps !== undefined && Number.isSafeInteger(totalSteps) && totalSteps >= 1)
  ) {
    throw new InvalidArgumentError(`a cosine schedule needs totalSteps >= 1, got ${String(totalSteps)}`);
  }
  if (minFactor !== undefined && !(minFactor >= 0 && minFactor <= 1)) {
    throw new InvalidArgumentError(`minFactor ${minFactor} is not in [0, 1]`);
  }
  return schedule;
}

/**
 * The learning rate of step `step` (1-based: the first update is step 1).
 *
 * @param schedule - the schedule
 * @param step - the step about to be taken, ≥ 1
 * @returns the rate
 * @example learningRateAt({ kind: 'cosine', lr: 1e-3, warmupSteps: 0, totalSteps: 100 }, 100); // 1e-4
 */
export function learningRateAt(schedule: LrSchedule, step: number): number {
  const { lr, warmupSteps } = schedule;
  if (step <= warmupSteps) return (lr * step) / (warmupSteps + 1);
  if (schedule.kind === 'constant') return lr;
  const total = schedule.totalSteps ?? step;
  const minFactor = schedule.minFactor ?? 0.1;
  const span = Math.max(1, total - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / span);
  return lr * (minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
