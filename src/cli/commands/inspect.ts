import type { Command } from 'commander';
import { readInputFile } from '../../node/read-input-file.js';
import { decodeDataset, type Dataset } from '../../data/dataset-format.js';
import { midiToNoteName } from '../../encoding/note-names.js';

interface InspectCommandOptions {
  files?: boolean;
  json?: boolean;
}

/** Summary statistics of a dataset's notes. */
interface NoteStats {
  pitchMin: number | null;
  pitchMax: number | null;
  velocityMin: number | null;
  velocityMax: number | null;
  velocityMean: number | null;
}

const integer = (n: number): string => n.toLocaleString('en-US');
const hours = (seconds: number): string => `${(seconds / 3600).toFixed(1)} h`;

function noteStats(dataset: Dataset): NoteStats {
  const { pitch, velocity } = dataset.notes;
  if (pitch.length === 0) {
    return { pitchMin: null, pitchMax: null, velocityMin: null, velocityMax: null, velocityMean: null };
  }
  let pitchMin = 255;
  let pitchMax = 0;
  let velocityMin = 255;
  let velocityMax = 0;
  let velocitySum = 0;
  for (let i = 0; i < pitch.length; i++) {
    const p = pitch[i] as number;
    const v = velocity[i] as number;
    if (p < pitchMin) pitchMin = p;
    if (p > pitchMax) pitchMax = p;
    if (v < velocityMin) velocityMin = v;
    if (v > velocityMax) velocityMax = v;
    velocitySum += v;
  }
  return { pitchMin, pitchMax, velocityMin, velocityMax, velocityMean: velocitySum / pitch.length };
}

const noteName = (midi: number): string => (midi <= 127 ? midiToNoteName(midi) : '?');

/**
 * Registers `howl inspect FILE.howl [--files] [--json]`: loads a dataset and prints its counts,
 * split, skipped files, note ranges, format version and how long loading took.
 *
 * @param program - the `howl` program
 * @example howl inspect data/piano.howl --files
 */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show what a dataset file (.howl) holds')
    .argument('<file>', 'the dataset file')
    .option('--files', 'list every file with its split, notes and length')
    .option('--json', 'print JSON instead of text')
    .action(async (file: string, options: InspectCommandOptions) => {
      await runInspect(file, options);
    });
}

/** One line per source: its tag, group rule, groups and files on each side of the split. */
function sourceLines(dataset: Dataset): string[] {
  return dataset.sourceTags.map((tag, source) => {
    const files = dataset.files.filter((file) => file.source === source);
    const held = files.filter((file) => file.split === 'validation');
    const groups = (list: typeof files): number => new Set(list.map((file) => file.group)).size;
    return (
      `  ${tag}: grouped by ${dataset.settings.groupBy[source] ?? 'file'}, ` +
      `${integer(files.length - held.length)} train and ${integer(held.length)} validation files ` +
      `(${integer(groups(files) - groups(held))} and ${integer(groups(held))} groups)`
    );
  });
}

async function runInspect(path: string, options: InspectCommandOptions): Promise<void> {
  const bytes = await readInputFile(path);
  const started = performance.now();
  const dataset = decodeDataset(bytes, path);
  const loadSeconds = (performance.now() - started) / 1000;
  const stats = noteStats(dataset);
  const { totals, settings, failures, sources } = dataset;

  if (options.json) {
    const summary = {
      file: path,
      bytes: bytes.length,
      formatVersion: dataset.formatVersion,
      created: dataset.created,
      sources,
      sourceTags: dataset.sourceTags,
      settings,
      totals,
      notes: stats,
      failures,
      loadSeconds,
      ...(options.files ? { files: dataset.files } : {}),
    };
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return;
  }

  const trainSeconds = dataset.files.reduce((s, f) => s + (f.split === 'train' ? f.durationSeconds : 0), 0);
  const out: string[] = [];
  out.push(
    `dataset    ${path} (${(bytes.length / 2 ** 20).toFixed(1)} MB, format version ${dataset.formatVersion})`,
  );
  out.push(`created    ${dataset.created}`);
  out.push(
    `sources    ${sources.map((source, i) => `${dataset.sourceTags[i] ?? ''} = ${source}`).join(', ')}`,
  );
  for (const line of sourceLines(dataset)) out.push(line);
  out.push(
    `settings   sustain ${settings.sustain ? 'on' : 'off'}, drums ${settings.includeDrums ? 'kept' : 'left out'}, ` +
      `validation ${settings.validationFraction}, max file ${(settings.maxFileBytes / 2 ** 20).toFixed(0)} MB`,
  );
  out.push(
    `files      ${integer(totals.files)} (train ${integer(totals.trainFiles)}, validation ${integer(totals.validationFiles)}), ` +
      `${integer(totals.failures)} skipped`,
  );
  out.push(
    `notes      ${integer(totals.notes)} (train ${integer(totals.trainNotes)}, validation ${integer(totals.validationNotes)})`,
  );
  out.push(
    `music      ${hours(totals.durationSeconds)} (train ${hours(trainSeconds)}, ` +
      `validation ${hours(totals.durationSeconds - trainSeconds)})`,
  );
  if (stats.pitchMin !== null && stats.pitchMax !== null) {
    out.push(
      `pitch      ${stats.pitchMin}..${stats.pitchMax} (${noteName(stats.pitchMin)}..${noteName(stats.pitchMax)})`,
    );
    out.push(
      `velocity   ${stats.velocityMin}..${stats.velocityMax}, mean ${(stats.velocityMean ?? 0).toFixed(1)}`,
    );
  }
  for (const failure of failures) out.push(`skipped    ${failure.path}: ${failure.reason}`);
  out.push(`loaded in  ${(loadSeconds * 1000).toFixed(0)} ms`);
  if (options.files) {
    out.push('');
    out.push('split       notes   seconds  hash              source: path (group)');
    for (const file of dataset.files) {
      const group = file.group === `file:${file.hash}` ? '' : ` (${file.group})`;
      out.push(
        `${file.split.padEnd(10)} ${String(file.noteCount).padStart(6)} ${file.durationSeconds.toFixed(1).padStart(9)}  ${file.hash}  ${dataset.sourceTags[file.source] ?? ''}: ${file.path}${group}`,
      );
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}
