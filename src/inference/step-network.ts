import type { InfillInput } from '../encoding/infill-input.js';
import type { V1Row } from '../encoding/v1.js';
import type { ModelConfig, OrderedConfig, OriginalLstmConfig } from '../model/config.js';

/**
 * A network that reads one note at a time and keeps its own state: the engine of generation.
 * Each `step` costs one network step per batch row, however long the piece already is.
 *
 * Two kinds, by how they predict the next note: `'regression'` (the original: pitch logits and
 * one value each for delay, duration, volume) and `'ordered'` (a distribution over the shared
 * grid's bins for each attribute, in the order delay → pitch → duration and velocity).
 */
export type StepNetwork = RegressionStepNetwork | OrderedStepNetwork;

/** What every step network has. */
export interface StepNetworkBase {
  readonly config: ModelConfig;
  /** Rows advanced together (e.g. candidates generated as one batch). */
  readonly batch: number;
  /** Floats in one row's saved state (`saveState`). */
  readonly stateSize: number;
  /**
   * Feeds one note (a V1 row) to every batch row and updates the outputs.
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
  /**
   * Present on networks whose state is the notes fed themselves (a transformer's key/value cache,
   * too large to copy per note): goes back to the state after the row's first `length` notes, with
   * no saved state. The outputs are not recomputed: the next `step` gives those after its note.
   * The composer uses it instead of `saveState` before every note.
   *
   * @throws InvalidArgumentError when `length` is more than the notes fed, or further back than the
   *   network keeps
   */
  rewind?(row: number, length: number): void;
  /**
   * Present on gap-filling networks (`infill: true`): sets what batch row `row` reads about the gap
   * beside the notes it is fed next (`src/encoding/infill-input.ts`): its segment and the time to
   * the gap's start and end; `null` (the initial value) reads notes left to right, as any network.
   * It holds until set again; `reset` sets every row's to `null`.
   */
  setInfill?(row: number, input: InfillInput | null): void;
}

/** The original network's outputs: pitch logits and one predicted value per timing attribute. */
export interface RegressionStepNetwork extends StepNetworkBase {
  readonly kind: 'regression';
  readonly config: OriginalLstmConfig;
  /** `[batch, 120]` next-pitch logits after the last `step` (pitch index = MIDI number). */
  readonly pitchLogits: Float32Array;
  /** `[batch, 3]` next (delay, duration, volume) after the last `step`, each in (0, 4). */
  readonly regression: Float32Array;
}

/**
 * A network that predicts each attribute of the next note as a distribution over the shared
 * grid's bins (`src/encoding/grid.ts`), each given the ones chosen before it.
 */
export interface OrderedStepNetwork extends StepNetworkBase {
  readonly kind: 'ordered';
  readonly config: OrderedConfig;
  /** `[batch, 401]` next-delay logits after the last `step`. */
  readonly delayLogits: Float32Array;
  /**
   * The next pitch's logits (120, softmax gives p(pitch | delay)) of row `b`, given its delay bin.
   * The array is reused by the next call.
   */
  pitchLogitsGiven(b: number, delayBin: number): Float32Array;
  /**
   * The next duration's (401) and velocity bin's (32) logits of row `b`, given its delay bin and
   * pitch. The arrays are reused by the next call.
   */
  restLogitsGiven(
    b: number,
    delayBin: number,
    pitch: number,
  ): { readonly duration: Float32Array; readonly velocity: Float32Array };
}
