import { basename, dirname, join } from 'node:path';
import type { DatasetMetadata } from '../data/dataset-format.js';
import { encodeDatasetStream } from '../data/dataset-stream.js';
import { HowlError } from '../errors.js';
import { removeStaleTempFilesOnce, WriteFileError, writeFileAtomicStream } from './atomic-write.js';
import { describeFsError } from './file-system-errors.js';
import { ColumnStore } from './import-columns.js';
import { runImport, type ImportOptions } from './import-corpus.js';

/**
 * Default memory for note columns before `importCorpusToFile` spills them to disk: 64 MiB (about 4.8
 * million notes: piano-midi-de's 0.8 million and ASAP's 3.6 million stay in memory). With the
 * native reader, spilling ASAP's notes at 16 MiB cost 0.16 s of a 0.8 s import; past the budget the
 * memory stays flat however large the corpus.
 */
export const DEFAULT_IMPORT_MEMORY_BYTES = 64 << 20;

/** Options for `importCorpusToFile`: those of `importCorpus`, and the memory budget. */
export interface ImportToFileOptions extends ImportOptions {
  /**
   * Bytes of note columns held in memory (default `DEFAULT_IMPORT_MEMORY_BYTES`, 64 MiB); past it
   * they go to a temporary file beside the output, so memory stays flat for any corpus.
   */
  memoryBytes?: number;
}

/** What `importCorpusToFile` returns. */
export interface ImportToFileResult {
  /** The dataset's metadata (files, failures, totals, settings); its notes are in the file. */
  metadata: DatasetMetadata;
  /** Bytes written; 0 when no file could be imported (then nothing is written). */
  bytesWritten: number;
  /** Wall time of the whole import, writing included, seconds. */
  elapsedSeconds: number;
  /** Worker threads that took part (0 = inline). */
  workers: number;
  /** Whether the calling thread read files too. */
  mainThreadReads: boolean;
  /** Whether the note columns outgrew the memory budget and went through a temporary file. */
  spilled: boolean;
  /** Things that went wrong with the machinery but lost no file. */
  warnings: string[];
}

let spillCounter = 0;

/**
 * `importCorpus`, written straight to a dataset file (the bytes `encodeDataset` would give), without
 * holding the corpus: each file's notes are appended to the columns as soon as every file before it
 * is read, the columns stay in memory up to `memoryBytes` and go to a temporary file beside `path`
 * past it, and the file is written atomically at the end (`writeFileAtomicStream`), its checksum
 * computed on the way. Memory then grows only with the file list (a few hundred bytes a file), not
 * with the notes. When no file can be imported, nothing is written.
 *
 * @param sources - folders (or single MIDI files) to import
 * @param path - the dataset file to create or replace; its folder must exist
 * @param options - as `importCorpus`, and `memoryBytes`
 * @returns the metadata, the bytes written and how the import ran
 * @throws InvalidArgumentError as `importCorpus`
 * @throws WriteFileError naming `path` when it (or the temporary file beside it) cannot be written
 * @example
 * const { metadata } = await importCorpusToFile(['midis'], 'data/midis.howl');
 * metadata.totals.notes;
 */
export async function importCorpusToFile(
  sources: readonly string[],
  path: string,
  options: ImportToFileOptions = {},
): Promise<ImportToFileResult> {
  const started = performance.now();
  const folder = dirname(path);
  await removeStaleTempFilesOnce(folder); // spills of killed imports, before making one
  // Named as `removeStaleTempFiles` recognises it (`.NAME.PID.N.tmp`), in case this process is killed.
  const spillPath = join(folder, `.${basename(path)}.import.${process.pid}.${++spillCounter}.tmp`);
  const store = new ColumnStore(options.memoryBytes ?? DEFAULT_IMPORT_MEMORY_BYTES, spillPath);
  try {
    const run = await runImport(sources, options, store).catch((error: unknown) => {
      // Only a file-system error can come from the spill file; anything else passes unchanged.
      if (error instanceof HowlError || (error as NodeJS.ErrnoException).code === undefined) throw error;
      throw new WriteFileError(
        path,
        `cannot write a temporary file beside it: ${describeFsError(error, spillPath)}`,
        {
          cause: error,
        },
      );
    });
    const { metadata } = run;
    let bytesWritten = 0;
    if (metadata.files.length > 0) {
      await writeFileAtomicStream(
        path,
        countBytes(
          encodeDatasetStream(metadata, (column) => store.pieces(column)),
          (n) => (bytesWritten += n),
        ),
      );
    }
    return {
      metadata,
      bytesWritten,
      elapsedSeconds: (performance.now() - started) / 1000,
      workers: run.workers,
      mainThreadReads: run.mainThreadReads,
      spilled: store.spilling,
      warnings: run.warnings,
    };
  } finally {
    store.close();
  }
}

async function* countBytes(
  pieces: AsyncIterable<Uint8Array>,
  add: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const piece of pieces) {
    add(piece.length);
    yield piece;
  }
}
