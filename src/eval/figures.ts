import type { EvalResult } from './evaluate.js';
import type { FeatureComparison } from './similarity.js';

/**
 * The report's figures as small standalone SVG documents (no plotting dependency, the house style
 * of `train/loss-plot.ts`): grouped bars of the model's NLL against the baselines, and one panel per
 * feature overlaying the real and generated histograms.
 */

const MODEL_COLOR = '#1f77b4';
const BASELINE_COLOR = '#7f7f7f';
const UNIGRAM_COLOR = '#c7c7c7';
const REAL_COLOR = '#9e9e9e';
const GENERATED_COLOR = '#d62728';

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

const f = (n: number): string => n.toFixed(1);

function svgOpen(width: number, height: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
  ];
}

/** A tick step of 1, 2 or 5 × 10^k giving about `ticks` ticks up to `max`. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

/**
 * Grouped bars: the model's nats per note on each attribute and the total, beside the baselines
 * (unigram and bigram for pitch; the training histograms for the rest).
 *
 * @param result - the evaluation
 * @returns the SVG document
 */
export function nllBarsSvg(result: EvalResult): string {
  const { model, baselines } = result.likelihood;
  const groups: { label: string; bars: { name: string; value: number; color: string }[] }[] = [
    {
      label: 'pitch',
      bars: [
        { name: 'model', value: model.pitch, color: MODEL_COLOR },
        { name: 'bigram', value: baselines.bigramPitch, color: BASELINE_COLOR },
        { name: 'unigram', value: baselines.unigramPitch, color: UNIGRAM_COLOR },
      ],
    },
    ...(['delay', 'duration', 'velocity'] as const).map((a) => ({
      label: a,
      bars: [
        { name: 'model', value: model[a], color: MODEL_COLOR },
        { name: 'histogram', value: baselines[a], color: BASELINE_COLOR },
      ],
    })),
    {
      label: 'total',
      bars: [
        { name: 'model', value: model.total, color: MODEL_COLOR },
        { name: 'baselines', value: baselines.total, color: BASELINE_COLOR },
      ],
    },
  ];
  const width = 720;
  const height = 380;
  const margin = { left: 56, right: 16, top: 60, bottom: 40 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter(Number.isFinite);
  const top = Math.max(1e-9, ...values) * 1.12;
  const step = niceStep(top, 5);
  const y = (v: number): number => margin.top + plotH - (Math.max(0, v) / top) * plotH;
  const out = svgOpen(
    width,
    height,
    `nats per note on the shared grid, ${result.split} split (lower is better)`,
  );
  for (let v = 0; v <= top; v += step) {
    out.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#eee"/>`,
      `<text x="${margin.left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${Number(v.toPrecision(3))}</text>`,
    );
  }
  out.push(
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(y(0))}" y2="${f(y(0))}" stroke="#888"/>`,
  );
  const groupW = plotW / groups.length;
  const barW = Math.min(40, (groupW * 0.8) / 3);
  groups.forEach((g, gi) => {
    const x0 = margin.left + gi * groupW + (groupW - barW * g.bars.length) / 2;
    g.bars.forEach((b, bi) => {
      const x = x0 + bi * barW;
      const h = y(0) - y(b.value);
      out.push(
        `<rect x="${f(x + 1)}" y="${f(y(b.value))}" width="${f(barW - 2)}" height="${f(h)}" fill="${b.color}"><title>${escapeXml(`${g.label}, ${b.name}: ${b.value.toFixed(3)}`)}</title></rect>`,
        `<text x="${f(x + barW / 2)}" y="${f(y(b.value) - 4)}" text-anchor="middle" font-size="9">${Number.isFinite(b.value) ? b.value.toFixed(2) : '–'}</text>`,
      );
    });
    out.push(
      `<text x="${f(margin.left + (gi + 0.5) * groupW)}" y="${margin.top + plotH + 16}" text-anchor="middle">${g.label}</text>`,
    );
  });
  const legend = [
    ['model', MODEL_COLOR],
    ['bigram pitch / training histograms', BASELINE_COLOR],
    ['unigram pitch', UNIGRAM_COLOR],
  ] as const;
  let lx = margin.left + 8;
  legend.forEach(([name, color]) => {
    out.push(
      `<rect x="${lx}" y="30" width="12" height="10" fill="${color}"/>`,
      `<text x="${lx + 16}" y="39">${escapeXml(name)}</text>`,
    );
    lx += 40 + name.length * 6;
  });
  out.push('</svg>\n');
  return out.join('\n');
}

/** The bins worth drawing: from the first to the last with a count on either side. */
function shownRange(c: FeatureComparison): [number, number] {
  let first = c.real.length;
  let last = -1;
  c.real.forEach((r, i) => {
    if (r > 0 || (c.generated[i] ?? 0) > 0) {
      first = Math.min(first, i);
      last = Math.max(last, i);
    }
  });
  return last < 0 ? [0, c.real.length - 1] : [first, last];
}

