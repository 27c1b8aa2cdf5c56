import { midiToNoteName } from '../../src/public/index.js';
import type { GenerationMode } from './editor-state.js';
import { ui } from './page-elements.js';
import { DEFAULT_SETTINGS, MAX_SEED, type Settings } from './storage.js';

/**
 * The toolbar's generation settings (`main.ts` keeps them and saves them with the piece): how many
 * notes, *temp*, *timing*, *top-p*, *top-k*, the pitch range, the seed, and *Replace* / *Insert*.
 * Each input changes one setting, clamped to what `howl generate` accepts.
 */
export interface SettingsHost {
  readonly get: () => Settings;
  /** Keeps the new settings (before the inputs show them). */
  readonly set: (settings: Settings) => void;
  /** Updates the toolbar (after the inputs show the new settings). */
  readonly refresh: () => void;
  /** Saves the piece and settings soon. */
  readonly scheduleSave: () => void;
}

/** Shows the settings in the toolbar's inputs (and the values beside the sliders). */
export function applySettingsToInputs(settings: Settings): void {
  ui.count.value = String(settings.count);
  ui.temperature.value = String(settings.temperature);
  ui.temperatureValue.textContent = settings.temperature.toFixed(2);
  ui.timingTemperature.value = String(settings.timingTemperature);
  ui.timingTemperatureValue.textContent = settings.timingTemperature.toFixed(2);
  ui.topP.value = String(settings.topP);
  ui.topPValue.textContent = settings.topP.toFixed(2);
  ui.topK.value = settings.topK === null ? '' : String(settings.topK);
  ui.minPitch.value = String(settings.minPitch);
  ui.minPitchValue.textContent = midiToNoteName(settings.minPitch);
  ui.maxPitch.value = String(settings.maxPitch);
  ui.maxPitchValue.textContent = midiToNoteName(settings.maxPitch);
  ui.seed.value = settings.seed === null ? '' : String(settings.seed);
}

/** A whole number from a number field, within lo..hi; null when the field is empty or not a number. */
const wholeIn = (input: HTMLInputElement, lo: number, hi: number): number | null => {
  const n = Math.round(Number(input.value));
  return input.value.trim() === '' || !Number.isFinite(n) ? null : Math.min(hi, Math.max(lo, n));
};

/** Listens to the settings' inputs and the generation mode's buttons. */
export function installSettingsControls(host: SettingsHost): void {
  const changeSettings = (change: Partial<Settings>): void => {
    const settings = { ...host.get(), ...change };
    host.set(settings);
    applySettingsToInputs(settings);
    host.refresh();
    host.scheduleSave();
  };

  ui.count.addEventListener('change', () => {
    const n = Math.round(Number(ui.count.value));
    changeSettings({ count: Number.isFinite(n) ? Math.min(100_000, Math.max(1, n)) : host.get().count });
  });
  ui.temperature.addEventListener('input', () =>
    changeSettings({ temperature: Number(ui.temperature.value) }),
  );
  ui.timingTemperature.addEventListener('input', () =>
    changeSettings({ timingTemperature: Number(ui.timingTemperature.value) }),
  );
  ui.topP.addEventListener('input', () => changeSettings({ topP: Number(ui.topP.value) }));
  ui.topK.addEventListener('change', () => changeSettings({ topK: wholeIn(ui.topK, 1, 120) }));
  // Moving one end of the pitch range past the other takes the other along.
  ui.minPitch.addEventListener('change', () => {
    const min = wholeIn(ui.minPitch, 0, 119) ?? DEFAULT_SETTINGS.minPitch;
    changeSettings({ minPitch: min, maxPitch: Math.max(min, host.get().maxPitch) });
  });
  ui.maxPitch.addEventListener('change', () => {
    const max = wholeIn(ui.maxPitch, 0, 119) ?? DEFAULT_SETTINGS.maxPitch;
    changeSettings({ maxPitch: max, minPitch: Math.min(max, host.get().minPitch) });
  });
  ui.seed.addEventListener('change', () => changeSettings({ seed: wholeIn(ui.seed, 0, MAX_SEED) }));
  const setMode = (mode: GenerationMode) => () => changeSettings({ mode });
  ui.modeReplace.addEventListener('click', setMode('replace'));
  ui.modeInsert.addEventListener('click', setMode('insert'));
}
