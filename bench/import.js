#!/usr/bin/env node
// Import benchmark: `npm run bench:import` (builds first). Imports the piano-midi.de corpus with
// the importer inline and on 1 and 2 worker threads, 3 times each, each time in a fresh process as
// `howl import` runs, then warm in this process, then ten copies of the corpus; prints files/s, MB/s
// and notes/s; then the time to load the finished dataset file, the time to read the 500k-note file,
// and a baseline: parsing the same files with the npm `midi-file` package alone, in this thread.
/* global performance */
// Usage: node bench/import.js [corpus-dir] [--reps N] [--copies N]
import { cpSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import midiFile from 'midi-file';
import { decodeDataset, encodeDataset } from '../dist/data/dataset-format.js';
import { readMidi } from '../dist/midi/read-midi.js';
import { findMidiFiles } from '../dist/node/find-midi-files.js';
import { importCorpus } from '../dist/node/import-corpus.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args[repsAt + 1]) : 3;
const copiesAt = args.indexOf('--copies');
const copies = copiesAt >= 0 ? Number(args[copiesAt + 1]) : 10;
const corpus =
  args.find((a, i) => !a.startsWith('--') && i !== repsAt + 1 && i !== copiesAt + 1) ??
  join(root, '..', 'shared', 'data', 'piano-midi-de', 'midis');
const hugeFile = join(root, '..', 'shared', 'data', 'edge-cases', 'synthetic', 'huge-500k-notes.mid');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const rows = [];
const row = (what, seconds, files, bytes, notes, note = '') => {
  rows.push({ what, seconds, files, bytes, notes, note });
};

const paths = await findMidiFiles(corpus);
const totalBytes = paths.reduce((sum, p) => sum + readFileSync(p).length, 0);
console.log(`corpus: ${corpus}: ${paths.length} files, ${fmt(totalBytes / 2 ** 20, 1)} MB`);
console.log(
  `machine: ${cpus()[0]?.model ?? '?'}, availableParallelism ${availableParallelism()}, node ${process.version}`,
);
console.log(`${reps} repetitions each; median shown, [min..max] in the last column\n`);

// 1. The importer, as a user meets it: each run in a fresh Node process (cold code, like `howl
// import`), inline and on 1 and 2 worker threads; then inline again in this process once warm.
const importModule = new URL('../dist/node/import-corpus.js', import.meta.url).href;
function coldImport(dir, workers) {
  const script = join(mkdtempSync(join(tmpdir(), 'howl-bench-run-')), 'run.mjs');
  writeFileSync(
    script,
    `const { importCorpus } = await import(${JSON.stringify(importModule)});\n` +
      `const r = await importCorpus([${JSON.stringify(dir)}], { workers: ${workers}, created: 'bench' });\n` +
      `console.log(JSON.stringify({ s: r.elapsedSeconds, w: r.warnings }));\n`,
  );
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
  rmSync(dirname(script), { recursive: true, force: true });
  const { s, w } = JSON.parse(out.trim().split('\n').pop());
  if (w.length > 0) console.log(`  warnings (${workers} workers): ${w.join('; ')}`);
  return s;
}
let lastDataset = (await importCorpus([corpus], { workers: 0, created: 'bench' })).dataset;
const { files: goodFiles, failures, notes: corpusNotes, bytes: corpusBytes } = lastDataset.totals;
for (const workers of [0, 1, 2]) {
  const times = [];
  for (let r = 0; r < reps; r++) times.push(coldImport(corpus, workers));
  row(
    workers === 0
      ? 'import, main thread (cold process)'
      : `import, ${workers} worker${workers > 1 ? 's' : ''} (cold process)`,
    times,
    goodFiles + failures,
    corpusBytes,
    corpusNotes,
  );
}
{
  const times = [];
  for (let r = 0; r < reps; r++) {
    const result = await importCorpus([corpus], { workers: 0, created: 'bench' });
    times.push(result.elapsedSeconds);
    lastDataset = result.dataset;
  }
  row('import, main thread (warm, in process)', times, goodFiles + failures, corpusBytes, corpusNotes);
}
// A corpus ten times larger (ten copies), where the workers' start-up cost is paid back.
if (copies > 1) {
  const big = mkdtempSync(join(tmpdir(), 'howl-bench-big-'));
  for (let c = 0; c < copies; c++) cpSync(corpus, join(big, `copy${c}`), { recursive: true });
  for (const workers of [0, 2]) {
    const s = coldImport(big, workers);
    row(
      `${copies}x corpus, ${workers === 0 ? 'main thread' : `${workers} workers`} (cold process)`,
      [s],
      copies * (goodFiles + failures),
      copies * corpusBytes,
      copies * corpusNotes,
    );
  }
  rmSync(big, { recursive: true, force: true });
}

// 2. Loading the finished dataset (read the file + decode, checksum verified).
const tmp = mkdtempSync(join(tmpdir(), 'howl-bench-'));
const datasetPath = join(tmp, 'piano.howl');
const encoded = encodeDataset(lastDataset);
writeFileSync(datasetPath, encoded);
const loadTimes = [];
for (let r = 0; r < reps; r++) {
  const start = performance.now();
  const loaded = decodeDataset(await readFile(datasetPath), datasetPath);
  loadTimes.push((performance.now() - start) / 1000);
  if (loaded.totals.notes !== lastDataset.totals.notes) throw new Error('dataset round trip lost notes');
}
row(
  'load dataset file (read + decode)',
  loadTimes,
  lastDataset.totals.files,
  encoded.length,
  lastDataset.totals.notes,
  `${fmt(encoded.length / 2 ** 20, 1)} MB file`,
);
rmSync(tmp, { recursive: true, force: true });

// 3. The 500k-note file.
try {
  const bytes = readFileSync(hugeFile);
  const times = [];
  let notes = 0;
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    notes = readMidi(bytes).notes.length;
    times.push((performance.now() - start) / 1000);
  }
  row('readMidi huge-500k-notes.mid', times, 1, bytes.length, notes);
  const mfTimes = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    midiFile.parseMidi(bytes);
    mfTimes.push((performance.now() - start) / 1000);
  }
  row('  baseline: midi-file parseMidi, same file', mfTimes, 1, bytes.length, notes, 'events only, no notes');
} catch (error) {
  console.log(`(skipping the 500k-note file: ${error.message})`);
}

