import type { DatasetFailure, DatasetFile, DatasetMetadata } from '../data/dataset-format.js';
import { computeTotals } from '../data/dataset-metadata.js';
import { assignSplits, groupKeyOf, type GroupRule } from '../data/groups.js';
import type { BatchResult, FileImportSettings, ImportedFile } from './import-worker.js';

/**
 * The bookkeeping of `importCorpus`: the batches' results, which arrive in any order, handed on file
 * by file in import order (`FileOrder`), each file's entry recorded (`FileRecords`), and at the end
 * the dataset's metadata with every file's group and split (`buildMetadata`).
 */

/** A MIDI file found below a source. */
export interface FoundFile {
  path: string;
  source: number;
  relativePath: string;
}

/** How each source's files are grouped for the split, and named. */
export interface Grouping {
  /** One rule per source. */
  rules: GroupRule[];
  /** One tag per source. */
  tags: string[];
}

/** One file's outcome, handed on in import order: its notes are `count` rows from `offset` of `result.notes`. */
export type FileOutcome =
  { kind: 'imported'; file: ImportedFile; result: BatchResult } | { kind: 'skipped'; reason: string };

/**
 * Puts the batches' results back in import order: `accept` takes a batch as it comes, and `emit`
 * receives each file once every file before it has been handed on. A batch's columns are released
 * as soon as its last file is handed on, so memory holds only the batches still out of order.
 */
export class FileOrder {
  private next = 0;
  private readonly pending = new Map<number, FileOutcome>();

  /**
   * @param total - the number of files
   * @param emit - receives each file's index and outcome, in order
   */
  constructor(
    private readonly total: number,
    private readonly emit: (index: number, outcome: FileOutcome) => void,
  ) {}

  /** Takes one batch's result. */
  accept(result: BatchResult): void {
    for (const file of result.imported) this.pending.set(file.index, { kind: 'imported', file, result });
    for (const file of result.skipped) this.pending.set(file.index, { kind: 'skipped', reason: file.reason });
    for (let outcome = this.pending.get(this.next); outcome; outcome = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.emit(this.next++, outcome);
    }
  }

  /** Whether every file has been handed on. */
  get done(): boolean {
    return this.next === this.total;
  }

  /** Hands on every file still missing as a failure (cannot happen: every job is answered). */
  finish(): void {
    while (this.next < this.total) {
      const outcome = this.pending.get(this.next) ?? {
        kind: 'skipped',
        reason: 'not processed (internal error)',
      };
      this.pending.delete(this.next);
      this.emit(this.next++, outcome);
    }
  }
}

/** The files' entries for the metadata, in import order, without their notes. */
export class FileRecords {
  /** Each imported file's entry as the metadata holds it, its split still to be decided. */
  readonly files: DatasetFile[] = [];
  readonly failures: DatasetFailure[] = [];
  notes = 0;

  /** @param rules - each source's group rule */
  constructor(private readonly rules: readonly GroupRule[]) {}

  /** Records one file, in import order. */
  add(found: FoundFile, outcome: FileOutcome): void {
    if (outcome.kind === 'skipped') {
      this.failures.push({ path: found.relativePath, source: found.source, reason: outcome.reason });
      return;
    }
    const { hash, count, durationSeconds, bytes } = outcome.file;
    // The keys in the order `createDataset` gives them, so that the JSON is the same.
    this.files.push({
      path: found.relativePath,
      source: found.source,
      hash,
      split: 'train',
      group: groupKeyOf(this.rules[found.source] as GroupRule, { path: found.relativePath, hash }),
      noteCount: count,
      durationSeconds,
      bytes,
      noteOffset: this.notes,
    });
    this.notes += count;
  }
}

/**
 * The dataset's metadata from the files' entries (used as they are, not copied: a corpus of a
 * million files holds its list once): each source's files split on their own (`assignSplits`), so
 * adding a corpus never moves a file of another across.
 *
 * @param records - the files, in import order
 * @param roots - the sources, resolved
 * @param settings - how the files were read
 * @param grouping - each source's rule and tag, and the validation fraction
 * @param created - the `created` stamp (default: now)
 * @returns the metadata, with note offsets and totals, as `createDatasetMetadata` would give it
 * @example const metadata = buildMetadata(records, roots, settings, grouping, undefined);
 */
export function buildMetadata(
  records: FileRecords,
  roots: readonly string[],
  settings: FileImportSettings,
  grouping: Grouping & { validationFraction: number },
  created: string | undefined,
): DatasetMetadata {
  const { rules, tags, validationFraction } = grouping;
  const { files, failures } = records;
  for (let source = 0; source < roots.length; source++) {
    const ofSource = files.filter((file) => file.source === source);
    const splits = assignSplits(ofSource, validationFraction);
    ofSource.forEach((file, i) => (file.split = splits[i] ?? 'train'));
  }
  return {
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
    totals: computeTotals(files, failures.length),
  };
}
