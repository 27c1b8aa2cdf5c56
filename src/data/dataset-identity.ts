import { contentHash } from './content-hash.js';
import type { Dataset } from './dataset-format.js';

/** Which data a training run used: recorded in its checkpoints, checked when it resumes. */
export interface DatasetIdentity {
  /** Content hash of the files' hashes and splits: the same files on the same sides give the same value. */
  readonly fingerprint: string;
  readonly trainFiles: number;
  readonly validationFiles: number;
}

/**
 * The identity of a dataset's contents: independent of where the files lay or in which order they
 * were imported, changed by any file's notes or split.
 *
 * @param dataset - the dataset
 * @returns its fingerprint and split sizes
 */
export function datasetIdentity(dataset: Dataset): DatasetIdentity {
  const lines = dataset.files.map((f) => `${f.split}:${f.hash}`).sort();
  return {
    fingerprint: contentHash(new TextEncoder().encode(lines.join('\n'))),
    trainFiles: dataset.totals.trainFiles,
    validationFiles: dataset.totals.validationFiles,
  };
}