/** One panel: the real histogram as grey bars, the generated one as a red outline, both normalised. */
function panel(c: FeatureComparison, x0: number, y0: number, w: number, h: number): string[] {
  const margin = { left: 36, right: 8, top: 20, bottom: 30 };
  const plotW = w - margin.left - margin.right;
  const plotH = h - margin.top - margin.bottom;
  const [first, last] = shownRange(c);
  const n = last - first + 1;
  const norm = (counts: readonly number[]): number[] => {
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.slice(first, last + 1).map((v) => (total > 0 ? v / total : 0));
  };
  const real = norm(c.real);
  const gen = norm(c.generated);
  const top = Math.max(1e-9, ...real, ...gen) * 1.08;
  const bx = (i: number): number => x0 + margin.left + (i / n) * plotW;
  const by = (p: number): number => y0 + margin.top + plotH - (p / top) * plotH;
  const oa = c.overlappedArea === null ? '–' : c.overlappedArea.toFixed(3);
  const out = [
    `<text x="${f(x0 + margin.left)}" y="${f(y0 + 14)}" font-size="12">${escapeXml(c.title)}: OA ${oa}</text>`,
    `<rect x="${f(x0 + margin.left)}" y="${f(y0 + margin.top)}" width="${f(plotW)}" height="${f(plotH)}" fill="none" stroke="#ccc"/>`,
  ];
  real.forEach((p, i) => {
    if (p > 0) {
      out.push(
        `<rect x="${f(bx(i))}" y="${f(by(p))}" width="${f(Math.max(0.5, plotW / n - 0.5))}" height="${f(by(0) - by(p))}" fill="${REAL_COLOR}"/>`,
      );
    }
  });
  const path = gen.map(
    (p, i) => `${i === 0 ? 'M' : 'L'}${f(bx(i))},${f(by(p))} L${f(bx(i + 1))},${f(by(p))}`,
  );
  out.push(`<path d="${path.join(' ')}" fill="none" stroke="${GENERATED_COLOR}" stroke-width="1.2"/>`);
  out.push(
    `<text x="${f(x0 + margin.left - 4)}" y="${f(by(top / 1.08) + 4)}" text-anchor="end" font-size="9">${(top / 1.08).toFixed(2)}</text>`,
    `<text x="${f(x0 + margin.left - 4)}" y="${f(by(0))}" text-anchor="end" font-size="9">0</text>`,
  );
  const ticks = Math.min(n, 5);
  for (let k = 0; k < ticks; k++) {
    const i = ticks === 1 ? 0 : Math.round((k * (n - 1)) / (ticks - 1));
    const anchor = ticks > 1 && k === 0 ? 'start' : ticks > 1 && k === ticks - 1 ? 'end' : 'middle';
    const x = anchor === 'start' ? bx(i) : anchor === 'end' ? bx(i + 1) : bx(i + 0.5);
    out.push(
      `<line x1="${f(bx(i + 0.5))}" x2="${f(bx(i + 0.5))}" y1="${f(by(0))}" y2="${f(by(0) + 3)}" stroke="#888"/>`,
      `<text x="${f(x)}" y="${f(y0 + margin.top + plotH + 13)}" text-anchor="${anchor}" font-size="9">${escapeXml(c.ticks[first + i] ?? '')}</text>`,
    );
  }
  return out;
}

/**
 * Small multiples: for each feature, the held-out music's histogram (grey bars) and the generated
 * music's (red line), normalised, with their Overlapped Area.
 *
 * @param features - the comparisons (`compareMusic(...).features`)
 * @param title - the figure's title
 * @param summary - lines of text for the cell after the last panel (e.g. the mean OA)
 * @returns the SVG document
 */
export function histogramsSvg(
  features: readonly FeatureComparison[],
  title: string,
  summary: readonly string[] = [],
): string {
  const columns = 2;
  const panelW = 400;
  const panelH = 170;
  const rows = Math.ceil((features.length + (summary.length ? 1 : 0)) / columns);
  const width = columns * panelW;
  const height = 48 + rows * panelH;
  const out = svgOpen(width, height, title);
  out.push(
    `<rect x="${width / 2 - 150}" y="28" width="12" height="10" fill="${REAL_COLOR}"/>`,
    `<text x="${width / 2 - 134}" y="37">held-out music</text>`,
    `<line x1="${width / 2 + 10}" x2="${width / 2 + 30}" y1="33" y2="33" stroke="${GENERATED_COLOR}" stroke-width="2"/>`,
    `<text x="${width / 2 + 36}" y="37">generated</text>`,
  );
  features.forEach((c, i) => {
    out.push(...panel(c, (i % columns) * panelW, 44 + Math.floor(i / columns) * panelH, panelW, panelH));
  });
  const cell = features.length;
  summary.forEach((text, k) => {
    const x = (cell % columns) * panelW + 36;
    const y = 44 + Math.floor(cell / columns) * panelH + 34 + k * 18;
    out.push(`<text x="${x}" y="${y}" font-size="12">${escapeXml(text)}</text>`);
  });
  out.push('</svg>\n');
  return out.join('\n');
}
