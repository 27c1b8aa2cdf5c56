#!/usr/bin/env node
// Audio render benchmark: `npm run bench:render` (builds first). Renders a piece of about three
// minutes (piano-midi.de's Haydn hay_40_2.mid from ../shared, else the vendored fixtures joined end to
// end) to a 16-bit WAV with `howl render`, each run a fresh process as a user runs it, on the main
// thread and on 1, 2 ... voice threads; then with Debian's `fluidsynth -ni` on the same MIDI file and
// the same SoundFont file, if fluidsynth is on the PATH. Prints the real-time factors (seconds of
// audio per second of wall-clock time, process start to exit), the render-only times, peak memory
// (max RSS), and how far ours is from fluidsynth.
/* global performance */
// Usage: node bench/render.js [file.mid] [--reps N] [--threads 0,1,2]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMidi } from '../dist/midi/read-midi.js';
import { writeMidi } from '../dist/midi/write-midi.js';
import { defaultSoundFontPath } from '../dist/node/soundfont-file.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const howl = join(root, 'bin', 'howl.js');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const reps = Number(option('--reps', '3'));
const cores = availableParallelism();
const threadCounts = option('--threads', [0, 1, 2, ...(cores > 3 ? [cores - 1] : [])].join(','))
  .split(',')
  .map(Number);
const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, digits = 1) => n.toFixed(digits);
const work = mkdtempSync(join(tmpdir(), 'howl-bench-render-'));

// The piece.
function pickPiece() {
  if (positional[0]) return resolve(positional[0]);
  const shared = join(root, '..', 'shared', 'data', 'piano-midi-de', 'midis', 'Haydn', 'hay_40_2.mid');
  if (existsSync(shared)) return shared;
  // The vendored fixtures, one after another, cut at three minutes.
  const dir = join(root, 'test', 'fixtures', 'piano-midi-de');
  const files = readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => f.endsWith('.mid') && statSync(f).isFile())
    .sort();
  const notes = [];
  let offset = 0;
  for (const file of files) {
    const score = readMidi(readFileSync(file));
    for (const n of score.notes) if (offset + n.time < 180) notes.push({ ...n, time: offset + n.time });
    offset += score.durationSeconds + 1;
    if (offset >= 180) break;
  }
  const path = join(work, 'fixtures-joined.mid');
  writeFileSync(path, writeMidi(notes));
  return path;
}
const piece = pickPiece();
const score = readMidi(readFileSync(piece));
const soundFont = defaultSoundFontPath();
console.log(`piece: ${piece}: ${score.notes.length} notes, ${fmt(score.durationSeconds)} s`);
console.log(`SoundFont: ${soundFont} (${fmt(statSync(soundFont).size / 2 ** 20)} MB)`);
console.log(
  `machine: ${cpus()[0]?.model ?? '?'}, ${cores} cores, load ${loadavg()
    .map((x) => fmt(x, 2))
    .join(' ')}, node ${process.version}`,
);
console.log(
  `${reps} rounds of every configuration, interleaved, fresh processes; median shown, [min..max] of the wall time\n`,
);

