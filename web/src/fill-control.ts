import { plainNote, undo, type EditorNote, type TimeRange } from './editor-state.js';
import { addFilled, beginFill, endFill } from './fill-edits.js';
import type { GenerationFigures, GenerationHost, GenerationStatus } from './generation-control.js';

/**
 * *Fill* and *Fill again*, run by the generation control (`generation-control.ts`: they share its
 * status, so Esc stops a fill and edits wait for it, and its figures): the range's notes go, the
 * composer worker's infill model writes new ones, streamed in, and the whole is one undo step.
 */
export interface FillContext {
  readonly host: GenerationHost;
  readonly figures: GenerationFigures;
  readonly status: () => GenerationStatus;
  readonly setStatus: (status: GenerationStatus) => void;
  /** Forgets a paused generation (a fill starts only when idle). */
  readonly forgetResume: () => void;
}

export function createFiller({ host, figures, status, setStatus, forgetResume }: FillContext): {
  fill(again: boolean): Promise<void>;
  readonly hasFilled: boolean;
} {
  /** The last fill: its range and seed, and the notes it left (to tell whether they changed since). */
  let lastFill: { range: TimeRange; seed: number; notes: readonly EditorNote[] } | null = null;

  async function fill(again: boolean): Promise<void> {
    if (status() !== 'idle') return;
    const previous = lastFill;
    const replacing = again && previous !== null && host.getState().notes === previous.notes;
    const range = replacing ? previous.range : host.getState().range;
    if (range === null) return host.onError('Drag on the ruler to choose the range to fill.');
    if (!host.getState().notes.some((n) => n.time < range.start))
      return host.onError('The range needs notes before it: the model leads on from them.');
    if (replacing) host.update(undo); // the last take goes; this one takes its place
    const seed = again && previous !== null ? previous.seed + 1 : host.seed();
    Object.assign(figures, { seed, fill: range });
    forgetResume();
    host.update((s) => beginFill(s, range.start, range.end));
    setStatus('running');
    const requested = performance.now();
    let first = true;
    const done = await host.composer.fill({
      model: host.infillModel,
      notes: host.getState().notes.map(plainNote),
      from: range.start,
      to: range.end,
      sampling: (figures.sampling = host.sampling()),
      seed,
      onNotes: (notes) => {
        host.update((s) => addFilled(s, notes));
        host.onNotes();
        if (first) {
          first = false;
          void host.nextFrame().then(() => (figures.firstNoteMs = performance.now() - requested));
        }
      },
    });
    // A fill that failed before writing gives the range's notes back.
    const failed = done.error !== undefined && done.made === 0;
    host.update(failed ? undo : (s) => endFill(s, done.made));
    Object.assign(figures, {
      notes: done.made,
      workerMs: done.ms,
      wallMs: performance.now() - requested,
      kept: 0,
      fed: 0,
    });
    lastFill = failed ? null : { range, seed, notes: host.getState().notes };
    if (done.error !== undefined) host.onError(`the model stopped: ${done.error}`);
    setStatus('idle');
  }

  return {
    fill,
    get hasFilled() {
      return lastFill !== null;
    },
  };
}