// 4. Baseline: midi-file alone over the corpus, this thread (bytes read first, as the importer does).
const baseline = [];
for (let r = 0; r < reps; r++) {
  const start = performance.now();
  for (const path of paths) midiFile.parseMidi(readFileSync(path));
  baseline.push((performance.now() - start) / 1000);
}
row(
  'baseline: midi-file parseMidi, main thread',
  baseline,
  paths.length,
  totalBytes,
  lastDataset.totals.notes,
  'events only, no notes',
);

// The table.
const header = ['what', 'seconds', 'files/s', 'MB/s', 'notes/s', 'range / note'];
const lines = rows.map(({ what, seconds, files, bytes, notes, note }) => {
  const s = median(seconds);
  return [
    what,
    fmt(s, 3),
    fmt(files / s),
    fmt(bytes / 2 ** 20 / s, 1),
    fmt(notes / s),
    `[${fmt(Math.min(...seconds), 3)}..${fmt(Math.max(...seconds), 3)}] ${note}`.trim(),
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
const print = (cells) =>
  console.log(
    cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '),
  );
print(header);
print(widths.map((w) => '-'.repeat(w)));
lines.forEach(print);

const best = (what) => median(rows.find((r) => r.what === what).seconds);
const twoWorkers = paths.length / best('import, 2 workers (cold process)');
const auto = paths.length / best('import, main thread (cold process)');
const mfRate = paths.length / best('baseline: midi-file parseMidi, main thread');
const fastest = Math.max(twoWorkers, auto);
console.log(
  `\nimport, cold: ${fmt(auto)} files/s inline (the default for this corpus), ${fmt(twoWorkers)} files/s on 2 workers ` +
    `(target >= 1,000 on 2 cores: ${fastest >= 1000 ? 'met' : 'NOT met'}); ` +
    `${fmt(fastest / mfRate, 2)}x the warm midi-file event parse; ${fmt(3 * fastest)}x the original's ~3 s per file`,
);
console.log(
  `dataset load: ${fmt(best('load dataset file (read + decode)') * 1000)} ms (target well under 1 s)`,
);
const huge = rows.find((r) => r.what === 'readMidi huge-500k-notes.mid');
if (huge) console.log(`500k-note file: ${fmt(median(huge.seconds) * 1000)} ms (target < 1 s)`);
