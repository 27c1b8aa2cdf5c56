import type { Command } from 'commander';
import { decodeDataset } from '../../data/dataset-format.js';
import { writeDatasetParquet } from '../../node/dataset-parquet-files.js';
import { readInputFile } from '../../node/read-input-file.js';

interface ExportDataOptions {
  output: string;
}

const integer = (n: number): string => n.toLocaleString('en-US');
const size = (bytes: number): string =>
  bytes < 2 ** 20 ? `${(bytes / 2 ** 10).toFixed(1)} KB` : `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * Registers `howl export-data DATA.howl -o DIR`: writes a dataset as Parquet tables
 * (`notes.parquet`, `files.parquet`, `failures.parquet`; `docs/parquet.md`) for DuckDB, pandas,
 * Polars or a training script elsewhere. `howl import DIR` reads them back into the same dataset.
 *
 * @param program - the `howl` program
 * @example howl export-data data/piano.howl -o export/piano
 */
export function registerExportData(program: Command): void {
  program
    .command('export-data')
    .description(
      'write a dataset (.howl) as Parquet tables: notes.parquet, files.parquet and failures.parquet (docs/parquet.md); howl import DIR reads them back',
    )
    .argument('<dataset>', 'the dataset file (.howl)')
    .requiredOption('-o, --output <dir>', 'the folder to write the tables to (created if missing)')
    .action(async (file: string, options: ExportDataOptions) => {
      const started = performance.now();
      const dataset = decodeDataset(await readInputFile(file), file);
      const written = await writeDatasetParquet(options.output, dataset);
      const rows = {
        notes: dataset.totals.notes,
        files: dataset.totals.files,
        failures: dataset.totals.failures,
      };
      const lines = written.map(
        ({ table, path, bytes }) => `wrote      ${path} (${integer(rows[table])} rows, ${size(bytes)})`,
      );
      lines.push(`time       ${((performance.now() - started) / 1000).toFixed(2)} s`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
