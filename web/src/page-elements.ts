/** The page's elements by id (index.html), looked up once; a missing one is a bug and throws. */
const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
};

export const ui = {
  play: $<HTMLButtonElement>('play'),
  clock: $<HTMLSpanElement>('clock'),
  generate: $<HTMLButtonElement>('generate'),
  pause: $<HTMLButtonElement>('pause'),
  stop: $<HTMLButtonElement>('stop'),
  count: $<HTMLInputElement>('count'),
  temperature: $<HTMLInputElement>('temperature'),
  temperatureValue: $<HTMLOutputElement>('temperature-value'),
  timingTemperatureField: $<HTMLElement>('timing-temperature-field'),
  timingTemperature: $<HTMLInputElement>('timing-temperature'),
  timingTemperatureValue: $<HTMLOutputElement>('timing-temperature-value'),
  topP: $<HTMLInputElement>('top-p'),
  topPValue: $<HTMLOutputElement>('top-p-value'),
  topK: $<HTMLInputElement>('top-k'),
  minPitch: $<HTMLInputElement>('min-pitch'),
  minPitchValue: $<HTMLOutputElement>('min-pitch-value'),
  maxPitch: $<HTMLInputElement>('max-pitch'),
  maxPitchValue: $<HTMLOutputElement>('max-pitch-value'),
  seed: $<HTMLInputElement>('seed'),
  modeReplace: $<HTMLButtonElement>('mode-replace'),
  modeInsert: $<HTMLButtonElement>('mode-insert'),
  toolSelect: $<HTMLButtonElement>('tool-select'),
  toolDraw: $<HTMLButtonElement>('tool-draw'),
  undo: $<HTMLButtonElement>('undo'),
  redo: $<HTMLButtonElement>('redo'),
  delete: $<HTMLButtonElement>('delete'),
  velocity: $<HTMLInputElement>('velocity'),
  newPiece: $<HTMLButtonElement>('new'),
  open: $<HTMLButtonElement>('open'),
  exportMidi: $<HTMLButtonElement>('export-midi'),
  exportWav: $<HTMLButtonElement>('export-wav'),
  model: $<HTMLSelectElement>('model'),
  help: $<HTMLButtonElement>('help'),
  helpPanel: $<HTMLElement>('help-panel'),
  helpClose: $<HTMLButtonElement>('help-close'),
  helpList: $<HTMLElement>('help-list'),
  roll: $<HTMLElement>('roll'),
  emptyHint: $<HTMLElement>('empty-hint'),
  dropOverlay: $<HTMLElement>('drop-overlay'),
  message: $<HTMLSpanElement>('message'),
  noteCount: $<HTMLSpanElement>('note-count'),
  speed: $<HTMLSpanElement>('speed'),
  modelInfo: $<HTMLSpanElement>('model-info'),
  midiInput: $<HTMLInputElement>('midi-input'),
  modelInput: $<HTMLInputElement>('model-input'),
};

export type PageElements = typeof ui;
