import type { BeatGrid, Seconds } from '../../src/public/index.js';
import type { EditorNote, EditorState } from './editor-state.js';
import { clampViewport, follow, type SnapGrid, type Viewport } from './roll-geometry.js';
import { installGestures, type RollState } from './roll-gestures.js';
import { KEYBOARD_PX, paintRoll, RULER_PX } from './roll-painter.js';

/**
 * The piano roll: one canvas with a keyboard on the left, a time ruler on top and the notes
 * (velocity as shade). It draws what `getState()` returns (`roll-painter.ts`), at most once per
 * animation frame, and turns pointer gestures into editor changes (`roll-gestures.ts`): click a note
 * to select it (shift adds), drag to move it in time and pitch, drag its right end to stretch, drag
 * on empty space to select a region, double-click (or the draw tool) to add a note, click the ruler
 * or empty space to put the cursor, drag on the ruler to choose a time range (loop playback plays
 * it). Bars and beats of the tempo and meter are drawn, and with *Snap* edits land on the grid. Wheel scrolls pitch, shift-wheel time, ctrl-wheel zooms time and
 * alt-wheel zooms pitch.
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
  /** Tempo, meter and bar 1: the bars and beats drawn. */
  readonly getGrid: () => BeatGrid;
  /** What drawing, dragging and ruler ranges snap to; null when snapping is off. */
  readonly getSnap: () => SnapGrid | null;
  /** Whether loop playback is on (the ruler's range is drawn as a loop). */
  readonly isLooping: () => boolean;
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

  let pending = false;
  const stats = { frames: 0, drawMs: 0, slowestMs: 0 };
  let longestCache: { notes: readonly EditorNote[]; longest: number } = { notes: [], longest: 0 };
  const r: RollState = {
    canvas,
    options,
    view: { startTime: 0, pxPerSecond: 80, topPitch: 88, pxPerSemitone: 12, width: 1, height: 1 },
    gesture: null,
    longest(notes) {
      if (longestCache.notes !== notes) {
        let max = 0;
        for (const n of notes) max = Math.max(max, n.duration);
        longestCache = { notes, longest: max };
      }
      return longestCache.longest;
    },
    invalidate() {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        draw();
      });
    },
  };

  const resize = (): void => {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = host.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round(width * ratio));
    canvas.height = Math.max(1, Math.round(height * ratio));
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    r.view = clampViewport({
      ...r.view,
      width: Math.max(1, width - KEYBOARD_PX),
      height: Math.max(1, height - RULER_PX),
    });
    draw();
  };

  function draw(): void {
    const started = performance.now();
    const state = options.getState();
    paintRoll({
      ctx,
      view: r.view,
      state,
      gesture: r.gesture,
      playhead: options.getPlayhead(),
      longest: r.longest(state.notes),
      ratio: canvas.width / Math.max(1, r.view.width + KEYBOARD_PX),
      grid: options.getGrid(),
      snap: options.getSnap(),
      loop: options.isLooping(),
    });
    const spent = performance.now() - started;
    stats.frames++;
    stats.drawMs += spent;
    stats.slowestMs = Math.max(stats.slowestMs, spent);
  }

  installGestures(r);
  new ResizeObserver(resize).observe(host);
  resize();

  return {
    invalidate: r.invalidate,
    get viewport() {
      return r.view;
    },
    setViewport(next) {
      r.view = clampViewport({ ...next, width: r.view.width, height: r.view.height });
      r.invalidate();
    },
    follow(t) {
      const next = follow(r.view, t);
      if (next !== r.view) {
        r.view = next;
        r.invalidate();
      }
    },
    stats,
  };
}
