import type { V1Row } from '../encoding/v1.js';
import type { ModelConfig } from '../model/config.js';

/**
 * A network that reads one note at a time and keeps its own state: the engine of generation.
 * Each `step` costs one network step per batch row, however long the piece already is.
 */
export interface StepNetwork {
  readonly config: ModelConfig;
  /** Rows advanced together (e.g. candidates generated as one batch). */
  readonly batch: number;
  /** Floats in one row's saved state (`saveState`). */
  readonly stateSize: number;
  /** `[batch, 120]` next-pitch logits after the last `step` (pitch index = MIDI number). */
  readonly pitchLogits: Float32Array;
  /** `[batch, 3]` next (delay, duration, volume) after the last `step`, each in (0, 4). */
  readonly regression: Float32Array;
  /**
   * Feeds one note (a V1 row) to every batch row and updates `pitchLogits` and `regression`.
   *
   * @param rows - `batch` rows; the pitch must be an integer in -60..59
   * @throws InvalidArgumentError for a wrong count or a bad pitch
   */
  step(rows: readonly V1Row[]): void;
  /** A copy of one row's state (to roll back to it later). */
  saveState(row: number): Float32Array;
  /** Restores one row's state from `saveState`. */
  loadState(row: number, state: Float32Array): void;
  /** Sets every row's state to zero (the state before the first note). */
  reset(): void;
}

/** A named weight tensor, as in a checkpoint (`CheckpointTensor`) or read from tfjs variables. */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Weights by their stable name (e.g. `rnn/kernel`, `dense1/bias`, `pitch/kernel`). */
export type WeightMap = ReadonlyMap<string, WeightTensor>;
