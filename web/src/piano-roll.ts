import type { Seconds } from '../../src/public/index.js';
import {
  addNote,
  moveNotes,
  notesInRect,
  select,
  setCursor,
  stretchNotes,
  type EditorNote,
  type EditorState,
} from './editor-state.js';
import {
  clampViewport,
  follow,
  hitTest,
  xToTime,
  yToPitch,
  zoomPitch,
  zoomTime,
  type Viewport,
} from './roll-geometry.js';
import { KEYBOARD_PX, paintRoll, RULER_PX, type RollGesture } from './roll-painter.js';

/**
 * The piano roll: one canvas with a keyboard on the left, a time ruler on top and the notes
 * (velocity as shade). It draws what `getState()` returns, at most once per animation frame, and
 * turns pointer gestures into editor changes: click a note to select it (shift adds), drag to move
 * it in time and pitch, drag its right end to stretch, drag on empty space to select a region,
 * double-click (or the draw tool) to add a note, click the ruler or empty space to put the cursor.
 * Wheel scrolls pitch, shift-wheel time, ctrl-wheel zooms time and alt-wheel zooms pitch.
 */

export { KEYBOARD_PX, RULER_PX };

export type Tool = 'select' | 'draw';

export interface PianoRollOptions {
  readonly getState: () => EditorState;
  readonly update: (change: (state: EditorState) => EditorState) => void;
  readonly getTool: () => Tool;
  /** Where the playhead is now, or null when not playing. */
  readonly getPlayhead: () => Seconds | null;
  /** Velocity of notes drawn by hand. */
  readonly drawVelocity: () => number;
}

export interface PianoRoll {
  /** Redraws on the next animation frame. */
  invalidate(): void;
  readonly viewport: Viewport;
  setViewport(view: Viewport): void;
  /** Scrolls to keep `t` in view. */
  follow(t: Seconds): void;
  /** Drawing cost: frames drawn and milliseconds spent drawing (in all, and the slowest frame). */
  readonly stats: { frames: number; drawMs: number; slowestMs: number };
}

/**
 * Mounts a piano roll in `host` (which it fills).
 *
 * @param host - an element with a size (the roll follows its size)
 * @param options - where the state comes from and where edits go
 * @returns the roll
 */
