// Prints the model comparison tables of docs/models.md from `howl eval` reports.
// Usage: node scripts/model-table.mjs NAME=path/to/report.json [NAME=...]
// The baselines' row is taken from the first report (every report must score the same split).
import { readFileSync } from 'node:fs';

const reports = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf('=');
  if (at < 1) throw new Error(`expected NAME=report.json, got ${arg}`);
  return { name: arg.slice(0, at), report: JSON.parse(readFileSync(arg.slice(at + 1), 'utf8')) };
});
if (reports.length === 0) throw new Error('give at least one NAME=report.json');
const n3 = (x) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '–');
const n2 = (x) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(2) : '–');
const int = (x) => Math.round(x).toLocaleString('en-US');

const first = reports[0].report;
for (const { name, report } of reports) {
  if (report.dataPath !== first.dataPath || report.split !== first.split) {
    throw new Error(
      `${name}: scored on ${report.dataPath} ${report.split}, not ${first.dataPath} ${first.split}`,
    );
  }
}

console.log(
  '| model | training | pitch | delay | duration | velocity | **total** | mean OA | stalled | notes/s |',
);
console.log('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|');
for (const { name, report } of reports) {
  const m = report.likelihood.model;
  const t = report.training;
  const training = t ? `${int(t.steps)} steps, ${Math.round(t.seconds / 60)} min` : '–';
  const music = report.music;
  console.log(
    `| ${name} | ${training} | ${n3(m.pitch)} | ${n3(m.delay)} | ${n3(m.duration)} | ${n3(m.velocity)} | **${n3(m.total)}** | ${n3(music?.meanOverlappedArea)} | ${music ? `${music.generated.stalled}/${music.generated.pieces}` : '–'} | ${music ? int(music.notesPerSecond) : '–'} |`,
  );
}
const b = first.likelihood.baselines;
console.log(
  `| bigram pitch, training histograms | counted | ${n3(b.bigramPitch)} | ${n3(b.delay)} | ${n3(b.duration)} | ${n3(b.velocity)} | **${n3(b.total)}** | | | |`,
);

const features = first.music?.features.map((f) => f.feature) ?? [];
if (features.length) {
  console.log('');
  console.log(`| model | ${features.join(' | ')} | repeat coverage |`);
  console.log(`|---|${features.map(() => '--:').join('|')}|--:|`);
  for (const { name, report } of reports) {
    if (!report.music) continue;
    const oa = new Map(report.music.features.map((f) => [f.feature, f.overlappedArea]));
    console.log(
      `| ${name} | ${features.map((f) => n2(oa.get(f))).join(' | ')} | ${n3(report.music.generated.meanRepeatCoverage)} |`,
    );
  }
}
