import { midiToNoteName, type SamplingOptions } from '../../src/public/index.js';
import type { GenerationMode } from './editor-state.js';
import { settingsOnLoad, type TunedSliders } from './model-sampling.js';
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

/**
 * A model loaded: its tuned top-p and top-k, when its `sampling.json` gives them, replace the
 * sliders' (`settingsOnLoad`); the person's later changes hold until the next model loads.
 */
export function applyModelSettings(host: SettingsHost, sampling: SamplingOptions): void {
  const before = host.get();
  const next = settingsOnLoad(before, sampling);
  if (next.topP === before.topP && next.topK === before.topK) return;
  host.set(next);
  applySettingsToInputs(next);
  host.scheduleSave();
}

/** A whole number from a number field, within lo..hi; null when the field is empty or not a number. */
const wholeIn = (input: HTMLInputElement, lo: number, hi: number): number | null => {
  const n = Math.round(Number(input.value));
  return input.value.trim() === '' || !Number.isFinite(n) ? null : Math.min(hi, Math.max(lo, n));
};

/** Listens to the settings' inputs and the generation mode's buttons. */
export function installSettingsControls(host: SettingsHost): {
  /** A model loaded with this `sampling.json` (`applyModelSettings`). */
  applyModel: (sampling: SamplingOptions) => void;
} {
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
  return { applyModel: (sampling) => applyModelSettings(host, sampling) };
}

const temperatureField = ui.temperature.closest('label')!;
const TEMPERATURE_TITLE = temperatureField.title;
const TIMING_TITLE = ui.timingTemperatureField.title;
const NO_TIMING_TITLE =
  'This model predicts one timing and velocity per note, not a distribution: ' +
  'there is nothing for a timing temperature to act on (the other controls apply)';
const TUNED_TIMING_TITLE =
  "Timing × the model's tuned temperatures (its sampling.json: delay, duration and velocity, " +
  'measured for its weights): 1 plays as tuned, below 1 steadier rhythm and dynamics, above 1 freer';
const TUNED_TEMPERATURE_TITLE =
  "Temperature × the model's tuned pitch temperature (its sampling.json): 1 plays as tuned, " +
  'below 1 safer, above 1 more adventurous';

/**
 * Shows what *temp* and *timing* mean for the model in place: *timing* is off for a model that
 * regresses its timing (the original's), and either is a multiplier ("× tuned") on the model's
 * own temperatures when its `sampling.json` gives them (`model-sampling.ts`).
 *
 * @param timing - the model draws timing and velocity from distributions
 * @param tuned - which sliders multiply the model's tuned values
 */
export function showTunedSliders(timing: boolean, tuned: TunedSliders): void {
  // The original regresses timing: one value, nothing for a temperature to act on.
  ui.timingTemperature.disabled = !timing;
  ui.timingTemperatureField.classList.toggle('disabled', !timing);
  const timingTuned = timing && tuned.timing;
  ui.timingTemperatureField.title = !timing
    ? NO_TIMING_TITLE
    : timingTuned
      ? TUNED_TIMING_TITLE
      : TIMING_TITLE;
  ui.timingTemperature.title = timing ? '' : NO_TIMING_TITLE;
  ui.timingTemperatureField.querySelector('span')!.textContent = timingTuned ? 'timing × tuned' : 'timing';
  temperatureField.title = tuned.temperature ? TUNED_TEMPERATURE_TITLE : TEMPERATURE_TITLE;
  temperatureField.querySelector('span')!.textContent = tuned.temperature ? 'temp × tuned' : 'temp';
}