export function createPianoRoll(host: HTMLElement, options: PianoRollOptions): PianoRoll {
  const canvas = document.createElement('canvas');
  canvas.className = 'roll-canvas';
  canvas.tabIndex = 0;
  canvas.setAttribute('aria-label', 'Piano roll');
  host.append(canvas);
  const context = canvas.getContext('2d', { alpha: false });
  if (context === null) throw new Error('this browser cannot draw on a canvas');
  const ctx = context;

  let view: Viewport = {
    startTime: 0,
    pxPerSecond: 80,
    topPitch: 88,
    pxPerSemitone: 12,
    width: 1,
    height: 1,
  };
  let gesture: RollGesture | null = null;
  let pending = false;
  const stats = { frames: 0, drawMs: 0, slowestMs: 0 };
  let longestCache: { notes: readonly EditorNote[]; longest: number } = { notes: [], longest: 0 };

  const longest = (notes: readonly EditorNote[]): number => {
    if (longestCache.notes !== notes) {
      let max = 0;
      for (const n of notes) max = Math.max(max, n.duration);
      longestCache = { notes, longest: max };
    }
    return longestCache.longest;
  };

  const resize = (): void => {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = host.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round(width * ratio));
    canvas.height = Math.max(1, Math.round(height * ratio));
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    view = clampViewport({
      ...view,
      width: Math.max(1, width - KEYBOARD_PX),
      height: Math.max(1, height - RULER_PX),
    });
    draw();
  };

  function invalidate(): void {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  }

  function draw(): void {
    const started = performance.now();
    const state = options.getState();
    paintRoll({
      ctx,
      view,
      state,
      gesture,
      playhead: options.getPlayhead(),
      longest: longest(state.notes),
      ratio: canvas.width / Math.max(1, view.width + KEYBOARD_PX),
    });
    const spent = performance.now() - started;
    stats.frames++;
    stats.drawMs += spent;
    stats.slowestMs = Math.max(stats.slowestMs, spent);
  }

  // --- pointer gestures ------------------------------------------------------------------------

  const local = (event: MouseEvent): { x: number; y: number } => {
    const box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left - KEYBOARD_PX, y: event.clientY - box.top - RULER_PX };
  };

  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    canvas.focus();
    const { x, y } = local(event);
    const state = options.getState();
    if (state.generation !== null && options.getTool() === 'draw') return;
    canvas.setPointerCapture(event.pointerId);
    if (y < 0 && x >= 0) {
      gesture = { kind: 'ruler' };
      options.update((s) => setCursor(s, xToTime(view, x)));
      return;
    }
    if (x < 0) return;
    const hit = hitTest(view, state.notes, longest(state.notes), x, y);
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
      gesture =
        hit.part === 'end'
          ? { kind: 'stretch', x0: x, ids, d: 0 }
          : { kind: 'move', x0: x, y0: y, ids, dt: 0, dp: 0 };
      invalidate();
      return;
    }
    if (options.getTool() === 'draw') {
      const time = Math.max(0, xToTime(view, x));
      gesture = { kind: 'draw', time, pitch: yToPitch(view, y), end: time + 0.25 };
    } else {
      gesture = { kind: 'band', x0: x, y0: y, x1: x, y1: y, add: event.shiftKey, moved: false };
    }
    invalidate();
  });

  canvas.addEventListener('pointermove', (event) => {
    const { x, y } = local(event);
    if (gesture === null) {
      const state = options.getState();
      const hit = x >= 0 && y >= 0 ? hitTest(view, state.notes, longest(state.notes), x, y) : null;
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
      case 'ruler':
        options.update((s) => setCursor(s, xToTime(view, Math.max(0, x))));
        break;
      case 'move':
        gesture.dt = (x - gesture.x0) / view.pxPerSecond;
        gesture.dp = Math.round((gesture.y0 - y) / view.pxPerSemitone);
        canvas.style.cursor = 'grabbing';
        break;
      case 'stretch':
        gesture.d = (x - gesture.x0) / view.pxPerSecond;
        break;
      case 'band':
        gesture.x1 = x;
        gesture.y1 = y;
        gesture.moved ||= Math.abs(x - gesture.x0) + Math.abs(y - gesture.y0) > 4;
        break;
      case 'draw':
        gesture.end = Math.max(gesture.time + 0.02, xToTime(view, x));
        break;
    }
    invalidate();
  });

  const finish = (): void => {
    const g = gesture;
    gesture = null;
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
            xToTime(view, g.x0),
            xToTime(view, g.x1),
            yToPitch(view, g.y0),
            yToPitch(view, g.y1),
          );
          options.update((s) => select(s, ids, g.add ? 'add' : 'replace'));
        } else {
          options.update((s) => setCursor(g.add ? s : select(s, []), xToTime(view, g.x0)));
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
      case 'ruler':
        break;
    }
    invalidate();
  };
  canvas.addEventListener('pointerup', finish);
  canvas.addEventListener('pointercancel', () => {
    gesture = null;
    invalidate();
  });

  canvas.addEventListener('dblclick', (event) => {
    const { x, y } = local(event);
    const state = options.getState();
    if (x < 0 || y < 0 || state.generation !== null) return;
    if (hitTest(view, state.notes, longest(state.notes), x, y) !== null) return;
    const time = Math.max(0, xToTime(view, x));
    options.update((s) =>
      addNote(s, { pitch: yToPitch(view, y), time, duration: 0.25, velocity: options.drawVelocity() }),
    );
  });

  canvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const { x, y } = local(event);
      const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      if (event.ctrlKey || event.metaKey) view = zoomTime(view, Math.exp(-delta / 300), Math.max(0, x));
      else if (event.altKey) view = zoomPitch(view, Math.exp(-delta / 300), Math.max(0, y));
      else if (event.shiftKey || Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
        const dx = event.shiftKey ? delta : event.deltaX;
        view = clampViewport({ ...view, startTime: view.startTime + dx / view.pxPerSecond });
      } else view = clampViewport({ ...view, topPitch: view.topPitch + delta / view.pxPerSemitone / 2 });
      invalidate();
    },
    { passive: false },
  );

  new ResizeObserver(resize).observe(host);
  resize();

  return {
    invalidate,
    get viewport() {
      return view;
    },
    setViewport(next) {
      view = clampViewport({ ...next, width: view.width, height: view.height });
      invalidate();
    },
    follow(t) {
      const next = follow(view, t);
      if (next !== view) {
        view = next;
        invalidate();
      }
    },
    stats,
  };
}
