#!/usr/bin/env node
// Compares the npm package midi-file (parseMidi) with our reader (readMidi) on the shared corpus:
// which files each fails on, and how long each takes to parse everything.
//
//   node scripts/compare-midi-file.mjs [folder ...]
//
// Default folders: ../shared/data/edge-cases and ../shared/data/piano-midi-de. Our reader is bundled
// from src/midi/read-midi.ts with esbuild in memory, so no build is needed first.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import midiFile from 'midi-file';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '..', 'shared', 'data');
const folders =
  process.argv.length > 2
    ? process.argv.slice(2)
    : [join(shared, 'edge-cases'), join(shared, 'piano-midi-de')];

const bundle = await build({
  entryPoints: [join(root, 'src/midi/read-midi.ts')],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  write: false,
});
const { readMidi } = await import(
  `data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`
);

function midiFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...midiFiles(path));
    else if (/\.mid$/i.test(name)) out.push(path);
  }
  return out;
}

function describe(error) {
  return typeof error === 'string' ? `throws string: ${error}` : `${error?.name}: ${error?.message}`;
}

function timeAll(files, parse) {
  const start = performance.now();
  for (const { bytes } of files) {
    try {
      parse(bytes);
    } catch {
      // counted separately
    }
  }
  return performance.now() - start;
}

for (const folder of folders) {
  const files = midiFiles(folder).map((path) => ({ path, bytes: readFileSync(path) }));
  const size = files.reduce((sum, f) => sum + f.bytes.length, 0);
  const failures = { midiFile: [], ours: [] };
  let notes = 0;
  for (const { path, bytes } of files) {
    const name = relative(folder, path);
    try {
      midiFile.parseMidi(bytes);
    } catch (error) {
      failures.midiFile.push(`${name}: ${describe(error)}`);
    }
    try {
      notes += readMidi(bytes, { file: name }).notes.length;
    } catch (error) {
      failures.ours.push(`${name}: ${describe(error)}`);
    }
  }
  // Warm up, then best of 3 for each.
  const best = (parse) => Math.min(...[0, 1, 2, 3].map(() => timeAll(files, parse)).slice(1));
  const ourRaw = best((b) => readMidi(b, { sustain: false }));
  const ourSustain = best((b) => readMidi(b));
  const theirs = best((b) => midiFile.parseMidi(b));

  console.log(
    `\n## ${relative(root, folder)}: ${files.length} .mid files, ${(size / 1e6).toFixed(1)} MB, ${notes} notes (ours)`,
  );
  console.log(`midi-file parseMidi fails on ${failures.midiFile.length}:`);
  for (const line of failures.midiFile) console.log(`  - ${line}`);
  console.log(`readMidi throws on ${failures.ours.length}:`);
  for (const line of failures.ours) console.log(`  - ${line}`);
  console.log(
    `time, best of 3: readMidi ${ourSustain.toFixed(0)} ms (sustain on), ${ourRaw.toFixed(0)} ms (sustain off); ` +
      `midi-file parseMidi ${theirs.toFixed(0)} ms (events only, no pairing or seconds)`,
  );
}
