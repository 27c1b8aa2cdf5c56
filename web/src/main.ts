/**
 * The composer page: wires the piano roll, the editor state, the composer and audio workers, files
 * and storage to the toolbar (the generation settings: `settings-controls.ts`), the keyboard
 * (`keyboard-control.ts`) and a MIDI keyboard (`midi-control.ts`).
 */
import type { Note, SamplingOptions } from '../../src/public/index.js';
import { createComposerClient } from './composer-client.js';
import {
  createEditor,
  cursorIndex,
  deleteNotes,
  playStart,
  redo,
  replacePiece,
  setVelocity,
  undo,
  type EditorState,
} from './editor-state.js';
import { createGenerationControl, generationReport, type GenerationStatus } from './generation-control.js';
import { applyGridToInputs, installGridControls, snapGridOf } from './grid-controls.js';
import { installKeyboard } from './keyboard-control.js';
import { createPianoRoll, type Tool } from './piano-roll.js';
import { createLivePlayback } from './live-playback.js';
import { installMidiControls } from './midi-control.js';
import { createOutputSwitch } from './output-switch.js';
import { createPlayback } from './playback.js';
import { formatTime } from './roll-geometry.js';
import { applySettingsToInputs, installSettingsControls } from './settings-controls.js';
import { DEFAULT_SETTINGS, loadWork, saveWork, type Settings } from './storage.js';
import { installFileActions } from './file-actions.js';
import { installFillButtons } from './fill-buttons.js';
import { installModelMenu } from './model-menu.js';
import { infillModelAt } from './model-catalogue.js';
import { samplingFor } from './model-sampling.js';
import { exposePage } from './page-api.js';
import { ui } from './page-elements.js';

// --- state ------------------------------------------------------------------------------------

const saved = loadWork(localStorage);
let settings: Settings = saved?.settings ?? DEFAULT_SETTINGS;
let state: EditorState = createEditor(saved?.notes ?? [], saved?.cursor ?? 0);
let tool: Tool = 'select';
let drawVelocity = 80;
let modelReady = false;
/** The loaded model's tuned sampling (its `sampling.json`; `{}`: none): `model-sampling.ts`. */
let tuned: SamplingOptions = {};
/** What a generation or fill uses: the sliders over the model's tuned sampling. */
const sampling = (): SamplingOptions => samplingFor(settings, tuned);
let saveTimer: number | undefined;

/** Changes the state; `replay`: an edit while playing is heard (a recording is heard on its keyboard). */
function update(change: (s: EditorState) => EditorState, replay = true): void {
  const next = change(state);
  if (next === state) return;
  const notesChanged = next.notes !== state.notes;
  const changed = notesChanged || next.cursor !== state.cursor;
  const loopChanged = next.range !== state.range && settings.grid.loop;
  state = next;
  roll.invalidate();
  refresh();
  if (changed) scheduleSave();
  if (((notesChanged && next.generation === null) || loopChanged) && replay) replaySoon();
}

let replayTimer: number | undefined;
/** While playing, an edit is heard a quarter second later: the sound restarts where it is. */
function replaySoon(): void {
  if (!playback.playing) return;
  window.clearTimeout(replayTimer);
  replayTimer = window.setTimeout(() => {
    const at = playback.position();
    if (at !== null && playback.playing) void startPlayback(at, true);
  }, 250);
}

const isEditing = (s: EditorState): boolean => s.generation === null;

/** Edits are refused while the model writes (indices would move under it); selection is not. */
function edit(change: (s: EditorState) => EditorState): void {
  if (generation.status === 'running') {
    say('Pause generation to edit (G or Esc).');
    return;
  }
  update(change);
}

let savedAt = 0;
/** Saves 400 ms after the last change, and at least every 2 s while changes keep coming (generation). */
function scheduleSave(): void {
  window.clearTimeout(saveTimer);
  if (performance.now() - savedAt > 2000) saveNow();
  else saveTimer = window.setTimeout(saveNow, 400);
}

function saveNow(): void {
  window.clearTimeout(saveTimer);
  savedAt = performance.now();
  const problem = saveWork(localStorage, { notes: state.notes, cursor: state.cursor, settings });
  if (problem !== null) say(problem, true);
}

function say(text: string, error = false): void {
  ui.message.textContent = text;
  ui.message.classList.toggle('error', error);
}

// --- the roll, the workers --------------------------------------------------------------------

const composer = createComposerClient();
/** Served beside the page (workers resolve relative URLs against their own script, so make them absolute). */
const playback = createOutputSwitch(createPlayback(new URL('./soundfont.sf3', document.baseURI).href));
const live = createLivePlayback({
  playback,
  getState: () => state,
  restart: (at) => void startPlayback(at, true),
});

const roll = createPianoRoll(ui.roll, {
  getState: () => state,
  update: (change) => {
    const next = change(state);
    if (next.notes !== state.notes && !isEditing(state)) return;
    if (next.notes !== state.notes) edit(() => next);
    else update(() => next);
  },
  getTool: () => tool,
  getPlayhead: () => playback.position(),
  drawVelocity: () => drawVelocity,
  getGrid: () => settings.grid.beats,
  getSnap: () => snapGridOf(settings.grid),
  isLooping: () => settings.grid.loop,
});

