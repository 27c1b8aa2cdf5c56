import {
  addNote,
  moveNotes,
  notesInRect,
  select,
  setCursor,
  setRange,
  stretchNotes,
  type EditorNote,
} from './editor-state.js';
import {
  clampViewport,
  hitTest,
  snapTo,
  xToTime,
  yToPitch,
  zoomPitch,
  zoomTime,
  type Viewport,
} from './roll-geometry.js';
import { KEYBOARD_PX, RULER_PX, type RollGesture } from './roll-painter.js';
import type { PianoRollOptions } from './piano-roll.js';

/**
 * The piano roll's pointer gestures (`piano-roll.ts` mounts the roll and calls `installGestures`):
 * click a note to select it (shift adds), drag to move it in time and pitch, drag its right end to
 * stretch, drag on empty space to select a region, double-click (or the draw tool) to add a note,
 * click the ruler or empty space to put the cursor. Wheel scrolls pitch, shift-wheel time, ctrl-wheel
 * zooms time and alt-wheel zooms pitch. A drag is previewed (`gesture`) and commits one edit on release.
 */

/** What the gestures read and change of the roll. */
export interface RollState {
  readonly canvas: HTMLCanvasElement;
  readonly options: PianoRollOptions;
  view: Viewport;
  /** The gesture in progress, which the painter previews. */
  gesture: RollGesture | null;
  /** The longest of these notes' durations (cached per note list). */
  readonly longest: (notes: readonly EditorNote[]) => number;
  /** Redraws on the next animation frame. */
  readonly invalidate: () => void;
}

/** Listens to the canvas's pointer, double-click and wheel events. */
export function installGestures(r: RollState): void {
  const { canvas } = r;
  canvas.addEventListener('pointerdown', (event) => pointerDown(r, event));
  canvas.addEventListener('pointermove', (event) => pointerMove(r, event));
  canvas.addEventListener('pointerup', () => finishGesture(r));
  canvas.addEventListener('pointercancel', () => {
    r.gesture = null;
    r.invalidate();
  });
  canvas.addEventListener('dblclick', (event) => doubleClick(r, event));
  canvas.addEventListener('wheel', (event) => wheel(r, event), { passive: false });
}

/**
 * `t` on the snap grid when snapping is on (and alt is not held: alt drags freely), else `t`.
 * Never before 0 s.
 */
function snapped(r: RollState, t: number, event: MouseEvent, how: 'nearest' | 'floor' = 'nearest'): number {
  const snap = r.options.getSnap();
  if (snap === null || event.altKey) return Math.max(0, t);
  const at = snapTo(t, snap, how);
  return at < 0 ? at + snap.step * Math.ceil(-at / snap.step - 1e-9) : at;
}

/** The event's position in the note area (negative over the keyboard or the ruler). */
function local(r: RollState, event: MouseEvent): { x: number; y: number } {
  const box = r.canvas.getBoundingClientRect();
  return { x: event.clientX - box.left - KEYBOARD_PX, y: event.clientY - box.top - RULER_PX };
}

function pointerDown(r: RollState, event: PointerEvent): void {
  const { canvas, options } = r;
  if (event.button !== 0) return;
  canvas.focus();
  const { x, y } = local(r, event);
  const state = options.getState();
  if (state.generation !== null && options.getTool() === 'draw') return;
  canvas.setPointerCapture(event.pointerId);
  if (y < 0 && x >= 0) {
    const t0 = snapped(r, xToTime(r.view, x), event);
    r.gesture = { kind: 'ruler', x0: x, t0, moved: false };
    options.update((s) => setCursor(s, t0));
    return;
  }
  if (x < 0) return;
  const hit = hitTest(r.view, state.notes, r.longest(state.notes), x, y);
  if (hit !== null) {
    let ids = state.selected;
    if (event.shiftKey || event.metaKey || event.ctrlKey) {
      options.update((s) => select(s, [hit.id], 'toggle'));
      ids = options.getState().selected;
      if (!ids.has(hit.id)) return;
    } else if (!ids.has(hit.id)) {
      options.update((s) => select(s, [hit.id]));
      ids = options.getState().selected;
    }
    const grabbed = state.notes.find((n) => n.id === hit.id)!;
    r.gesture =
      hit.part === 'end'
        ? { kind: 'stretch', x0: x, ids, d: 0, anchor: [grabbed.time, grabbed.time + grabbed.duration] }
        : { kind: 'move', x0: x, y0: y, ids, dt: 0, dp: 0, anchor: grabbed.time };
    r.invalidate();
    return;
  }
  if (options.getTool() === 'draw') {
    const time = snapped(r, xToTime(r.view, x), event, 'floor');
    r.gesture = { kind: 'draw', time, pitch: yToPitch(r.view, y), end: time + noteLength(r, event) };
  } else {
    r.gesture = { kind: 'band', x0: x, y0: y, x1: x, y1: y, add: event.shiftKey, moved: false };
  }
  r.invalidate();
}

