import type { BeatGrid, Seconds } from '../../src/public/index.js';
import type { EditorState } from './editor-state.js';
import { gridLines } from './roll-grid.js';
import {
  firstAtOrAfter,
  formatTime,
  isBlackKey,
  pitchName,
  pitchToY,
  tickStep,
  timeToX,
  visibleRange,
  yToPitch,
  type SnapGrid,
  type Viewport,
} from './roll-geometry.js';

/**
 * Drawing the piano roll on a 2D canvas: rows shaded as the keys, a time grid, the notes (velocity
 * as shade, selection in amber, a drag previewed), the cursor and the playhead, the ruler and the
 * keyboard (keys light up while their notes sound). Only the notes that can be visible are touched.
 */

export const KEYBOARD_PX = 64;
export const RULER_PX = 26;

/** A gesture in progress, as the painter previews it. */
export type RollGesture =
  /** `anchor`: the grabbed note's onset (snapping moves it onto the grid). */
  | {
      kind: 'move';
      x0: number;
      y0: number;
      ids: ReadonlySet<number>;
      dt: number;
      dp: number;
      anchor: Seconds;
    }
  /** `anchor`: the grabbed note's onset and end (snapping puts the end on the grid). */
  | { kind: 'stretch'; x0: number; ids: ReadonlySet<number>; d: number; anchor: [Seconds, Seconds] }
  | { kind: 'band'; x0: number; y0: number; x1: number; y1: number; add: boolean; moved: boolean }
  | { kind: 'draw'; time: Seconds; pitch: number; end: Seconds }
  /** Pressed on the ruler at `t0`: a click puts the cursor, a drag chooses a time range. */
  | { kind: 'ruler'; x0: number; t0: Seconds; moved: boolean };

const COLORS = {
  background: '#14161b',
  whiteRow: '#1b1e25',
  blackRow: '#15171c',
  rowLine: '#232731',
  octaveLine: '#323846',
  step: '#20242d',
  grid: '#292e3a',
  gridStrong: '#3c4456',
  barNumber: '#c9d3e6',
  range: 'rgba(255, 209, 102, 0.07)',
  rangeLoop: 'rgba(93, 255, 154, 0.08)',
  rangeRuler: 'rgba(255, 209, 102, 0.35)',
  rangeRulerLoop: 'rgba(93, 255, 154, 0.45)',
  ruler: '#1f232b',
  rulerText: '#9aa3b5',
  keyWhite: '#e9e6df',
  keyBlack: '#22252c',
  keyLine: '#9c9890',
  keyLit: '#7fd6ff',
  selected: '#ffb547',
  selectedEdge: '#fff3dc',
  lockedEdge: '#e2b8ff',
  cursor: '#ffd166',
  playhead: '#5dff9a',
  band: 'rgba(127, 214, 255, 0.12)',
  bandEdge: 'rgba(127, 214, 255, 0.6)',
};

/** Note colour: one hue, darker for soft notes, brighter for loud ones. */
const velocityColor = (velocity: number): string =>
  `hsl(198, 78%, ${Math.round(26 + (velocity / 127) * 46)}%)`;

/** A locked note's colour (*Fill* keeps it): violet, by velocity as the others. */
const lockedColor = (velocity: number): string => `hsl(280, 62%, ${Math.round(30 + (velocity / 127) * 40)}%)`;

/** Everything one frame shows. */
export interface PaintFrame {
  readonly ctx: CanvasRenderingContext2D;
  readonly view: Viewport;
  readonly state: EditorState;
  readonly gesture: RollGesture | null;
  readonly playhead: Seconds | null;
  /** The longest note's duration (how far before the view a visible note can start). */
  readonly longest: Seconds;
  /** Device pixels per CSS pixel. */
  readonly ratio: number;
  /** Tempo, meter and bar 1: the bars and beats drawn. */
  readonly grid: BeatGrid;
  /** The snap grid (its steps drawn faintly between beats), or null when not snapping. */
  readonly snap: SnapGrid | null;
  /** Whether loop playback is on (the range is drawn in the playhead's colour). */
  readonly loop: boolean;
}

/**
 * Paints one frame, layer by layer: rows and grid, notes, cursor and playhead under a clip to the
 * note area, then the ruler and the keyboard around it.
 */
export function paintRoll(frame: PaintFrame): void {
  const { ctx, view, ratio } = frame;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = COLORS.background;
  ctx.fillRect(0, 0, view.width + KEYBOARD_PX, view.height + RULER_PX);

  ctx.save();
  ctx.translate(KEYBOARD_PX, RULER_PX);
  ctx.beginPath();
  ctx.rect(0, 0, view.width, view.height);
  ctx.clip();
  drawRows(frame);
  drawGrid(frame);
  drawNotes(frame);
  drawGesture(frame);
  drawMarkers(frame);
  ctx.restore();

  drawRuler(frame);
  drawKeyboard(frame);
}

function visiblePitches(view: Viewport): [number, number] {
  const top = Math.min(119, Math.ceil(view.topPitch));
  const bottom = Math.max(0, yToPitch(view, view.height));
  return [bottom, top];
}