const generation = createGenerationControl({
  composer,
  getState: () => state,
  update: (change) => update(change, false), // what the model writes is heard through `live`
  sampling,
  // A fixed seed writes the same notes again; otherwise a short random one, shown after the run.
  seed: () => settings.seed ?? Math.floor(Math.random() * 1_000_000),
  mode: () => settings.mode,
  onNotes: () => {
    if (state.generation === null) return; // a fill: its notes are in the range on screen
    const last =
      state.notes[(state.generation?.prefixCount ?? 0) + (state.generation?.generatedCount ?? 1) - 1];
    if (last && !playback.playing) roll.follow(last.time + last.duration);
  },
  onStatus: (status) => {
    showGenerationStatus(status);
    // The model's notes are heard as they come; when it stops, the sound restarts with the whole
    // piece if notes after the generation point moved.
    if (!live.onStatus(status) && status !== 'running') replaySoon();
  },
  onError: (message) => say(message, true),
  nextFrame: () =>
    new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
  infillModel: infillModelAt(document.baseURI),
});

function showGenerationStatus(status: GenerationStatus): void {
  const report = generationReport(status, generation.figures);
  if (report !== null) say(report.message);
  if (report?.speed) ui.speed.textContent = report.speed;
  refresh();
}

// --- toolbar ----------------------------------------------------------------------------------

function refresh(): void {
  const status = generation.status;
  const running = status === 'running';
  ui.generate.disabled = !modelReady || running;
  ui.pause.disabled = status === 'idle';
  ui.pause.querySelector('.label')!.textContent = status === 'paused' ? 'Resume' : 'Pause';
  ui.pause.querySelector('.glyph')!.textContent = status === 'paused' ? '▶' : '❚❚';
  ui.stop.disabled = status === 'idle';
  ui.undo.disabled = running || state.past.length === 0;
  ui.redo.disabled = running || state.future.length === 0;
  ui.delete.disabled = running || state.selected.size === 0;
  fills.refresh(state);
  ui.exportMidi.disabled = state.notes.length === 0;
  ui.exportWav.disabled = state.notes.length === 0;
  ui.play.disabled = state.notes.length === 0 && !playback.playing;
  ui.play.classList.toggle('playing', playback.playing);
  // "Stop" here stops the sound; the model's button says "Stop writing".
  ui.play.querySelector('.label')!.textContent = playback.playing ? 'Stop' : 'Play';
  ui.play.querySelector('.glyph')!.textContent = playback.playing ? '■' : '▶';
  ui.play.setAttribute('aria-label', playback.playing ? 'Stop playing' : 'Play');
  ui.play.title = playback.playing ? 'Stop playing (Space)' : 'Play from the cursor (Space)';
  ui.noteCount.textContent = `${state.notes.length.toLocaleString('en')} notes${
    state.selected.size > 0 ? `, ${state.selected.size} selected` : ''
  }`;
  ui.emptyHint.hidden = state.notes.length > 0;
  ui.clock.textContent = formatTime(playback.position() ?? state.cursor, 0.1);
  const chosen = state.notes.filter((n) => state.selected.has(n.id));
  if (chosen.length > 0 && document.activeElement !== ui.velocity) {
    ui.velocity.value = String(Math.round(chosen.reduce((sum, n) => sum + n.velocity, 0) / chosen.length));
  }
  ui.toolSelect.setAttribute('aria-checked', String(tool === 'select'));
  ui.toolDraw.setAttribute('aria-checked', String(tool === 'draw'));
  ui.modeReplace.setAttribute('aria-checked', String(settings.mode === 'replace'));
  ui.modeInsert.setAttribute('aria-checked', String(settings.mode === 'insert'));
  grid.refresh(state);
}

const settingsControls = installSettingsControls({
  get: () => settings,
  set: (next) => (settings = next),
  refresh,
  scheduleSave,
});
const grid = installGridControls({
  getState: () => state,
  edit,
  update,
  getGrid: () => settings.grid,
  setGrid: (next) => {
    const loopChanged = next.loop !== settings.grid.loop;
    settings = { ...settings, grid: next };
    roll.invalidate();
    refresh();
    scheduleSave();
    if (loopChanged) replaySoon(); // the sound restarts where it is, round the loop or on
  },
  say,
});
const setTool = (next: Tool): void => {
  tool = next;
  refresh();
};
ui.toolSelect.addEventListener('click', () => setTool('select'));
ui.toolDraw.addEventListener('click', () => setTool('draw'));
ui.undo.addEventListener('click', () => edit(undo));
ui.redo.addEventListener('click', () => edit(redo));
ui.delete.addEventListener('click', () => edit((s) => deleteNotes(s)));
ui.velocity.addEventListener('change', () => {
  const v = Math.min(127, Math.max(1, Math.round(Number(ui.velocity.value)) || 80));
  drawVelocity = v;
  if (state.selected.size > 0) edit((s) => setVelocity(s, s.selected, v));
});