function pointerMove(r: RollState, event: PointerEvent): void {
  const { canvas, options, gesture } = r;
  const { x, y } = local(r, event);
  if (gesture === null) {
    const state = options.getState();
    const hit = x >= 0 && y >= 0 ? hitTest(r.view, state.notes, r.longest(state.notes), x, y) : null;
    canvas.style.cursor =
      hit?.part === 'end'
        ? 'ew-resize'
        : hit
          ? 'grab'
          : options.getTool() === 'draw'
            ? 'crosshair'
            : 'default';
    return;
  }
  switch (gesture.kind) {
    case 'ruler': {
      gesture.moved ||= Math.abs(x - gesture.x0) > 4;
      const t1 = snapped(r, xToTime(r.view, Math.max(0, x)), event);
      if (gesture.moved) options.update((s) => setRange(s, gesture.t0, t1));
      break;
    }
    case 'move': {
      const dt = (x - gesture.x0) / r.view.pxPerSecond;
      gesture.dt = snapped(r, gesture.anchor + dt, event) - gesture.anchor;
      gesture.dp = Math.round((gesture.y0 - y) / r.view.pxPerSemitone);
      canvas.style.cursor = 'grabbing';
      break;
    }
    case 'stretch': {
      const [start, end] = gesture.anchor;
      const to = snapped(r, end + (x - gesture.x0) / r.view.pxPerSecond, event);
      const step = event.altKey ? 0 : (options.getSnap()?.step ?? 0);
      gesture.d = Math.max(to, start + step) - end;
      break;
    }
    case 'band':
      gesture.x1 = x;
      gesture.y1 = y;
      gesture.moved ||= Math.abs(x - gesture.x0) + Math.abs(y - gesture.y0) > 4;
      break;
    case 'draw':
      gesture.end = Math.max(
        gesture.time + noteLength(r, event, 0.02),
        snapped(r, xToTime(r.view, x), event),
      );
      break;
  }
  r.invalidate();
}

/** The pointer is released: the gesture becomes one edit. */
function finishGesture(r: RollState): void {
  const { options } = r;
  const g = r.gesture;
  r.gesture = null;
  if (g === null) return;
  switch (g.kind) {
    case 'move':
      if (g.dt !== 0 || g.dp !== 0) options.update((s) => moveNotes(s, g.ids, g.dt, g.dp));
      break;
    case 'stretch':
      if (g.d !== 0) options.update((s) => stretchNotes(s, g.ids, g.d));
      break;
    case 'band':
      if (g.moved) {
        const ids = notesInRect(
          options.getState().notes,
          xToTime(r.view, g.x0),
          xToTime(r.view, g.x1),
          yToPitch(r.view, g.y0),
          yToPitch(r.view, g.y1),
        );
        options.update((s) => select(s, ids, g.add ? 'add' : 'replace'));
      } else {
        options.update((s) => setCursor(g.add ? s : select(s, []), xToTime(r.view, g.x0)));
      }
      break;
    case 'draw':
      options.update((s) =>
        addNote(s, {
          pitch: g.pitch,
          time: g.time,
          duration: g.end - g.time,
          velocity: options.drawVelocity(),
        }),
      );
      break;
    case 'ruler': {
      // A range puts the cursor at its start, so Play (and a loop) starts there.
      const range = options.getState().range;
      if (g.moved && range !== null) options.update((s) => setCursor(s, range.start));
      break;
    }
  }
  r.invalidate();
}

/** A new note's length: one snap step when snapping, else `free` (a quarter second). */
function noteLength(r: RollState, event: MouseEvent, free = 0.25): number {
  const snap = r.options.getSnap();
  return snap === null || event.altKey ? free : snap.step;
}

/** A double-click on empty space adds a quarter-second note there. */
function doubleClick(r: RollState, event: MouseEvent): void {
  const { options } = r;
  const { x, y } = local(r, event);
  const state = options.getState();
  if (x < 0 || y < 0 || state.generation !== null) return;
  if (hitTest(r.view, state.notes, r.longest(state.notes), x, y) !== null) return;
  const time = snapped(r, xToTime(r.view, x), event, 'floor');
  const duration = noteLength(r, event);
  options.update((s) =>
    addNote(s, { pitch: yToPitch(r.view, y), time, duration, velocity: options.drawVelocity() }),
  );
}

function wheel(r: RollState, event: WheelEvent): void {
  event.preventDefault();
  const view = r.view;
  const { x, y } = local(r, event);
  const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
  if (event.ctrlKey || event.metaKey) r.view = zoomTime(view, Math.exp(-delta / 300), Math.max(0, x));
  else if (event.altKey) r.view = zoomPitch(view, Math.exp(-delta / 300), Math.max(0, y));
  else if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
    const dx = event.shiftKey ? delta : event.deltaX;
    r.view = clampViewport({ ...view, startTime: view.startTime + dx / view.pxPerSecond });
  } else r.view = clampViewport({ ...view, topPitch: view.topPitch + delta / view.pxPerSemitone / 2 });
  r.invalidate();
}