/** Rows shaded as the keys, a line under each (stronger at every C). */
function drawRows({ ctx, view }: PaintFrame): void {
  const [bottom, top] = visiblePitches(view);
  const h = view.pxPerSemitone;
  for (let p = bottom; p <= top; p++) {
    const y = pitchToY(view, p);
    ctx.fillStyle = isBlackKey(p) ? COLORS.blackRow : COLORS.whiteRow;
    ctx.fillRect(0, y, view.width, h);
    ctx.fillStyle = p % 12 === 0 ? COLORS.octaveLine : COLORS.rowLine;
    ctx.fillRect(0, y + h - 1, view.width, 1);
  }
}

/** Bars (strong), beats and, when snapping, the snap steps; the ruler's range shaded behind. */
function drawGrid({ ctx, view, grid, snap, state, loop }: PaintFrame): void {
  if (state.range !== null) {
    const x0 = timeToX(view, state.range.start);
    ctx.fillStyle = loop ? COLORS.rangeLoop : COLORS.range;
    ctx.fillRect(x0, 0, timeToX(view, state.range.end) - x0, view.height);
  }
  for (const line of gridLines(view, grid, snap)) {
    ctx.fillStyle =
      line.kind === 'bar' ? COLORS.gridStrong : line.kind === 'beat' ? COLORS.grid : COLORS.step;
    ctx.fillRect(Math.round(line.x), 0, 1, view.height);
  }
}

const noteHeight = (view: Viewport): number => Math.max(2, view.pxPerSemitone - 2);

/**
 * The notes that can be visible; selected ones in amber, moved or stretched as the drag goes;
 * locked ones violet with a light violet edge (amber inside it when selected too).
 */
function drawNotes({ ctx, view, state, gesture, longest }: PaintFrame): void {
  const notes = state.notes;
  const [from, to] = visibleRange(view, notes, longest);
  const h = noteHeight(view);
  const moving = gesture?.kind === 'move' ? gesture : null;
  const stretching = gesture?.kind === 'stretch' ? gesture : null;
  for (let i = from; i < to; i++) {
    const n = notes[i]!;
    const selected = state.selected.has(n.id);
    let time = n.time;
    let pitch = n.pitch;
    let duration = n.duration;
    if (selected && moving) {
      ctx.fillStyle = 'rgba(255, 181, 71, 0.18)';
      ctx.fillRect(
        timeToX(view, time),
        pitchToY(view, pitch) + 1,
        Math.max(2, duration * view.pxPerSecond),
        h,
      );
      time = Math.max(0, time + moving.dt);
      pitch = Math.min(119, Math.max(0, pitch + moving.dp));
    }
    if (selected && stretching) duration = Math.max(0.01, duration + stretching.d);
    const x = timeToX(view, time);
    const w = Math.max(2, duration * view.pxPerSecond - 1);
    const y = pitchToY(view, pitch) + 1;
    if (x > view.width || x + w < 0) continue;
    const locked = n.locked === true;
    ctx.fillStyle = selected ? COLORS.selected : locked ? lockedColor(n.velocity) : velocityColor(n.velocity);
    ctx.fillRect(x, y, w, h);
    if (selected || locked) {
      ctx.strokeStyle = locked ? COLORS.lockedEdge : COLORS.selectedEdge;
      ctx.lineWidth = locked ? 2 : 1;
      if (locked) ctx.strokeRect(x + 1, y + 1, Math.max(0, w - 2), Math.max(0, h - 2));
      else ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
    }
  }
}

/** A note being drawn, or the selection band. */
function drawGesture({ ctx, view, gesture }: PaintFrame): void {
  if (gesture?.kind === 'draw') {
    const x = timeToX(view, gesture.time);
    ctx.fillStyle = COLORS.selected;
    ctx.fillRect(
      x,
      pitchToY(view, gesture.pitch) + 1,
      Math.max(2, (gesture.end - gesture.time) * view.pxPerSecond),
      noteHeight(view),
    );
  }
  if (gesture?.kind === 'band' && gesture.moved) {
    const x = Math.min(gesture.x0, gesture.x1);
    const y = Math.min(gesture.y0, gesture.y1);
    const w = Math.abs(gesture.x1 - gesture.x0);
    const hh = Math.abs(gesture.y1 - gesture.y0);
    ctx.fillStyle = COLORS.band;
    ctx.fillRect(x, y, w, hh);
    ctx.strokeStyle = COLORS.bandEdge;
    ctx.strokeRect(x + 0.5, y + 0.5, w, hh);
  }
}

/** The cursor (dashed) and the playhead across the note area. */
function drawMarkers({ ctx, view, state, playhead }: PaintFrame): void {
  const cx = Math.round(timeToX(view, state.cursor));
  ctx.fillStyle = COLORS.cursor;
  ctx.globalAlpha = 0.8;
  for (let y = 0; y < view.height; y += 8) ctx.fillRect(cx, y, 1, 4);
  ctx.globalAlpha = 1;
  if (playhead !== null) {
    ctx.fillStyle = COLORS.playhead;
    ctx.fillRect(Math.round(timeToX(view, playhead)) - 1, 0, 2, view.height);
  }
}

