import type { CurvePoint } from '../model/checkpoint/checkpoint.js';

/** Options of `renderLossPlot`. */
export interface LossPlotOptions {
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
}

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

function niceNumber(x: number): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1000 || abs < 0.01) return x.toExponential(1);
  return Number(x.toPrecision(3)).toString();
}

/**
 * Draws training and validation loss curves as a small standalone SVG (no dependencies): steps
 * on x, loss on y, with axes, five ticks each, a legend and the best validation point marked.
 * Non-finite points are left out.
 *
 * @param train - training loss points (e.g. the mean over each validation interval)
 * @param validation - validation loss points
 * @param options - size (default 720 × 360) and title
 * @returns the SVG document
 * @example await writeFileAtomic('runs/piano/loss.svg', renderLossPlot(curves.train, curves.validation));
 */
export function renderLossPlot(
  train: readonly CurvePoint[],
  validation: readonly CurvePoint[],
  options: LossPlotOptions = {},
): string {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const title = options.title ?? 'loss';
  const margin = { left: 64, right: 16, top: 32, bottom: 40 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const clean = (points: readonly CurvePoint[]): CurvePoint[] =>
    points.filter((p) => Number.isFinite(p.step) && Number.isFinite(p.loss));
  const series = [
    { name: 'train', color: '#1f77b4', points: clean(train) },
    { name: 'validation', color: '#d62728', points: clean(validation) },
  ];
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p.step));
  const xMin = Math.min(xMax - 1, ...all.map((p) => p.step));
  let yMin = Math.min(...all.map((p) => p.loss));
  let yMax = Math.max(...all.map((p) => p.loss));
  if (!Number.isFinite(yMin)) [yMin, yMax] = [0, 1];
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad;
  yMax += pad;
  const x = (step: number): number => margin.left + ((step - xMin) / (xMax - xMin)) * plotW;
  const y = (loss: number): number => margin.top + (1 - (loss - yMin) / (yMax - yMin)) * plotH;
  const f = (n: number): string => n.toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
  );
  for (let i = 0; i <= 4; i++) {
    const yv = yMin + ((yMax - yMin) * i) / 4;
    const xv = xMin + ((xMax - xMin) * i) / 4;
    out.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(y(yv))}" y2="${f(y(yv))}" stroke="#eee"/>`,
      `<text x="${margin.left - 6}" y="${f(y(yv) + 4)}" text-anchor="end">${niceNumber(yv)}</text>`,
      `<text x="${f(x(xv))}" y="${margin.top + plotH + 16}" text-anchor="middle">${Math.round(xv)}</text>`,
    );
  }
  out.push(`<text x="${margin.left + plotW / 2}" y="${height - 6}" text-anchor="middle">step</text>`);
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(x(p.step))},${f(y(p.loss))}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
    if (s.points.length === 1) {
      const p = s.points[0] as CurvePoint;
      out.push(`<circle cx="${f(x(p.step))}" cy="${f(y(p.loss))}" r="2.5" fill="${s.color}"/>`);
    }
  }
  const val = series[1]?.points ?? [];
  if (val.length > 0) {
    const best = val.reduce((a, b) => (b.loss < a.loss ? b : a));
    const span = Math.max(1, xMax - xMin);
    const labelAnchor = (step: number): string =>
      (step - xMin) / span > 0.85 ? 'end' : (step - xMin) / span < 0.15 ? 'start' : 'middle';
    out.push(
      `<circle cx="${f(x(best.step))}" cy="${f(y(best.loss))}" r="4" fill="none" stroke="#d62728"/>`,
      // Keep the label inside the plot: right-aligned near the right edge, left-aligned near the left.
      `<text x="${f(x(best.step))}" y="${f(y(best.loss) - 8)}" text-anchor="${labelAnchor(best.step)}" fill="#d62728">best ${niceNumber(best.loss)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const lx = margin.left + plotW - 110;
    const ly = margin.top + 14 + 16 * i;
    out.push(
      `<line x1="${lx}" x2="${lx + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${lx + 26}" y="${ly}">${s.name}</text>`,
    );
  });
  out.push('</svg>\n');
  return out.join('\n');
}
