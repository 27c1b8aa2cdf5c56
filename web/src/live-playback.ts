import type { Note, Seconds } from '../../src/public/index.js';
import type { EditorState } from './editor-state.js';
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
 */
export interface LiveHost {
  readonly playback: Playback;
  readonly getState: () => EditorState;
  /** Restarts the sound at `at` (the loop and click as set), with `notesToPlay()`. */
  readonly restart: (at: Seconds) => void;
}

export interface LivePlayback {
  /** What to play now: while the model writes, the notes before the generation point and its own. */
  notesToPlay(): readonly Note[];
  /**
   * Call on each change of the generation's status. Returns true when the sound already holds
   * every note the model wrote (nothing to restart).
   */
  onStatus(status: GenerationStatus): boolean;
  /** Call when the sound (re)starts: what the model has written so far is in it. */
  onPlay(): void;
}

/** How often the notes written are looked at (ms). */
const TICK_MS = 250;

export function createLivePlayback(host: LiveHost): LivePlayback {
  let timer: number | undefined;
  /** Notes starting before this (piece time) are in the sound already. */
  let sentUntil = -Infinity;
  /** The run in progress: where its notes start in the piece, and whether notes followed it. */
  let run: { prefixCount: number; tail: boolean } | null = null;
  const written = (): Note[] => {
    const s = host.getState();
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
  return {
    notesToPlay() {
      const s = host.getState();
      const g = s.generation;
      return g === null ? s.notes : s.notes.slice(0, g.prefixCount + g.generatedCount);
    },
    onPlay() {
      const notes = written();
      sentUntil = notes.length === 0 ? -Infinity : notes[notes.length - 1]!.time;
    },
    onStatus(status) {
      window.clearInterval(timer);
      if (status !== 'running') {
        const ended = run;
        run = null;
        if (ended === null || ended.tail || host.playback.position() === null) return false;
        // Replace mode: the model's notes are the piece's last; add the ones not in the sound yet.
        const rest = host
          .getState()
          .notes.slice(ended.prefixCount)
          .filter((n) => n.time >= sentUntil);
        return rest.length === 0 || host.playback.add(rest) !== null;
      }
      const g = host.getState().generation;
      run = g === null ? null : { prefixCount: g.prefixCount, tail: g.tail.length > 0 };
      timer = window.setInterval(tick, TICK_MS);
      const at = host.playback.position();
      if (at !== null) host.restart(at);
      return false;
    },
  };
}