function generateFromCursor(): void {
  if (!modelReady) return say('The model is still loading.');
  if (generation.status === 'running') return;
  if (generation.status === 'paused') generation.stop();
  void generation.start(cursorIndex(state), settings.count);
}
ui.generate.addEventListener('click', generateFromCursor);
ui.pause.addEventListener('click', () => {
  if (generation.status === 'running') generation.pause();
  else if (generation.status === 'paused') void generation.resume();
});
ui.stop.addEventListener('click', () => generation.stop());

const fills = installFillButtons({ generation, edit });

// --- playback ---------------------------------------------------------------------------------

let playheadLoop = 0;
function animatePlayhead(): void {
  const at = playback.position();
  if (at === null) return;
  roll.follow(at);
  roll.invalidate();
  ui.clock.textContent = formatTime(at, 0.1);
  playheadLoop = requestAnimationFrame(animatePlayhead);
}

async function togglePlay(): Promise<void> {
  if (playback.playing) {
    playback.stop();
    return;
  }
  if (state.notes.length === 0) return;
  await startPlayback(grid.loopRange() === null ? playStart(state) : state.cursor);
}

/** Plays the piece from `from` (round the loop, if on), or only the notes `only` (the model's answer). */
async function startPlayback(from: number, quiet = false, only?: readonly Note[]): Promise<void> {
  if (!quiet) say('Starting the piano…');
  try {
    await playback.play(only ?? live.notesToPlay(), from, {
      loop: only ? null : grid.loopRange(),
      click: () => (settings.grid.click ? settings.grid.beats : null),
    });
    live.onPlay();
    if (!quiet) say(`Playing (first sound after ${Math.round(playback.lastStartMs ?? 0)} ms).`);
    cancelAnimationFrame(playheadLoop);
    animatePlayhead();
  } catch (error) {
    say(`Cannot play: ${error instanceof Error ? error.message : String(error)}`, true);
  }
  refresh();
}
playback.onEnd = () => {
  cancelAnimationFrame(playheadLoop);
  roll.invalidate();
  refresh();
};
ui.play.addEventListener('click', () => void togglePlay());

// --- files ------------------------------------------------------------------------------------

function fitView(): void {
  const notes = state.notes;
  if (notes.length === 0) return;
  const pitches = notes.map((n) => n.pitch).sort((a, b) => a - b);
  const middle = pitches[Math.floor(pitches.length / 2)]!;
  const v = roll.viewport;
  roll.setViewport({ ...v, startTime: 0, topPitch: middle + v.height / v.pxPerSemitone / 2 });
}

const files = installFileActions({
  notes: () => state.notes,
  grid: () => settings.grid.beats,
  replace: async (notes) => {
    generation.stop();
    while (generation.status === 'running') await new Promise((resolve) => setTimeout(resolve, 20));
    playback.stop();
    edit((s) => replacePiece(s, notes));
    fitView();
  },
  renderWav: (notes) => playback.renderWav(notes),
  say,
  refresh,
});

// --- models -----------------------------------------------------------------------------------

const models = installModelMenu({
  composer,
  baseUrl: document.baseURI,
  say,
  onReady: (modelSampling) => {
    tuned = modelSampling; // *temp* and *timing* multiply its tuned temperatures
    settingsControls.applyModel(modelSampling); // its top-p (and top-k), until the next load
    modelReady = true;
    refresh();
  },
});

// --- MIDI keyboard ----------------------------------------------------------------------------

const midi = installMidiControls({
  getState: () => state,
  write: (change) => update(change, false),
  generation,
  output: playback,
  play: (notes, from) => startPlayback(from, true, notes),
  modelReady: () => modelReady,
  say,
  follow: (time) => roll.follow(time),
  getSettings: () => settings.midi,
  setSettings: (next) => {
    settings = { ...settings, midi: next };
    scheduleSave();
  },
});

// --- keyboard ---------------------------------------------------------------------------------

installKeyboard({
  generation,
  roll,
  update,
  edit,
  togglePlay,
  generateFromCursor,
  setTool,
  exportMidi: () => files.exportMidi(),
  grid,
  midi,
  fill: fills.fill,
});
window.addEventListener('pagehide', saveNow);

// --- start ------------------------------------------------------------------------------------

const figures = exposePage({ getState: () => state, generation, roll, playback, midi: midi.session, models });

applySettingsToInputs(settings);
applyGridToInputs(settings.grid);
refresh();
if (saved !== null && saved.notes.length > 0) {
  fitView();
  say(`Welcome back: your piece of ${saved.notes.length.toLocaleString('en')} notes.`);
}
void models.loadInitial().then((ok) => {
  if (ok) {
    figures.readyMs = performance.now();
    document.body.dataset['ready'] = 'true';
    if (saved === null || saved.notes.length === 0)
      say('Ready. Press Generate (G), or draw or open a piece.');
  }
  // The SoundFont (15 MB) loads in the background once the model is in, so Play starts quickly.
  void playback.preload().catch((error: unknown) => say(`No piano sound: ${String(error)}`, true));
});
