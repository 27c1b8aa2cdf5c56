import type { MidiPlayer } from './midi-output.js';
import type { Playback } from './playback.js';

/**
 * Where *Play* sounds: the built-in piano, or a MIDI output chosen in the toolbar. The page holds
 * this one `Playback`; playing, adding notes, stopping and the playhead go to the output chosen,
 * while the SoundFont, the WAV download and the piano's figures stay with the piano.
 */
export interface OutputSwitch extends Playback {
  /** Sounds on `player` from now on (null: the built-in piano); what is playing stops. */
  setOutput(player: MidiPlayer | null): void;
  /** Whether a MIDI output is chosen. */
  readonly external: boolean;
}

export function createOutputSwitch(piano: Playback): OutputSwitch {
  let midi: MidiPlayer | null = null;
  let midiStartMs: number | null = null;
  const current = (): Pick<Playback, 'add' | 'stop' | 'playing' | 'position'> => midi ?? piano;
  const sw: OutputSwitch = {
    preload: () => piano.preload(),
    async play(notes, from, options) {
      if (midi === null) return piano.play(notes, from, options);
      const started = performance.now();
      midi.play(notes, from, options);
      midiStartMs = performance.now() - started;
    },
    add: (notes) => current().add(notes),
    stop: () => current().stop(),
    get playing() {
      return current().playing;
    },
    position: () => current().position(),
    renderWav: (notes) => piano.renderWav(notes),
    onEnd: () => {},
    get stats() {
      return piano.stats;
    },
    get lastStartMs() {
      return midi === null ? piano.lastStartMs : midiStartMs;
    },
    setOutput(player) {
      if (player === midi) return;
      current().stop();
      midi = player;
      if (midi !== null) midi.onEnd = () => sw.onEnd();
    },
    get external() {
      return midi !== null;
    },
  };
  piano.onEnd = () => sw.onEnd();
  return sw;
}
