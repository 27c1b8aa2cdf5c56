import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { encodeDataset } from '../../data/dataset-format.js';
import { checkWritable, writeFileAtomic } from '../../node/atomic-write.js';
import { isParquetInput, readDatasetParquet } from '../../node/dataset-parquet-files.js';
import { CliError } from '../cli-error.js';

const integer = (n: number): string => n.toLocaleString('en-US');
const files = (n: number): string => `${integer(n)} file${n === 1 ? '' : 's'}`;
const megabytes = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * Whether `howl import`'s arguments name a Parquet dataset (written by `howl export-data`) rather
 * than MIDI folders: any `.parquet` file, or a folder holding `files.parquet` or `notes.parquet`.
 *
 * @param inputs - the arguments
 */
export function namesParquetDataset(inputs: readonly string[]): boolean {
  return inputs.some(isParquetInput);
}

/** The import options given on the command line, which a Parquet dataset does not use. */
function readingOptionsGiven(command: Command): string[] {
  return command.options
    .filter((option) => option.attributeName() !== 'output')
    .filter((option) => command.getOptionValueSource(option.attributeName()) === 'cli')
    .map((option) => option.long ?? option.flags);
}

/**
 * `howl import DIR` for a folder of Parquet tables (or the tables' files): reads the dataset they
 * hold, with its recorded split, groups, settings and skipped files, and writes it as `.howl`.
 *
 * @param inputs - one folder, or the `.parquet` files
 * @param output - `-o`, or undefined for `data/<folder name>.howl`
 * @param command - the `import` command, to refuse the MIDI reading options
 * @throws CliError when MIDI folders are mixed in, a reading option is given, or no file is recorded
 */
export async function runParquetImport(
  inputs: readonly string[],
  output: string | undefined,
  command: Command,
): Promise<void> {
  const midi = inputs.filter((input) => !isParquetInput(input));
  if (midi.length > 0) {
    throw new CliError(
      `${midi.join(', ')}: a Parquet dataset is imported on its own (its folder, or its .parquet files), not with MIDI folders`,
    );
  }
  const given = readingOptionsGiven(command);
  if (given.length > 0) {
    throw new CliError(
      `${given.join(', ')}: not for a Parquet dataset, which keeps the split, groups and settings it records`,
    );
  }
  const started = performance.now();
  const first = resolve(inputs[0] ?? '.');
  const isFolder = statSync(first, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const name = basename(isFolder ? first : dirname(first)) || 'dataset';
  const out = output ?? join('data', `${name}.howl`);
  await mkdir(dirname(resolve(out)), { recursive: true }).catch(() => undefined);
  await checkWritable(out);

  const dataset = await readDatasetParquet(inputs);
  const { totals, settings } = dataset;
  if (totals.files === 0)
    throw new CliError(`${inputs.join(', ')} records no imported file; nothing written`);
  const bytes = encodeDataset(dataset);
  await writeFileAtomic(out, bytes);
  const groups = new Set(dataset.files.map((file) => file.group)).size;
  const lines = [
    `read       ${inputs.join(', ')} (Parquet)`,
    `imported   ${files(totals.files)}, ${integer(totals.notes)} notes, ` +
      `${(totals.durationSeconds / 3600).toFixed(1)} hours of music`,
    `skipped    ${totals.failures === 0 ? 'none' : `${files(totals.failures)} (recorded)`}`,
    `split      as recorded: train ${files(totals.trainFiles)} (${integer(totals.trainNotes)} notes), ` +
      `validation ${files(totals.validationFiles)} (${integer(totals.validationNotes)} notes); ` +
      `${integer(groups)} group${groups === 1 ? '' : 's'} by ${settings.groupBy.join(', ')}`,
    `time       ${((performance.now() - started) / 1000).toFixed(2)} s`,
    `wrote      ${out} (${megabytes(bytes.length)})`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
