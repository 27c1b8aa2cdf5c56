import type { SamplingOptions } from '../../src/public/index.js';
import type { ComposerClient } from './composer-client.js';
import {
  appendGenerated,
  beginGeneration,
  endGeneration,
  generationEnd,
  generationPrefix,
  type EditorState,
  type GenerationMode,
  type TimeRange,
} from './editor-state.js';
import { createFiller } from './fill-control.js';

/**
 * Generate, pause, resume and stop: runs the composer worker and feeds what it writes into the
 * editor. Pausing ends the worker's run and remembers how many notes are still to come and after
 * which note; resuming continues after that note (wherever edits have moved it), so what was
 * edited in the meantime is what the model continues from.
 */
export type GenerationStatus = 'idle' | 'running' | 'paused';

/** Figures of the last run, for the status bar and the tests. */
export interface GenerationFigures {
  /** From the request to the first generated note drawn on screen, in ms. */
  firstNoteMs: number | null;
  /** Notes written in the last run and its length in ms (in the worker, and on the page). */
  notes: number;
  workerMs: number;
  wallMs: number;
  /** Notes the composer kept and re-read when it synced with the piece. */
  kept: number;
  fed: number;
  /** The seed the last generation started from (a resumed one goes on from where it paused). */
  seed: number | null;
  /** The range the last run filled (*Fill*), or null for a generation. */
  fill: TimeRange | null;
  /** The sampling the last run sent to the composer worker. */
  sampling: SamplingOptions | null;
}

export interface GenerationControl {
  readonly status: GenerationStatus;
  readonly figures: GenerationFigures;
  /** The sampling a run started now would send (`GenerationHost.sampling`). */
  readonly sampling: () => SamplingOptions;
  /**
   * Starts generating `count` notes at note index `from`, from a new seed (`GenerationHost.seed`);
   * with `seconds`, no note starting more than that after the last note before `from`.
   */
  start(from: number, count: number, seconds?: number): Promise<void>;
  /**
   * *Fill*: the infill model rewrites the notes starting in the ruler's range from what is before
   * and after it, keeping the locked notes in it (one undo step). `again` (*Fill again*): another
   * take, from the next seed; when nothing changed since the last fill, it replaces that take (the
   * two stay one undo step) and fills its range, else it fills the ruler's range. A run that cannot
   * start says why (`GenerationHost.onError`).
   */
  fill(again?: boolean): Promise<void>;
  /** Whether a fill was made (*Fill again* has a take to follow). */
  readonly hasFilled: boolean;
  pause(): void;
  resume(): Promise<void>;
  stop(): void;
}

export interface GenerationHost {
  readonly composer: ComposerClient;
  readonly getState: () => EditorState;
  readonly update: (change: (state: EditorState) => EditorState) => void;
  readonly sampling: () => SamplingOptions;
  /** The seed for a new generation (fixed by the person, or a fresh random one). */
  readonly seed: () => number;
  readonly mode: () => GenerationMode;
  /** A batch of notes arrived (after the state was updated). */
  readonly onNotes: () => void;
  /** The status changed. */
  readonly onStatus: (status: GenerationStatus) => void;
  /** Something went wrong, in words. */
  readonly onError: (message: string) => void;
  /** Resolves after the next frame has been drawn. */
  readonly nextFrame: () => Promise<void>;
  /** Where the gap-filling model is served (a folder URL ending in '/'), and its name. */
  readonly infillModel: { readonly base: string; readonly name: string; readonly repetition?: boolean };
}

/**
 * What the status bar says about the model's writing: the message, and the speed of the last run
 * (null while it runs, or when nothing was written).
 */
export function generationReport(
  status: GenerationStatus,
  f: GenerationFigures,
): { message: string; speed: string | null } | null {
  if (status === 'running') return { message: f.fill === null ? 'Generating…' : 'Filling…', speed: null };
  if (f.notes === 0 && status !== 'paused' && f.fill === null) return null;
  const rate = f.workerMs > 0 ? Math.round((f.notes / f.workerMs) * 1000) : 0;
  const seed = f.seed === null ? '' : ` (seed ${f.seed})`;
  const range = f.fill === null ? '' : `${f.fill.start.toFixed(2)}–${f.fill.end.toFixed(2)} s`;
  return {
    message:
      status === 'paused'
        ? `Paused after ${f.notes} notes${seed}: edit, then Resume (G).`
        : f.fill !== null
          ? `Filled ${range} with ${f.notes} notes${seed}; Fill again (Shift+F) for another take.`
          : `Wrote ${f.notes} notes${seed}.`,
    speed: `${f.notes} notes, ${rate.toLocaleString('en')} notes/s`,
  };
}

