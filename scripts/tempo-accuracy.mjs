#!/usr/bin/env node
// How well `estimateTempo` (src/score/estimate-tempo.ts) finds the tempo, beat and meter of
// piano-midi.de files, whose MIDI carries the score's tempo map and time signature.
//
//   node scripts/tempo-accuracy.mjs [folder] [--list]
//
// Default folder: ../shared/data/piano-midi-de/midis. The library is bundled from src/ with esbuild
// in memory, so no build is needed first. For each file the reference tempo is the file's own
// quarter notes per minute, averaged over the notes (the whole piece) and over its first 32 quarter
// notes (the opening, which the estimate fits); its meter is the first time signature. It prints:
// - tempo: the share of files within 4 % of the reference (Acc1), and within 4 % of it times 1/3,
//   1/2, 2 or 3 (Acc2: the beat found at another level of the metre);
// - beat: among files whose opening tempo is right (Acc1), the share whose estimated beats fall
//   within a tenth of a beat of the file's quarter notes over the first 16 beats (75 % of them);
// - meter: three against four beats a bar, on the files in 2/2, 2/4, 4/4 (duple) or 3/4 (triple);
//   the downbeat: the estimated first bar line within a tenth of a beat of one of the file's;
// split by composer into A-L (used to set the estimator's weights) and M-Z (held out).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import midiFile from 'midi-file';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const folder =
  args.find((a) => !a.startsWith('--')) ?? resolve(root, '..', 'shared', 'data', 'piano-midi-de', 'midis');
const list = args.includes('--list');

const bundle = await build({
  stdin: {
    contents: `export { readMidi } from './src/midi/read-midi.ts'; export { estimateTempo } from './src/score/estimate-tempo.ts';`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  write: false,
});
const { readMidi, estimateTempo } = await import(
  `data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`
);

function midiFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...midiFiles(path));
    else if (/\.midi?$/i.test(name)) out.push(path);
  }
  return out;
}

/** Seconds → ticks and back through a score's tempo map (120 bpm before the first change). */
function tempoMap(score) {
  const tpq = score.ticksPerQuarter;
  const changes = [{ ticks: 0, time: 0, microsecondsPerQuarter: 500_000 }, ...score.tempos];
  const segment = (pick) => {
    let s = changes[0];
    for (const c of changes) if (pick(c)) s = c;
    return s;
  };
  return {
    toTicks: (t) => {
      const s = segment((c) => c.time <= t);
      return s.ticks + ((t - s.time) * 1e6 * tpq) / s.microsecondsPerQuarter;
    },
    toSeconds: (ticks) => {
      const s = segment((c) => c.ticks <= ticks);
      return s.time + ((ticks - s.ticks) * s.microsecondsPerQuarter) / 1e6 / tpq;
    },
  };
}

