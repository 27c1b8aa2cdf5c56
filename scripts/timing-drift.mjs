#!/usr/bin/env node
// Where an ordered model's generated timing parts from real music: its predictions read with
// teacher forcing against what it does running free (docs/models.md, "Why the default played
// slowly"). Run `npm run build` first.
//
//   node scripts/timing-drift.mjs [--model DIR] [--data DATA.howl] [--seed 1] [--pieces 20]
//     [--notes 1000] [--top-p P] [--timing-temperature T | D,U,V] [--chords together] [--teacher]
//     [--prefix N]
//
// Sampling as `howl eval`'s: DEFAULT_SAMPLING, the model folder's sampling.json over it, the flags
// over that. Prints:
// - free running (always): `--pieces` pieces of `--notes` notes from a random first note (seeds
//   seed.., as `howl eval`): mean delay, share of delays in the grid's first bin (chord notes) and
//   median duration over notes 1-250, 251-750 and 751-1000; then the Overlapped Areas of the
//   inter-onset interval, notes per second and duration histograms and the median inter-onset
//   interval against the held-out music, over whole pieces, their first 250 and their last 250 notes;
// - `--teacher`: the same held-out pieces' first 1,000 notes read with teacher forcing: the real
//   mean delay against the model's expected one, the first bin's real share against its predicted
//   probability, and the median of real durations against one drawn per note from the duration
//   head (given the real delay and pitch, at the sampling's duration temperature);
// - `--prefix N`: each held-out piece of 600 notes or more read for N real notes (from its 300th),
//   then 300 notes generated after them: mean delay and median duration by steps after the prefix,
//   generated against the piece's own continuation.
import { readFileSync } from 'node:fs';
import {
  DEFAULT_SAMPLING,
  TIME_BINS,
  compareMusic,
  createRng,
  createStepNetwork,
  decodeDataset,
  encodeV1,
  fileIndicesOf,
  fileNotes,
  generateCandidates,
  resolveSampling,
  timeBin,
} from '../dist/public/index.js';
import { defaultModelDir, loadModel } from '../dist/public/node.js';

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const model = await loadModel(flag('--model', defaultModelDir()));
const dataPath = flag('--data', 'data/asap.howl');
const dataset = decodeDataset(readFileSync(dataPath), dataPath);
const seed = Number(flag('--seed', '1'));
const pieces = Number(flag('--pieces', '20'));
const notesPerPiece = Number(flag('--notes', '1000'));
const timing = flag('--timing-temperature');
const [delayT, durationT = delayT, velocityT = delayT] = timing?.split(',').map(Number) ?? [];
const sampling = resolveSampling({
  ...DEFAULT_SAMPLING,
  ...model.sampling,
  ...(flag('--top-p') === undefined ? {} : { topP: Number(flag('--top-p')) }),
  ...(flag('--chords') === undefined ? {} : { chords: flag('--chords') }),
  ...(timing === undefined
    ? {}
    : { delayTemperature: delayT, durationTemperature: durationT, velocityTemperature: velocityT }),
});
const heldOut = fileIndicesOf(dataset, 'validation')
  .map((i) => fileNotes(dataset, i))
  .filter((n) => n.length >= 2);

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs) => Float64Array.from(xs).sort()[xs.length >> 1];
const ms = (s) => `${Math.round(s * 1000)} ms`;
const share = (x) => x.toFixed(3);
const row = (cells) => `| ${cells.join(' | ')} |`;
const { delayTemperature: dT, durationTemperature: uT, velocityTemperature: vT, topP } = sampling;
console.log(`${model.dir}: top-p ${topP}, timing temperatures ${dT} / ${uT} / ${vT}, ${dataPath}\n`);

/** A row of logits as probabilities, at a temperature. */
function softmax(logits, offset, count, temperature = 1) {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, logits[offset + i]);
  const p = new Float64Array(count);
  let sum = 0;
  for (let i = 0; i < count; i++) sum += p[i] = Math.exp((logits[offset + i] - max) / temperature);
  return p.map((x) => x / sum);
}
const binSeconds = (k) => (k >= TIME_BINS - 1 ? 4 : (k + 0.5) * 0.01);

if (argv.includes('--teacher')) {
  const rng = createRng(12345);
  const pieceRows = heldOut.map((n) => encodeV1(n.slice(0, 1000)));
  const seen = { delay: [], expected: [], chord: 0, chordP: 0, duration: [], drawn: [] };
  for (let s = 0; s < pieceRows.length; s += 32) {
    const group = pieceRows.slice(s, s + 32);
    const network = createStepNetwork(model.config.model, model.weights, group.length);
    const longest = Math.max(...group.map((r) => r.length));
    for (let t = 0; t + 1 < longest; t++) {
      network.step(group.map((r) => r[Math.min(t, r.length - 1)]));
      group.forEach((rows, b) => {
        if (t + 1 >= rows.length) return;
        const [delay, duration, , pitch] = rows[t + 1];
        const p = softmax(network.delayLogits, b * TIME_BINS, TIME_BINS);
        seen.delay.push(Math.min(4, Math.max(0, delay)));
        seen.expected.push(p.reduce((e, x, k) => e + x * binSeconds(k), 0));
        seen.chordP += p[0];
        if (timeBin(delay) === 0) seen.chord++;
        const rest = network.restLogitsGiven(b, timeBin(delay), pitch + 60);
        const q = softmax(rest.duration, 0, TIME_BINS, uT);
        let u = rng.next();
        let k = 0;
        while (k < TIME_BINS - 1 && (u -= q[k]) >= 0) k++;
        seen.duration.push(Math.min(4, duration));
        seen.drawn.push(binSeconds(k));
      });
    }
  }
  const n = seen.delay.length;
  console.log(`Teacher forcing: the first 1,000 notes of ${pieceRows.length} held-out pieces (${n} notes)\n`);
  console.log(row(['', 'real', 'model']));
  console.log(row(['---', '--:', '--:']));
  console.log(row(['mean delay', ms(mean(seen.delay)), `${ms(mean(seen.expected))} (expected)`]));
  console.log(row(['share of delays in bin 0 (chord notes)', share(seen.chord / n), share(seen.chordP / n)]));
  console.log(row(['median duration', ms(median(seen.duration)), `${ms(median(seen.drawn))} (drawn)`]));
  console.log();
}