/** Figures before any run. */
const emptyFigures = (): GenerationFigures => ({
  firstNoteMs: null,
  notes: 0,
  workerMs: 0,
  wallMs: 0,
  kept: 0,
  fed: 0,
  seed: null,
  fill: null,
  sampling: null,
});

export function createGenerationControl(host: GenerationHost): GenerationControl {
  let status: GenerationStatus = 'idle';
  let pauseAsked = false;
  /** After a pause: notes still to write, and the last written note (by id, with its onset). */
  let resumePoint: {
    remaining: number;
    lastId: number | null;
    lastTime: number;
    until: number | undefined;
  } | null = null;
  const figures = emptyFigures();

  const setStatus = (next: GenerationStatus): void => {
    status = next;
    host.onStatus(next);
  };

  /** Starts a run; a new generation is seeded, a resumed one goes on with the generator as it was. */
  async function run(from: number, count: number, resuming: boolean, until?: number): Promise<void> {
    if (status === 'running') return;
    const seed = resuming ? undefined : host.seed();
    if (seed !== undefined) figures.seed = seed;
    figures.fill = null;
    resumePoint = null;
    pauseAsked = false;
    host.update((s) => beginGeneration(s, host.mode(), from));
    setStatus('running');
    const requested = performance.now();
    let first = true;
    const done = await host.composer.generate({
      prefix: generationPrefix(host.getState()),
      count,
      ...(until === undefined ? {} : { until }),
      sampling: (figures.sampling = host.sampling()),
      ...(seed === undefined ? {} : { seed }),
      onNotes: (notes) => {
        host.update((s) => appendGenerated(s, notes));
        host.onNotes();
        if (first) {
          first = false;
          void host.nextFrame().then(() => (figures.firstNoteMs = performance.now() - requested));
        }
      },
    });
    const state = host.getState();
    const end = generationEnd(state);
    const last = state.notes[end - 1];
    host.update(endGeneration);
    Object.assign(figures, {
      notes: done.made,
      workerMs: done.ms,
      wallMs: performance.now() - requested,
      kept: done.kept,
      fed: done.fed,
    });
    if (done.error !== undefined) host.onError(`the model stopped: ${done.error}`);
    const remaining = count - done.made;
    if (pauseAsked && remaining > 0 && done.error === undefined) {
      const lastTime = last?.time ?? 0;
      resumePoint = { remaining, lastId: last?.id ?? null, lastTime, until };
      setStatus('paused');
    } else setStatus('idle');
  }

  const forgetResume = (): void => {
    resumePoint = null;
    pauseAsked = false;
  };
  const filler = createFiller({ host, figures, status: () => status, setStatus, forgetResume });

  return {
    get status() {
      return status;
    },
    fill: (again = false) => filler.fill(again),
    get hasFilled() {
      return filler.hasFilled;
    },
    figures,
    sampling: host.sampling,
    start(from, count, seconds) {
      // With seconds: nothing starting more than that after the note before the generation point.
      const before = host.getState().notes[Math.min(from, host.getState().notes.length) - 1];
      return run(from, count, false, seconds === undefined ? undefined : (before?.time ?? 0) + seconds);
    },
    pause() {
      if (status !== 'running') return;
      pauseAsked = true;
      host.composer.stop();
    },
    async resume() {
      if (status !== 'paused' || resumePoint === null) return;
      const { remaining, lastId, lastTime, until } = resumePoint;
      const notes = host.getState().notes;
      const at = lastId === null ? -1 : notes.findIndex((n) => n.id === lastId);
      // The last note may have been deleted: go on after the notes that started before it.
      const from = at >= 0 ? at + 1 : notes.filter((n) => n.time <= lastTime).length;
      await run(from, remaining, true, until);
    },
    stop() {
      pauseAsked = false;
      resumePoint = null;
      if (status === 'running') host.composer.stop();
      else if (status === 'paused') setStatus('idle');
    },
  };
}
