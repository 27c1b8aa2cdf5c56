#!/usr/bin/env node
// Import at corpus scale: `npm run bench:import-scale` (builds first). Times the whole command,
// `node bin/howl.js import DIR -o FILE` in a fresh process, on piano-midi-de (337 files) and ASAP
// (1,067 files): the default (what a user gets: the native reader where it runs, and worker
// threads on a large corpus), the native reader on the main thread alone, and the TypeScript
// reader (HOWL_NATIVE=0) by default and on the main thread alone, the baseline of the ratios; all
// in the same run and interleaved, so that a busy machine slows them alike; optionally also against
// an older Howl (`--baseline-ref REF`: that commit, unpacked and built in a temporary folder). It
// checks that every variant wrote the same dataset (the `created` stamp aside), then imports a
// synthetic corpus of --files small MIDI files (default 100,000, written to a temporary folder and
// deleted after) and reports the peak resident memory of the whole process (worker threads included).
/* global performance, Buffer */
// Usage: node bench/import-scale.js [--reps 5] [--files 100000] [--baseline-ref REF] [--no-scale]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeDataset } from '../dist/data/dataset-format.js';
import { findMidiFiles } from '../dist/node/find-midi-files.js';
import { DEFAULT_IMPORT_MEMORY_BYTES } from '../dist/node/import-to-file.js';
import { syntheticMidi } from './synthetic-midi.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const reps = Number(option('reps', 5));
const scaleFiles = Number(option('files', 100_000));
const baselineRef = option('baseline-ref', undefined);
const shared = join(root, '..', 'shared', 'data');
const corpora = [
  { name: 'piano-midi-de', dir: join(shared, 'piano-midi-de', 'midis') },
  { name: 'ASAP', dir: join(shared, 'asap', 'midis') },
];
const work = mkdtempSync(join(tmpdir(), 'howl-import-scale-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** An older Howl, unpacked from git and built beside this one (same node_modules). */
function buildBaseline(ref) {
  const dir = join(work, 'baseline');
  mkdirSync(dir);
  const tar = execFileSync('git', ['-C', root, 'archive', '--format=tar', ref], { maxBuffer: 1 << 30 });
  execFileSync('tar', ['-xf', '-', '-C', dir], { input: tar });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, [
    join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    join(dir, 'tsconfig.build.json'),
  ]);
  return join(dir, 'bin', 'howl.js');
}

const variants = [
  { name: 'default', bin: join(root, 'bin', 'howl.js'), extra: [] },
  {
    name: 'native reader, main thread (--workers 0)',
    bin: join(root, 'bin', 'howl.js'),
    extra: ['--workers', '0'],
  },
  {
    name: 'TypeScript reader (HOWL_NATIVE=0)',
    bin: join(root, 'bin', 'howl.js'),
    extra: [],
    env: { HOWL_NATIVE: '0' },
  },
  {
    name: 'TypeScript reader, main thread',
    bin: join(root, 'bin', 'howl.js'),
    extra: ['--workers', '0'],
    env: { HOWL_NATIVE: '0' },
    base: true,
  },
];
if (baselineRef) {
  console.log(`building the baseline ${baselineRef} ...`);
  variants.push({
    name: `baseline ${baselineRef} (its default)`,
    bin: buildBaseline(baselineRef),
    extra: [],
  });
}

/** One whole `howl import`, in a fresh process: wall seconds, and the output path. */
function runImport(variant, dir, out) {
  const start = performance.now();
  const result = spawnSync(process.execPath, [variant.bin, 'import', dir, '-o', out, ...variant.extra], {
    encoding: 'utf8',
    env: { ...process.env, ...variant.env },
  });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${variant.name} failed: ${result.stderr}`);
  return seconds;
}

/** The dataset's bytes with `created` set to a fixed value, to compare two imports. */
function normalised(path) {
  const dataset = decodeDataset(readFileSync(path), path);
  return (
    JSON.stringify({ ...dataset, created: '', notes: undefined }) +
    [dataset.notes.time, dataset.notes.duration, dataset.notes.pitch, dataset.notes.velocity]
      .map((column) => Buffer.from(column.buffer, column.byteOffset, column.byteLength).toString('base64'))
      .join('|')
  );
}

console.log(
  `machine: ${cpus()[0]?.model ?? '?'}, availableParallelism ${availableParallelism()}, node ${process.version}`,
);
console.log(`load average at start: ${load()} (a shared machine: timings vary with it)`);
console.log(`${reps} runs of each variant per corpus, interleaved; median shown, [min..max] after\n`);

const rows = [];
for (const corpus of corpora) {
  const paths = await findMidiFiles(corpus.dir);
  const bytes = paths.reduce((sum, path) => sum + statSync(path).size, 0);
  const times = variants.map(() => []);
  const outputs = variants.map((_, v) => join(work, `${corpus.name}-${v}.howl`));
  for (let r = 0; r < reps; r++) {
    variants.forEach((variant, v) => times[v].push(runImport(variant, corpus.dir, outputs[v])));
  }
  const reference = normalised(outputs[0]);
  const same = outputs.map((out) => normalised(out) === reference);
  variants.forEach((variant, v) => {
    const s = median(times[v]);
    rows.push({
      corpus: corpus.name,
      variant: variant.name,
      files: paths.length,
      bytes,
      s,
      times: times[v],
      same: same[v],
      base: variant.base === true,
    });
  });
}

const header = [
  'corpus',
  'variant',
  'files',
  'seconds',
  'files/s',
  'MB/s',
  'vs TS main thread',
  'same dataset',
  'range',
];
const table = rows.map((row) => {
  const base = rows.find((r) => r.corpus === row.corpus && r.base);
  return [
    row.corpus,
    row.variant,
    fmt(row.files),
    fmt(row.s, 3),
    fmt(row.files / row.s),
    fmt(row.bytes / 2 ** 20 / row.s, 1),
    `${fmt(base.s / row.s, 2)}x`,
    row.same ? 'yes' : 'NO',
    `[${fmt(Math.min(...row.times), 3)}..${fmt(Math.max(...row.times), 3)}]`,
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((l) => l[i].length)));
const print = (cells) =>
  console.log(cells.map((c, i) => (i < 2 || i > 6 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
print(header);
print(widths.map((w) => '-'.repeat(w)));
table.forEach(print);
for (const corpus of corpora) {
  const row = rows.find((r) => r.corpus === corpus.name && r.variant === 'default');
  console.log(
    `${corpus.name}: ${fmt(row.files / row.s)} files/s by default (target >= 1,000: ${row.files / row.s >= 1000 ? 'met' : 'NOT met'})`,
  );
}
if (rows.some((row) => !row.same)) process.exitCode = 1;
console.log(`load average after the corpora: ${load()}`);

/**
 * `howl import DIR -o OUT` through `module`'s `name` (bin/howl.js's entry), in a process that
 * reports its peak resident memory (worker threads included) when it exits.
 */
function importWithPeakMemory(module, name, dir, out) {
  const script =
    `import { ${name} as run } from ${JSON.stringify(module)};\n` +
    // VmHWM: this process's own peak (getrusage's maxRSS can start from the parent's size at fork).
    `import { readFileSync } from 'node:fs';\n` +
    `const peakKb = () => { try { return Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]); } ` +
    `catch { return process.resourceUsage().maxRSS; } };\n` +
    `process.on('exit', () => process.stderr.write('\\nmaxRSS ' + peakKb() + '\\n'));\n` +
    `process.exitCode = await run(['import', ${JSON.stringify(dir)}, '-o', ${JSON.stringify(out)}]);\n`;
  const scriptPath = join(work, `import-with-rss-${name}.mjs`); // a file: workers inherit no --eval flags
  writeFileSync(scriptPath, script);
  const start = performance.now();
  const result = spawnSync(process.execPath, [scriptPath], { encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`synthetic import failed: ${result.stderr}`);
  const rssMb = Number(/maxRSS (\d+)/.exec(result.stderr)?.[1]) / 1024;
  const dataset = decodeDataset(readFileSync(out), out);
  return {
    seconds,
    rssMb,
    notes: dataset.totals.notes,
    files: dataset.totals.files,
    mb: statSync(out).size / 2 ** 20,
  };
}

// The synthetic corpus: peak memory of the whole command, on a tenth of it and on all of it.
if (!args.includes('--no-scale')) {
  const corpus = join(work, 'synthetic');
  const tenth = Math.ceil(scaleFiles / 10);
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < scaleFiles; i++) {
    const folder = join(corpus, i < tenth ? 'a' : 'b', String(Math.floor(i / 1000)).padStart(3, '0'));
    if (i % 1000 === 0 || i === tenth) mkdirSync(folder, { recursive: true });
    const file = syntheticMidi(i);
    bytes += file.length;
    writeFileSync(join(folder, `${i}.mid`), file);
  }
  console.log(
    `\nsynthetic corpus: ${fmt(scaleFiles)} files, ${fmt(bytes / 2 ** 20, 1)} MB, written in ${fmt((performance.now() - started) / 1000, 1)} s`,
  );
  const entry = new URL('../dist/cli/commands/import-main.js', import.meta.url).href;
  const runs = [
    {
      what: `default, ${fmt(tenth)} files`,
      ...importWithPeakMemory(entry, 'importMain', join(corpus, 'a'), join(work, 'tenth.howl')),
    },
    {
      what: `default, ${fmt(scaleFiles)} files`,
      ...importWithPeakMemory(entry, 'importMain', corpus, join(work, 'all.howl')),
    },
  ];
  if (baselineRef) {
    const main = new URL(`file://${join(dirname(variants[2].bin), '..', 'dist', 'cli', 'main.js')}`).href;
    runs.push({
      what: `baseline ${baselineRef}, ${fmt(scaleFiles)} files`,
      ...importWithPeakMemory(main, 'main', corpus, join(work, 'base.howl')),
    });
  }
  for (const run of runs) {
    console.log(
      `import, ${run.what}: ${fmt(run.seconds, 1)} s, ${fmt(run.files / run.seconds)} files/s, ${fmt(run.notes)} notes, ` +
        `${fmt(run.mb, 1)} MB written; peak RSS ${fmt(run.rssMb)} MB`,
    );
  }
  const [small, all] = runs;
  // Notes held in memory before the column store spills them: 14 bytes a note, up to its budget.
  const held = (notes) => Math.min(notes * 14, DEFAULT_IMPORT_MEMORY_BYTES);
  const perFile = ((all.rssMb - small.rssMb) * 2 ** 20) / (all.files - small.files);
  const notesPerFile = (held(all.notes) - held(small.notes)) / (all.files - small.files);
  console.log(
    `peak RSS grows ${fmt(perFile)} bytes a file (${fmt((all.notes - small.notes) / (all.files - small.files))} notes ` +
      `a file): ${fmt(notesPerFile)} of them notes held until the column store's ` +
      `${fmt(DEFAULT_IMPORT_MEMORY_BYTES / 2 ** 20)} MiB are full (then spilled), ${fmt(perFile - notesPerFile)} the ` +
      `file list and the files' entries`,
  );
}
rmSync(work, { recursive: true, force: true });