const within = (ratio, target) => Math.abs(ratio / target - 1) <= 0.04;
const rows = [];
let ms = 0;
for (const path of midiFiles(folder)) {
  const bytes = readFileSync(path);
  const score = readMidi(bytes); // as the page reads a file: sustain pedal folded into durations
  if (score.ticksPerQuarter === undefined || score.tempos.length === 0 || score.notes.length < 8) continue;
  let signature;
  for (const track of midiFile.parseMidi(bytes).tracks) {
    let tick = 0;
    for (const e of track) {
      tick += e.deltaTime;
      if (e.type === 'timeSignature' && tick === 0) signature ??= `${e.numerator}/${e.denominator}`;
    }
  }
  const map = tempoMap(score);
  const notes = score.notes;
  const first = notes[0].time;
  const last = notes[notes.length - 1].time;
  const firstTick = map.toTicks(first);
  const quarters = (map.toTicks(last) - firstTick) / score.ticksPerQuarter;
  const whole = (60 * quarters) / (last - first);
  const openingEnd = map.toSeconds(firstTick + 32 * score.ticksPerQuarter);
  const opening = (60 * 32) / (openingEnd - first);
  const started = performance.now();
  const estimate = estimateTempo(notes);
  ms += performance.now() - started;
  // The file's quarter-note beats over the first 16 beats after the first onset.
  const tpq = score.ticksPerQuarter;
  const beatTicks = Math.ceil(firstTick / tpq - 1e-6) * tpq;
  const beat = 60 / estimate.bpm;
  const fileBeats = Array.from({ length: 16 }, (_, k) => map.toSeconds(beatTicks + k * tpq));
  const onGrid = (t, period, phase) => {
    const k = Math.round((t - phase) / period);
    return Math.abs(t - phase - k * period) <= 0.1 * period;
  };
  const beatHits = fileBeats.filter((t) => onGrid(t, beat, estimate.offset)).length / fileBeats.length;
  const [num, den] = (signature ?? '4/4').split('/').map(Number);
  const barTicks = (num * 4 * tpq) / den;
  const estDownbeat =
    estimate.offset +
    Math.ceil((first - estimate.offset) / (beat * estimate.meter.numerator) - 1e-6) *
      beat *
      estimate.meter.numerator;
  const barIndex = Math.round(map.toTicks(estDownbeat) / barTicks);
  const downbeatHit = Math.abs(map.toSeconds(barIndex * barTicks) - estDownbeat) <= 0.1 * beat;
  const composer = relative(folder, path).split(/[\\/]/)[0];
  rows.push({
    file: relative(folder, path),
    half: composer.localeCompare('M') < 0 ? 'A-L' : 'M-Z',
    signature,
    whole,
    opening,
    estimate,
    acc1: within(estimate.bpm / opening, 1),
    acc1Whole: within(estimate.bpm / whole, 1),
    acc2: [1 / 3, 1 / 2, 1, 2, 3].some((r) => within(estimate.bpm / opening, r)),
    beatOk: beatHits >= 0.75,
    meterRef: ['2/2', '2/4', '4/4'].includes(signature) ? 4 : signature === '3/4' ? 3 : undefined,
    downbeatHit,
  });
}

const pct = (part, all) => (all === 0 ? '–' : `${((100 * part) / all).toFixed(0)} % (${part}/${all})`);
for (const half of ['A-L', 'M-Z', 'all']) {
  const r = rows.filter((x) => half === 'all' || x.half === half);
  const right = r.filter((x) => x.acc1);
  const metered = r.filter((x) => x.meterRef !== undefined);
  const meterOk = metered.filter((x) => x.estimate.meter.numerator === x.meterRef);
  console.log(`${half}: ${r.length} files`);
  console.log(
    `  tempo Acc1 (opening): ${pct(right.length, r.length)}; Acc1 (whole piece): ${pct(r.filter((x) => x.acc1Whole).length, r.length)}; Acc2 (opening): ${pct(r.filter((x) => x.acc2).length, r.length)}`,
  );
  console.log(
    `  beat phase right, of those at the right tempo: ${pct(right.filter((x) => x.beatOk).length, right.length)}`,
  );
  console.log(
    `  meter (2/2, 2/4, 4/4 vs 3/4): ${pct(meterOk.length, metered.length)}; duple ${pct(meterOk.filter((x) => x.meterRef === 4).length, metered.filter((x) => x.meterRef === 4).length)}, triple ${pct(meterOk.filter((x) => x.meterRef === 3).length, metered.filter((x) => x.meterRef === 3).length)}`,
  );
  const bars = right.filter(
    (x) => x.beatOk && x.meterRef !== undefined && x.estimate.meter.numerator === x.meterRef,
  );
  console.log(
    `  downbeat right, of those with tempo, beat and meter right: ${pct(bars.filter((x) => x.downbeatHit).length, bars.length)}`,
  );
}
console.log(`estimateTempo: ${(ms / rows.length).toFixed(1)} ms a file on average`);
if (list) {
  for (const x of rows) {
    console.log(
      `${x.file.padEnd(34)} ${String(x.signature).padEnd(5)} ref ${x.opening.toFixed(1).padStart(6)} (whole ${x.whole.toFixed(1).padStart(6)}) est ${x.estimate.bpm.toFixed(1).padStart(6)} ${x.estimate.meter.numerator}/4 conf ${x.estimate.confidence.toFixed(2)} ${x.acc1 ? 'ok' : x.acc2 ? 'level' : 'WRONG'}${x.acc1 && !x.beatOk ? ' phase' : ''}`,
    );
  }
}
