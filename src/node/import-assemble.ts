import {
  createDataset,
  type Dataset,
  type DatasetFailure,
  type DatasetFile,
  type NoteColumns,
} from '../data/dataset-format.js';
import { assignSplits, groupKeyOf, type GroupRule } from '../data/groups.js';
import type { BatchResult, FileImportSettings } from './import-worker.js';

/**
 * The last step of `importCorpus`: the files found and the batches' results become one `Dataset`.
 */

/** A MIDI file found below a source. */
export interface FoundFile {
  path: string;
  source: number;
  relativePath: string;
}

/** Where a file's result lies: batch `batch` of the results, entry `at` of its imported or skipped list. */
export interface ResultPlace {
  batch: number;
  kind: 'imported' | 'skipped';
  at: number;
}

/** How each source's files are grouped for the split, and named. */
export interface Grouping {
  /** One rule per source. */
  rules: GroupRule[];
  /** One tag per source. */
  tags: string[];
}

/**
 * Builds the dataset from the batches' results: every file in the order found (whatever order the
 * batches came back in), its notes copied into one set of columns, its group from its source's
 * rule, and each source's files split on their own (`assignSplits`).
 *
 * @param found - the files, in import order
 * @param results - the batches' results, in the order they were accepted
 * @param where - for each found file, where its result lies in `results`
 * @param roots - the sources, resolved
 * @param settings - how the files were read
 * @param grouping - each source's rule and tag, and the validation fraction
 * @param created - the `created` stamp (default: now)
 * @returns the dataset
 * @example const dataset = assemble(found, results, where, roots, settings, grouping, undefined);
 */
export function assemble(
  found: readonly FoundFile[],
  results: readonly (BatchResult | undefined)[],
  where: readonly (ResultPlace | undefined)[],
  roots: readonly string[],
  settings: FileImportSettings,
  grouping: Grouping & { validationFraction: number },
  created: string | undefined,
): Dataset {
  const { rules, tags, validationFraction } = grouping;
  let total = 0;
  for (const result of results) for (const file of result?.imported ?? []) total += file.count;
  const notes: NoteColumns = {
    time: new Float64Array(total),
    duration: new Float32Array(total),
    pitch: new Uint8Array(total),
    velocity: new Uint8Array(total),
  };
  const files: Omit<DatasetFile, 'noteOffset'>[] = [];
  const failures: DatasetFailure[] = [];
  let offset = 0;
  found.forEach((file, index) => {
    const place = where[index];
    const result = place && results[place.batch];
    if (!place || !result) {
      // Cannot happen: every job is answered; kept so that a bug shows as a failure, not a crash.
      failures.push({
        path: file.relativePath,
        source: file.source,
        reason: 'not processed (internal error)',
      });
      return;
    }
    if (place.kind === 'skipped') {
      const skipped = result.skipped[place.at];
      failures.push({ path: file.relativePath, source: file.source, reason: skipped?.reason ?? 'skipped' });
      return;
    }
    const imported = result.imported[place.at];
    if (!imported) return;
    const { offset: from, count } = imported;
    notes.time.set(result.notes.time.subarray(from, from + count), offset);
    notes.duration.set(result.notes.duration.subarray(from, from + count), offset);
    notes.pitch.set(result.notes.pitch.subarray(from, from + count), offset);
    notes.velocity.set(result.notes.velocity.subarray(from, from + count), offset);
    offset += count;
    files.push({
      path: file.relativePath,
      source: file.source,
      hash: imported.hash,
      split: 'train',
      group: groupKeyOf(rules[file.source] as GroupRule, {
        path: file.relativePath,
        hash: imported.hash,
      }),
      noteCount: count,
      durationSeconds: imported.durationSeconds,
      bytes: imported.bytes,
    });
  });
  // Each source is split on its own, so adding a corpus never moves a file of another across.
  for (let source = 0; source < roots.length; source++) {
    const ofSource = files.filter((file) => file.source === source);
    const splits = assignSplits(ofSource, validationFraction);
    ofSource.forEach((file, i) => (file.split = splits[i] ?? 'train'));
  }
  return createDataset({
    created: created ?? new Date().toISOString(),
    sources: [...roots],
    sourceTags: [...tags],
    settings: {
      sustain: settings.sustain,
      includeDrums: settings.includeDrums,
      maxFileBytes: settings.maxFileBytes,
      validationFraction,
      groupBy: [...rules],
    },
    files,
    failures,
    notes,
  });
}
