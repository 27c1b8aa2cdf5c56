import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { checkWritable } from '../../node/atomic-write.js';
import { parseGroupRule, type GroupRule } from '../../data/groups.js';
import { DEFAULT_MAX_NOTES } from '../../midi/read-midi.js';
import {
  AUTO_WORKERS_MIN_BYTES,
  DEFAULT_MAX_FILE_BYTES,
  type ImportProgress,
} from '../../node/import-corpus.js';
import { importCorpusToFile } from '../../node/import-to-file.js';
import { nativeMidiStatus } from '../../node/native-midi.js';
import { printableText } from '../../printable.js';
import { createProgressLine, parseNumberOption } from '../cli-helpers.js';
import { CliError } from '../cli-error.js';
import { namesParquetDataset, runParquetImport } from './import-parquet.js';

interface ImportCommandOptions {
  output?: string;
  workers?: string;
  validation: string;
  raw?: boolean;
  drums?: boolean;
  maxFileMb: string;
  maxNotes: string;
  groupBy: string;
  tag?: string;
}

const integer = (n: number): string => n.toLocaleString('en-US');
const files = (n: number): string => `${integer(n)} file${n === 1 ? '' : 's'}`;
const megabytes = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * Registers `howl import DIR... [-o FILE]`: imports every MIDI file below the folders into one
 * `*.howl` dataset, in parallel, and prints what was read and skipped. Given a folder of Parquet
 * tables written by `howl export-data` (or its `.parquet` files), reads that dataset back instead
 * (`import-parquet.ts`).
 *
 * @param program - the `howl` program
 * @example howl import ~/midis/piano-midi-de -o data/piano.howl --workers 2
 */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      'import every MIDI file (.mid .midi .kar .rmi) below the folders into a dataset file, or read back the Parquet tables of howl export-data',
    )
    .argument(
      '<dir...>',
      'folders (or single MIDI files) to import; or a folder of Parquet tables written by howl export-data (or its .parquet files), read back with its recorded split',
    )
    .option(
      '-o, --output <file>',
      'dataset to write; missing folders are made (default: data/<first folder name>.howl)',
    )
    .option(
      '--workers <n>',
      `worker threads; 0 reads on the main thread alone (default: the main thread alone below about ` +
        `${AUTO_WORKERS_MIN_BYTES / 2 ** 20} MB of MIDI, else the main thread and one worker per other core)`,
    )
    .option('--validation <fraction>', 'share of files held out for validation (whole groups)', '0.1')
    .option(
      '--group-by <rules>',
      'what the split keeps together: file (each file; identical copies go together), folder (every ' +
        'file of a folder: performances filed by piece, as in ASAP) or regex:PATTERN (the first ' +
        'capture group of the relative path); one rule, or one per folder separated by commas',
      'file',
    )
    .option('--tag <names>', 'a short name per folder, separated by commas (default: distinct folder names)')
    .option('--raw', 'ignore the sustain pedal (raw note-offs)')
    .option('--drums', 'keep channel 10 drum notes')
    .option('--max-file-mb <mb>', 'skip files larger than this', String(DEFAULT_MAX_FILE_BYTES / 2 ** 20))
    .option(
      '--max-notes <n>',
      'skip files with more notes than this (bounds memory)',
      String(DEFAULT_MAX_NOTES),
    )
    .addHelpText(
      'after',
      `\nLimits: a file over --max-file-mb (default ${DEFAULT_MAX_FILE_BYTES / 2 ** 20}) or --max-notes (default ` +
        `${DEFAULT_MAX_NOTES.toLocaleString('en-US')}), or with a note after 1,000,000 s (broken timing), is skipped ` +
        `with its reason. Reading a file takes about 150 bytes of memory a note (0.3 GB at the default limit).`,
    )
    .action(async (dirs: string[], options: ImportCommandOptions, command: Command) => {
      if (namesParquetDataset(dirs)) await runParquetImport(dirs, options.output, command);
      else await runImport(dirs, options);
    });
}

/** The progress bar's text: a bar, files and notes. */
function progressText({ filesDone, filesTotal, notes }: ImportProgress): string {
  const width = 30;
  const filled = Math.round((width * filesDone) / Math.max(1, filesTotal));
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  return `${bar} ${integer(filesDone)}/${integer(filesTotal)} files, ${integer(notes)} notes`;
}

/** A comma-separated option with one value, or one per folder (`--tag` must give one per folder). */
function listOption(text: string, flag: string, folders: number): string[] {
  const values = text.split(',').map((value) => value.trim());
  const oneForAll = flag !== '--tag' && values.length === 1;
  if (!oneForAll && values.length !== folders) {
    throw new CliError(
      `${flag} gives ${values.length} values for ${folders} folder${folders === 1 ? '' : 's'}`,
    );
  }
  return values;
}