const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs a command, returning wall seconds and max RSS in MB (when /usr/bin/time exists). */
function timed(command, commandArgs) {
  const start = performance.now();
  const result = timeBin
    ? spawnSync(timeBin, ['-f', 'howl-bench-rss %M', command, ...commandArgs], { encoding: 'utf8' })
    : spawnSync(command, commandArgs, { encoding: 'utf8' });
  const wall = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed:\n${result.stderr}`);
  const rss = /howl-bench-rss (\d+)/.exec(result.stderr ?? '');
  return { wall, rssMB: rss ? Number(rss[1]) / 1024 : NaN, stdout: result.stdout };
}

function wavSeconds(path) {
  const bytes = readFileSync(path);
  const channels = bytes.readUInt16LE(22);
  const rate = bytes.readUInt32LE(24);
  const bits = bytes.readUInt16LE(34);
  const dataAt = bytes.indexOf('data', 36, 'latin1');
  return bytes.readUInt32LE(dataAt + 4) / (channels * (bits / 8) * rate);
}

// The configurations, each run once per round, rounds repeated `reps` times: interleaving keeps a
// change in the machine's load from landing on one configuration only.
const configs = [];
const renderSecondsOf = (stdout) => Number(/rendered in ([\d.]+) s/.exec(stdout)?.[1]);
// Ours: `howl render` as a user runs it; the CLI prints its own render time (synthesis, reverb,
// encoding and writing; not Node start-up, reading the MIDI file or loading the SoundFont).
for (const threads of threadCounts) {
  const out = join(work, `howl-${threads}.wav`);
  configs.push({
    key: `howl-${threads}`,
    what:
      threads === 0
        ? 'howl render, main thread'
        : `howl render, ${threads} voice thread${threads > 1 ? 's' : ''}`,
    command: process.execPath,
    args: [howl, 'render', piece, '-o', out, '--threads', String(threads)],
    output: out,
    renderTime: renderSecondsOf,
  });
}
configs.push({
  key: 'howl-dry',
  what: 'howl render --no-reverb, main thread',
  command: process.execPath,
  args: [howl, 'render', piece, '-o', join(work, 'howl-dry.wav'), '--threads', '0', '--no-reverb'],
  output: join(work, 'howl-dry.wav'),
  renderTime: renderSecondsOf,
});
// fluidsynth, with its default reverb and chorus, and without; and its fixed cost: the same command
// on a one-note file (it decodes all of an SF3's samples at load).
let fluidVersion;
try {
  fluidVersion = execFileSync('fluidsynth', ['--version'], { encoding: 'utf8' })
    .split('\n')[0]
    .replace('FluidSynth runtime version ', '');
} catch (error) {
  console.log(
    `(fluidsynth skipped: ${error.code === 'ENOENT' ? 'not on the PATH; apt-get install fluidsynth' : error.message})\n`,
  );
}
if (fluidVersion !== undefined) {
  const out = join(work, 'fluidsynth.wav');
  const one = join(work, 'one-note.mid');
  writeFileSync(one, writeMidi([{ pitch: 60, velocity: 64, time: 0, duration: 0.1 }]));
  configs.push(
    {
      key: 'fluid',
      what: `fluidsynth -ni (${fluidVersion})`,
      command: 'fluidsynth',
      args: ['-ni', '-F', out, '-r', '44100', soundFont, piece],
      output: out,
    },
    {
      key: 'fluid-dry',
      what: 'fluidsynth -ni -R 0 -C 0 (no reverb, chorus)',
      command: 'fluidsynth',
      args: ['-ni', '-R', '0', '-C', '0', '-F', out, '-r', '44100', soundFont, piece],
      output: out,
    },
    {
      key: 'fluid-load',
      what: 'fluidsynth -ni, a one-note file (start-up)',
      command: 'fluidsynth',
      args: ['-ni', '-F', join(work, 'one.wav'), '-r', '44100', soundFont, one],
      output: join(work, 'one.wav'),
    },
  );
}
for (const config of configs) Object.assign(config, { walls: [], rss: [], renders: [] });
for (let r = 0; r < reps; r++) {
  for (const config of configs) {
    const run = timed(config.command, config.args);
    config.walls.push(run.wall);
    config.rss.push(run.rssMB);
    if (config.renderTime) config.renders.push(config.renderTime(run.stdout));
  }
}
for (const config of configs) config.seconds = wavSeconds(config.output);
const wallOf = (key) => median(configs.find((c) => c.key === key).walls);
const rows = configs;
const ours = new Map(threadCounts.map((threads) => [threads, wallOf(`howl-${threads}`)]));
const oursDry = wallOf('howl-dry');
const fluid = fluidVersion === undefined ? undefined : wallOf('fluid');
const fluidDry = fluidVersion === undefined ? undefined : wallOf('fluid-dry');
const fluidLoad = fluidVersion === undefined ? undefined : wallOf('fluid-load');

const header = ['what', 'wall s', 'x real time', 'render s', 'max RSS MB', 'wall range'];
const lines = rows.map(({ what, walls, rss, renders, seconds }) => {
  const wall = median(walls);
  return [
    what,
    fmt(wall, 2),
    fmt(seconds / wall),
    renders.length ? `${fmt(median(renders), 2)} (${fmt(seconds / median(renders))}x)` : '',
    Number.isNaN(median(rss)) ? '' : fmt(median(rss), 0),
    `[${fmt(Math.min(...walls), 2)}..${fmt(Math.max(...walls), 2)}]`,
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
const print = (cells) =>
  console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
print(header);
print(widths.map((w) => '-'.repeat(w)));
lines.forEach(print);

const audio = rows[0].seconds;
const best = Math.min(...ours.values());
const bestThreads = [...ours].find(([, wall]) => wall === best)[0];
console.log(
  `\naudio ${fmt(audio)} s. howl render: ${fmt(audio / ours.get(threadCounts[0]))}x real time on the main thread, ` +
    `best ${fmt(audio / best)}x (${bestThreads === 0 ? 'main thread' : `${bestThreads} voice threads`}); target >= 40x: ${audio / best >= 40 ? 'met' : 'NOT met'}`,
);
if (fluid !== undefined) {
  console.log(
    `fluidsynth: ${fmt(audio / fluid)}x real time (its start-up with the SF3, one note: ${fmt(fluidLoad, 2)} s; ` +
      `rendering alone ~${fmt(audio / Math.max(fluid - fluidLoad, 1e-3), 0)}x).`,
  );
  console.log(
    `howl / fluidsynth wall time: ${fmt(best / fluid, 2)} (best), ${fmt(ours.get(threadCounts[0]) / fluid, 2)} (main thread); ` +
      `target <= 1.5: ${best / fluid <= 1.5 ? 'met' : 'NOT met'}. Without reverb: ${fmt(oursDry / fluidDry, 2)} against fluidsynth -R 0 -C 0.`,
  );
  // The same ratio round by round (each pair ran back to back), less sensitive to load drift.
  const walls = (key) => configs.find((c) => c.key === key).walls;
  const perRound = walls(`howl-${bestThreads}`).map((w, r) => w / walls('fluid')[r]);
  console.log(`per round: ${perRound.map((x) => fmt(x, 2)).join(', ')}; median ${fmt(median(perRound), 2)}.`);
}
rmSync(work, { recursive: true, force: true });