/** The time ruler: bar numbers above, times below, the range, the cursor's marker and the playhead. */
function drawRuler(frame: PaintFrame): void {
  const { ctx, view, state, playhead, loop } = frame;
  ctx.fillStyle = COLORS.ruler;
  ctx.fillRect(KEYBOARD_PX, 0, view.width, RULER_PX);
  ctx.fillRect(0, 0, KEYBOARD_PX, RULER_PX);
  if (state.range !== null) {
    const x0 = Math.max(KEYBOARD_PX, KEYBOARD_PX + timeToX(view, state.range.start));
    const x1 = KEYBOARD_PX + timeToX(view, state.range.end);
    ctx.fillStyle = loop ? COLORS.rangeRulerLoop : COLORS.rangeRuler;
    if (x1 > x0) ctx.fillRect(x0, 0, x1 - x0, RULER_PX - 1);
  }
  ctx.font = '10px ui-sans-serif, system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = COLORS.barNumber;
  for (const line of gridLines(view, frame.grid, null)) {
    if (line.label === undefined || line.x < 0) continue;
    const x = KEYBOARD_PX + Math.round(line.x);
    ctx.fillRect(x, 0, 1, 11);
    ctx.fillText(String(line.label), x + 3, 6);
  }
  const step = tickStep(view.pxPerSecond, 80);
  ctx.fillStyle = COLORS.rulerText;
  const first = Math.floor(view.startTime / step) * step;
  for (let t = first; timeToX(view, t) < view.width; t += step) {
    const x = KEYBOARD_PX + Math.round(timeToX(view, t));
    if (x < KEYBOARD_PX) continue;
    ctx.fillRect(x, RULER_PX - 6, 1, 6);
    ctx.fillText(formatTime(t, step), x + 4, RULER_PX - 7);
  }
  const cx = KEYBOARD_PX + timeToX(view, state.cursor);
  if (cx >= KEYBOARD_PX) {
    ctx.fillStyle = COLORS.cursor;
    ctx.beginPath();
    ctx.moveTo(cx - 6, RULER_PX - 9);
    ctx.lineTo(cx + 6, RULER_PX - 9);
    ctx.lineTo(cx, RULER_PX - 1);
    ctx.fill();
  }
  if (playhead !== null) {
    ctx.fillStyle = COLORS.playhead;
    ctx.fillRect(KEYBOARD_PX + Math.round(timeToX(view, playhead)) - 1, 0, 2, RULER_PX);
  }
  ctx.fillStyle = '#2c313c';
  ctx.fillRect(0, RULER_PX - 1, view.width + KEYBOARD_PX, 1);
}

/** Keys of the notes sounding at the playhead light up. */
function soundingPitches({ state, playhead, longest }: PaintFrame): Set<number> {
  const at = playhead;
  const lit = new Set<number>();
  if (at === null) return lit;
  const notes = state.notes;
  const end = firstAtOrAfter(notes, at + 1e-9);
  for (let i = firstAtOrAfter(notes, at - longest); i < end; i++) {
    const n = notes[i]!;
    if (n.time + n.duration > at) lit.add(n.pitch);
  }
  return lit;
}

/** The keyboard on the left: white keys (named at every C), then the black keys over them. */
function drawKeyboard(frame: PaintFrame): void {
  const { ctx, view } = frame;
  const [bottom, top] = visiblePitches(view);
  const h = view.pxPerSemitone;
  const lit = soundingPitches(frame);
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, RULER_PX, KEYBOARD_PX, view.height);
  ctx.clip();
  ctx.translate(0, RULER_PX);
  ctx.fillStyle = COLORS.keyWhite;
  ctx.fillRect(0, 0, KEYBOARD_PX, view.height);
  ctx.font = `${Math.min(11, Math.max(8, h - 2))}px ui-sans-serif, system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  for (let p = bottom; p <= top; p++) {
    const y = pitchToY(view, p);
    if (!isBlackKey(p)) {
      if (lit.has(p)) {
        ctx.fillStyle = COLORS.keyLit;
        ctx.fillRect(0, y, KEYBOARD_PX, h);
      }
      // A line under B and E (where two white keys meet) and at every C.
      if (p % 12 === 0 || p % 12 === 5) {
        ctx.fillStyle = COLORS.keyLine;
        ctx.fillRect(0, y + h - 0.5, KEYBOARD_PX, 1);
      }
      if (p % 12 === 0 && h >= 7) {
        ctx.fillStyle = '#3a3d44';
        ctx.fillText(pitchName(p), KEYBOARD_PX - 26, y + h / 2);
      }
    }
  }
  for (let p = bottom; p <= top; p++) {
    if (!isBlackKey(p)) continue;
    const y = pitchToY(view, p);
    ctx.fillStyle = lit.has(p) ? COLORS.keyLit : COLORS.keyBlack;
    ctx.fillRect(0, y, KEYBOARD_PX * 0.6, h);
  }
  ctx.restore();
  ctx.fillStyle = '#0c0d10';
  ctx.fillRect(KEYBOARD_PX - 1, RULER_PX, 1, view.height);
}
