import type { Note, Seconds } from '../../src/public/index.js';
import type { EditorNote, EditorState } from './editor-state.js';
import type { GenerationStatus } from './generation-control.js';
import { liveBatch } from './play-timeline.js';
import type { Playback } from './playback.js';

/**
 * Hearing the model's notes as it writes them while the piano plays. When a generation starts (or
 * resumes) during playback, the sound restarts where it is with the notes before the generation
 * point only (those after it are being replaced, or moved later); then four times a second the
 * notes written so far, up to 8 s ahead of the playhead, are added to the sound
 * (`Playback.add`). When the model stops or pauses, the rest of its notes are added too when it
 * replaced what followed the cursor; when it inserted (the notes after it move), the page restarts
 * the sound with the whole piece, as after any edit. A loop is not fed: it is heard with the new
 * notes once the model stops.
 *
 * A *Fill* (`fill-control.ts`) is heard the same way: when it starts the sound restarts without
 * the range's notes (those it replaces), its notes are added as they come, wherever in the piece
 * the range is, and the rest when it ends (or, if the range's notes came back because the fill
 * failed, the page restarts the sound with the whole piece).
 */
export interface LiveHost {
  readonly playback: Playback;
  readonly getState: () => EditorState;
  /** Restarts the sound at `at` (the loop and click as set), with `notesToPlay()`. */
  readonly restart: (at: Seconds) => void;
}

export interface LivePlayback {
  /**
   * What to play now: while the model generates, the notes before the generation point and its
   * own; while it fills, the piece (the range holds the notes written so far). The model's notes
   * at its latest onset are left for the next batch (`onPlay`).
   */
  notesToPlay(): readonly Note[];
  /**
   * Call on each change of the generation's status. Returns true when the sound already holds
   * every note the model wrote (nothing to restart).
   */
  onStatus(status: GenerationStatus): boolean;
  /**
   * Call when the sound (re)starts: what the model had written at `notesToPlay()` is in it, but for
   * its notes at the latest onset (and those written since), which are added with the next batch.
   */
  onPlay(): void;
}

/** How often the notes written are looked at (ms). */
const TICK_MS = 250;

/**
 * The model's run in progress. A generation: where its notes start in the piece, and whether
 * notes followed it (insert mode). A fill (the state has no `generation`): the first id of the
 * notes it writes (`addFilled` numbers them from the state's `nextId`), and the piece as the
 * sound was restarted with when it began (the range's notes gone, the locked ones kept).
 */
type Run =
  | { readonly kind: 'generation'; readonly prefixCount: number; readonly tail: boolean }
  | { readonly kind: 'fill'; readonly firstId: number; readonly base: readonly EditorNote[] };

/** The run that starts with `state` (its status just turned to running). */
export function runOf(state: EditorState): Run {
  const g = state.generation;
  return g === null
    ? { kind: 'fill', firstId: state.nextId, base: state.notes }
    : { kind: 'generation', prefixCount: g.prefixCount, tail: g.tail.length > 0 };
}

/**
 * The notes a fill has written so far: the piece's notes numbered from `firstId` on (kept in time
 * order, as the piece is).
 */
export function fillWritten(notes: readonly EditorNote[], firstId: number): EditorNote[] {
  return notes.filter((n) => n.id >= firstId);
}

/**
 * Whether the piece, less the notes a fill wrote (ids from `firstId`), is still `base`, the notes
 * the sound was started with: false when something else changed, e.g. a fill that failed gave the
 * range's notes back (an undo).
 */
export function sameBesidesFill(
  notes: readonly EditorNote[],
  base: readonly EditorNote[],
  firstId: number,
): boolean {
  const others = notes.filter((n) => n.id < firstId);
  return others.length === base.length && others.every((n, i) => n === base[i]);
}

/** The latest onset among `notes` (in time order), or -Infinity when there are none. */
export function lastOnset(notes: readonly Note[]): Seconds {
  return notes[notes.length - 1]?.time ?? -Infinity;
}

/**
 * The notes (in time order) at the latest onset: of the model's notes, those wait for the next
 * batch when the sound restarts while it writes (a chord there may not be complete yet).
 */
export function atLastOnset<T extends Note>(notes: readonly T[]): T[] {
  const last = lastOnset(notes);
  return notes.filter((n) => n.time >= last);
}

/** The notes not in the sound yet: those starting at or after `sentUntil`. */
export function notSent(notes: readonly Note[], sentUntil: Seconds): Note[] {
  return notes.filter((n) => n.time >= sentUntil);
}

export function createLivePlayback(host: LiveHost): LivePlayback {
  let timer: ReturnType<typeof setInterval> | undefined;
  /** Notes starting before this (piece time) are in the sound already. */
  let sentUntil = -Infinity;
  /** The last onset of the model's notes in the sound being started (`notesToPlay`), until `onPlay`. */
  let starting: Seconds | null = null;
  let run: Run | null = null;
  /** The notes the model has written in the run in progress, in time order. */
  const written = (): Note[] => {
    const s = host.getState();
    if (run?.kind === 'fill') return fillWritten(s.notes, run.firstId);
    const g = s.generation;
    return g === null ? [] : s.notes.slice(g.prefixCount, g.prefixCount + g.generatedCount);
  };
  const tick = (): void => {
    const at = host.playback.position();
    if (at === null) return;
    const batch = liveBatch(written(), sentUntil, at);
    if (batch === null) return;
    if (batch.notes.length === 0 || host.playback.add(batch.notes) !== null) sentUntil = batch.until;
  };
  /**
   * When a run ends while playing: adds the notes it wrote that are not in the sound yet. Returns
   * false when the sound must restart instead (notes after a generation moved, a fill's range got
   * its notes back, or a loop plays).
   */
  const addRest = (ended: Run): boolean => {
    const notes = host.getState().notes;
    if (ended.kind === 'generation' && ended.tail) return false;
    if (ended.kind === 'fill' && !sameBesidesFill(notes, ended.base, ended.firstId)) return false;
    // The model's notes are the piece's last (a generation replacing) or its fill's.
    const rest = notSent(
      ended.kind === 'fill' ? fillWritten(notes, ended.firstId) : notes.slice(ended.prefixCount),
      sentUntil,
    );
    return rest.length === 0 || host.playback.add(rest) !== null;
  };
  return {
    notesToPlay() {
      const s = host.getState();
      const g = s.generation;
      const piece = g === null ? s.notes : s.notes.slice(0, g.prefixCount + g.generatedCount);
      const mine = written();
      starting = lastOnset(mine);
      const held = new Set(atLastOnset(mine));
      return held.size === 0 ? piece : piece.filter((n) => !held.has(n));
    },
    onPlay() {
      // Notes written while the sound was starting are not in it: they are added with the next.
      sentUntil = starting ?? lastOnset(written());
      starting = null;
    },
    onStatus(status) {
      clearInterval(timer);
      if (status !== 'running') {
        const ended = run;
        run = null;
        if (ended === null || host.playback.position() === null) return false;
        return addRest(ended);
      }
      run = runOf(host.getState());
      timer = setInterval(tick, TICK_MS);
      const at = host.playback.position();
      if (at !== null) host.restart(at);
      return false;
    },
  };
}
