// The suffix's information under a count model (docs/models.md, "Filling gaps"): for the gaps of a
// `howl eval --infill` report, each gap note's pitch class scored by the histogram of the 32 notes before
// it, with and without the suffix's first 32 notes, and a velocity guess with and without the suffix's
// loudness. Build first (`npm run build`). Usage: node scripts/infill-suffix-signal.mjs DATA.howl REPORT/infill.json
import { readFileSync } from 'node:fs';
import { decodeDataset, fileNotes } from '../dist/data/dataset-format.js';
const [data, report] = process.argv.slice(2);
const d = decodeDataset(new Uint8Array(readFileSync(data)), data);
const r = JSON.parse(readFileSync(report, 'utf8'));
const byPath = new Map(d.files.map((f, i) => [f.path, i]));
let n = 0,
  pcA = 0,
  pcB = 0,
  vA = 0,
  vB = 0;
const q = [
  [0, 0, 0],
  [0, 0, 0],
  [0, 0, 0],
  [0, 0, 0],
];
for (const g of r.perGap) {
  const notes = fileNotes(d, byPath.get(g.file));
  const before = notes.filter((x) => x.time < g.from),
    inside = notes.filter((x) => x.time >= g.from && x.time < g.to),
    after = notes.filter((x) => x.time >= g.to).slice(0, 32);
  const recent = before.slice(-32);
  for (let k = 0; k < inside.length; k++) {
    const window = [...recent, ...inside.slice(0, k)].slice(-32);
    const hA = new Array(12).fill(0.5),
      hB = new Array(12).fill(0.5);
    for (const x of window) {
      hA[x.pitch % 12]++;
      hB[x.pitch % 12]++;
    }
    const frac = (inside[k].time - g.from) / (g.to - g.from);
    for (const x of after) hB[x.pitch % 12] += frac * 1.0;
    const sA = hA.reduce((a, b) => a + b),
      sB = hB.reduce((a, b) => a + b);
    const a = -Math.log(hA[inside[k].pitch % 12] / sA),
      b = -Math.log(hB[inside[k].pitch % 12] / sB);
    pcA += a;
    pcB += b;
    const qi = Math.min(3, Math.floor(4 * frac));
    q[qi][0] += a;
    q[qi][1] += b;
    q[qi][2]++;
    // velocity: Laplace-ish on 32 bins around a local mean
    const mean = (xs) => xs.reduce((s, x) => s + x.velocity, 0) / xs.length;
    const mA = mean(window.slice(-16));
    const mS = after.length ? mean(after) : mA;
    const mB = (1 - frac) * mA + frac * mS;
    const nll = (m) => {
      const z = [];
      for (let b = 0; b < 32; b++) z.push(Math.exp(-Math.abs(b * 4 + 1.5 - m) / 8));
      const s = z.reduce((a, c) => a + c);
      return -Math.log(z[Math.min(31, inside[k].velocity >> 2)] / s);
    };
    vA += nll(mA);
    vB += nll(mB);
    n++;
  }
}
console.log(
  `${n} notes; pitch class: recent ${(pcA / n).toFixed(3)}, + suffix ${(pcB / n).toFixed(3)}, gain ${((pcA - pcB) / n).toFixed(3)}; by quarter ${q.map(([a, b, c]) => ((a - b) / c).toFixed(3)).join(', ')}`,
);
console.log(
  `velocity: recent ${(vA / n).toFixed(3)}, blended with suffix ${(vB / n).toFixed(3)}, gain ${((vA - vB) / n).toFixed(3)}`,
);
