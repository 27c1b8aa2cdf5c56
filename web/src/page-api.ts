import type { EditorState } from './editor-state.js';
import type { GenerationControl } from './generation-control.js';
import type { MidiSession } from './midi-session.js';
import type { ModelMenu } from './model-menu.js';
import type { PianoRoll } from './piano-roll.js';
import type { Playback } from './playback.js';

/** What `exposePage` needs of the page. */
export interface PageApiHost {
  readonly getState: () => EditorState;
  readonly generation: GenerationControl;
  readonly roll: PianoRoll;
  readonly playback: Playback;
  readonly midi: MidiSession;
  readonly models: Pick<ModelMenu, 'repetition'>;
}

/**
 * Puts `window.howl` on the page: what the end-to-end tests read (and a person can inspect in the
 * console): the editor's state, the figures of generation, drawing and sound, the view, the
 * model's and the player's status, the MIDI keyboard's session, the sampling a generation
 * would send, and the repetition cache the composer worker has for the model.
 *
 * @returns the figures, whose `readyMs` the page sets once the model is in
 */
export function exposePage(host: PageApiHost) {
  const { generation, roll, playback, midi } = host;
  const figures = {
    readyMs: null as number | null,
    generation: generation.figures,
    roll: roll.stats,
    playStartMs: () => playback.lastStartMs,
    audio: playback.stats,
  };
  Object.assign(window, {
    howl: {
      state: host.getState,
      figures,
      viewport: () => roll.viewport,
      setViewport: (v: Parameters<typeof roll.setViewport>[0]) => roll.setViewport(v),
      status: () => generation.status,
      playing: () => playback.playing,
      position: () => playback.position(),
      midi: () => ({ ...midi.figures, recording: midi.recording, answering: midi.answering }),
      sampling: () => generation.sampling(),
      repetition: () => host.models.repetition(),
    },
  });
  return figures;
}