if (argv.includes('--prefix')) {
  const length = Number(flag('--prefix', '200'));
  const from = 300;
  const after = 300;
  const buckets = [0, 10, 20, 50, 100, 200, 300];
  const sums = buckets.slice(1).map(() => ({ gd: [], rd: [], gu: [], ru: [] }));
  const long = heldOut.filter((n) => n.length >= from + length + after);
  const network = createStepNetwork(model.config.model, model.weights, 1);
  long.forEach((piece, i) => {
    const start = piece.slice(from, from + length);
    const [made] = generateCandidates(network, {
      start,
      notes: after,
      seed: seed + i,
      sampling,
      ...(model.repetition ? { repetition: model.repetition } : {}),
    });
    made.notes.forEach((note, k) => {
      const bucket = sums[buckets.findIndex((b, j) => k >= b && k < buckets[j + 1])];
      const previous = k === 0 ? start[start.length - 1] : made.notes[k - 1];
      const real = piece[from + length + k];
      bucket.gd.push(note.time - previous.time);
      bucket.rd.push(Math.min(4, real.time - piece[from + length + k - 1].time));
      bucket.gu.push(note.duration);
      bucket.ru.push(Math.min(4, real.duration));
    });
  });
  console.log(`After a ${length}-note real prefix: ${long.length} held-out pieces, generated / real\n`);
  console.log(row(['notes after the prefix', 'mean delay', 'median duration']));
  console.log(row(['---', '--:', '--:']));
  sums.forEach((b, j) => {
    const cells = [`${ms(mean(b.gd))} / ${ms(mean(b.rd))}`, `${ms(median(b.gu))} / ${ms(median(b.ru))}`];
    console.log(row([`${buckets[j] + 1}-${buckets[j + 1]}`, ...cells]));
  });
  console.log();
}

// Free running, as howl eval generates: one batch, piece i from seed + i and a random first note.
const network = createStepNetwork(model.config.model, model.weights, pieces);
const generated = generateCandidates(network, {
  count: pieces,
  notes: notesPerPiece - 1,
  seed,
  sampling,
  ...(model.repetition ? { repetition: model.repetition } : {}),
})
  .sort((a, b) => a.seed - b.seed)
  .map((c) =>
    [...c.start, ...c.notes].map(({ pitch, velocity, time, duration }) => ({
      pitch,
      velocity,
      time,
      duration,
    })),
  );
console.log(`Free running: ${pieces} pieces of ${notesPerPiece} notes, seeds ${seed}-${seed + pieces - 1}\n`);
console.log(row(['notes', 'mean delay', 'delays in bin 0', 'median duration']));
console.log(row(['---', '--:', '--:', '--:']));
for (const [first, last] of [
  [1, 250],
  [251, 750],
  [751, notesPerPiece],
]) {
  const delays = [];
  const durations = [];
  for (const piece of generated) {
    for (let i = Math.max(1, first - 1); i < Math.min(last, piece.length); i++) {
      delays.push(piece[i].time - piece[i - 1].time);
      durations.push(piece[i].duration);
    }
  }
  const chords = delays.filter((d) => timeBin(d) === 0).length / delays.length;
  console.log(row([`${first}-${last}`, ms(mean(delays)), share(chords), ms(median(durations))]));
}
console.log();
console.log(
  row(['pieces', 'mean OA', 'IOI OA', 'notes/s OA', 'duration OA', 'median IOI (real)', 'stalled']),
);
console.log(row(['---', '--:', '--:', '--:', '--:', '--:', '--:']));
for (const [label, cut] of [
  ['whole', (p) => p],
  ['first 250 notes', (p) => p.slice(0, 250)],
  ['last 250 notes', (p) => p.slice(-250)],
]) {
  const result = compareMusic(heldOut, generated.map(cut));
  const f = (name) => result.features.find((x) => x.feature === name);
  const oa = (name) => f(name).overlappedArea.toFixed(2);
  const ioi = f('ioi');
  console.log(
    row([
      label,
      result.meanOverlappedArea.toFixed(3),
      oa('ioi'),
      oa('notesPerSecond'),
      oa('duration'),
      `${ms(ioi.generatedMedian)} (${ms(ioi.realMedian)})`,
      `${result.generated.stalled} / ${pieces}`,
    ]),
  );
}