async function runImport(dirs: readonly string[], options: ImportCommandOptions): Promise<void> {
  const validationFraction = parseNumberOption(options.validation, '--validation', {
    min: 0,
    max: 1,
    expected: 'a fraction in [0, 1]',
  }) as number;
  const maxFileMb = parseNumberOption(options.maxFileMb, '--max-file-mb', {
    min: Number.MIN_VALUE,
    expected: 'a positive number',
  }) as number;
  const maxNotes = parseNumberOption(options.maxNotes, '--max-notes', { integer: true, min: 1 }) as number;
  const workers = parseNumberOption(options.workers, '--workers', { integer: true, min: 0 });
  const groupBy = listOption(options.groupBy, '--group-by', dirs.length).map((rule) => {
    try {
      return parseGroupRule(rule);
    } catch (error) {
      throw new CliError(`--group-by: ${(error as Error).message}`);
    }
  });
  const sourceTags = options.tag === undefined ? undefined : listOption(options.tag, '--tag', dirs.length);
  const firstDir = dirs[0] ?? '.';
  const output = options.output ?? join('data', `${basename(resolve(firstDir)) || 'corpus'}.howl`);
  // Make the output's folder as `mkdir -p` would; if that fails, checkWritable says why.
  await mkdir(dirname(resolve(output)), { recursive: true }).catch(() => undefined);
  await checkWritable(output);

  const progress = createProgressLine(80);
  let result;
  try {
    // Written as it is read: the notes never sit in memory all at once (`importCorpusToFile`).
    result = await importCorpusToFile(dirs, output, {
      ...(workers === undefined ? {} : { workers }),
      sustain: !options.raw,
      includeDrums: options.drums ?? false,
      validationFraction,
      groupBy: groupBy.length === 1 ? (groupBy[0] as GroupRule) : groupBy,
      ...(sourceTags ? { sourceTags } : {}),
      maxFileBytes: Math.round(maxFileMb * 2 ** 20),
      maxNotes,
      onProgress: (p) => progress.update(progressText(p), p.filesDone === p.filesTotal),
    });
  } finally {
    progress.done();
  }
  const { metadata: dataset, elapsedSeconds, warnings, bytesWritten } = result;
  const { totals, failures, sources } = dataset;
  const found = totals.files + totals.failures;
  const out: string[] = [];
  out.push(`found      ${integer(found)} MIDI files in ${dirs.join(', ')}`);
  out.push(
    `imported   ${files(totals.files)}, ${integer(totals.notes)} notes, ` +
      `${(totals.durationSeconds / 3600).toFixed(1)} hours of music`,
  );
  if (failures.length > 0) {
    out.push(`skipped    ${files(failures.length)}:`);
    for (const failure of failures) {
      const where = sources.length > 1 ? join(sources[failure.source] ?? '', failure.path) : failure.path;
      out.push(`  ${printableText(where)}: ${printableText(failure.reason)}`);
    }
    const over = (limit: string): boolean => failures.some((failure) => failure.reason.includes(limit));
    if (over('MB limit')) out.push('  (--max-file-mb raises the size limit)');
    if (over('notes per file')) out.push('  (--max-notes raises the note limit)');
  } else {
    out.push('skipped    none');
  }
  const groups = new Set(dataset.files.map((file) => file.group)).size;
  out.push(
    `split      train ${files(totals.trainFiles)} (${integer(totals.trainNotes)} notes), ` +
      `validation ${files(totals.validationFiles)} (${integer(totals.validationNotes)} notes); ` +
      `${integer(groups)} group${groups === 1 ? '' : 's'} by ${dataset.settings.groupBy.join(', ')}`,
  );
  const workerThreads = `${result.workers} worker${result.workers === 1 ? '' : 's'}`;
  const mode =
    result.workers === 0
      ? 'main thread'
      : result.mainThreadReads
        ? `main thread and ${workerThreads}`
        : workerThreads;
  const reader = nativeMidiStatus();
  out.push(
    `time       ${elapsedSeconds.toFixed(2)} s, ${integer(Math.round(found / elapsedSeconds))} files/s, ` +
      `${(totals.bytes / 2 ** 20 / elapsedSeconds).toFixed(1)} MB/s (${mode}; ${reader})`,
  );
  if (bytesWritten > 0) out.push(`wrote      ${output} (${megabytes(bytesWritten)})`);
  process.stdout.write(out.join('\n') + '\n');
  for (const warning of warnings) process.stderr.write(`howl: warning: ${warning}\n`);
  if (bytesWritten === 0)
    throw new CliError(`none of the ${integer(found)} MIDI files could be imported; nothing written`);
}
