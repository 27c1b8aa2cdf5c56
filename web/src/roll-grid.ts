import { barSeconds, beatSeconds, type BeatGrid } from '../../src/public/index.js';
import { endTime, snapTo, timeToX, type SnapGrid, type Viewport } from './roll-geometry.js';

/**
 * The bars and beats the roll draws, as plain numbers (tested without a canvas): a line at each
 * bar, each beat and each snap step that is far enough from its neighbours to be seen, and the bar
 * numbers the ruler shows.
 */

/** One vertical line of the grid, at `x` in the note area. */
export interface GridLine {
  readonly x: number;
  readonly kind: 'bar' | 'beat' | 'step';
  /** The bar's number (1 at the grid's offset) for a bar line that gets a label on the ruler. */
  readonly label?: number;
}

/** Lines closer than this (CSS pixels) are not drawn: bars then thin out by powers of two. */
export const MIN_LINE_PX = 6;
/** Bar numbers at least this far apart. */
export const MIN_LABEL_PX = 28;

/** The smallest power of two `k` with `k * px >= min`. */
function every(px: number, min: number): number {
  let k = 1;
  while (k * px < min && k < 1 << 20) k *= 2;
  return k;
}

/**
 * The grid lines in view, left to right: bars (every one, or every 2nd, 4th ... when bars are
 * narrow), beats when they are at least 6 px apart, and snap steps between beats when snapping and
 * at least 6 px apart.
 */
export function gridLines(view: Viewport, grid: BeatGrid, snap: SnapGrid | null): GridLine[] {
  const bar = barSeconds(grid);
  const beat = beatSeconds(grid);
  const barPx = bar * view.pxPerSecond;
  const barStep = every(barPx, MIN_LINE_PX);
  const labelStep = Math.max(barStep, every(barPx, MIN_LABEL_PX));
  const from = view.startTime;
  const to = endTime(view);
  const lines: GridLine[] = [];
  const firstBar = Math.floor((from - grid.offset) / bar);
  const lastBar = Math.ceil((to - grid.offset) / bar);
  const drawBeats = beat * view.pxPerSecond >= MIN_LINE_PX;
  const stepPx = snap === null ? 0 : snap.step * view.pxPerSecond;
  for (let k = firstBar; k <= lastBar; k++) {
    const start = grid.offset + k * bar;
    if (k % barStep === 0 && start >= from - 1e-9 && start <= to) {
      const number = k + 1;
      lines.push({ x: timeToX(view, start), kind: 'bar', ...(k % labelStep === 0 ? { label: number } : {}) });
    }
    if (!drawBeats) continue;
    const marks: { t: number; kind: 'beat' | 'step' }[] = [];
    for (let b = 1; b < grid.meter.numerator; b++) marks.push({ t: start + b * beat, kind: 'beat' });
    if (snap !== null && stepPx >= MIN_LINE_PX) {
      for (let t = snapTo(start, snap, 'ceil'); t < start + bar - 1e-6; t += snap.step) {
        const onBeat = Math.abs((t - start) / beat - Math.round((t - start) / beat)) < 1e-6;
        if (!onBeat) marks.push({ t, kind: 'step' });
      }
    }
    marks.sort((a, b) => a.t - b.t);
    for (const m of marks) if (m.t >= from && m.t <= to) lines.push({ x: timeToX(view, m.t), kind: m.kind });
  }
  return lines;
}
