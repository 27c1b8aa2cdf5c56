import {
  divisionSeconds,
  estimateTempo,
  MAX_BPM,
  MIN_BPM,
  type BeatGrid,
  type Note,
} from '../../src/public/index.js';
import { select, setRange, type EditorState, type TimeRange } from './editor-state.js';
import {
  copySelection,
  cutSelection,
  duplicateSelection,
  pasteClip,
  quantiseSelection,
  type Clip,
} from './grid-edits.js';
import { ui } from './page-elements.js';
import { snapTo, type SnapGrid } from './roll-geometry.js';
import type { GridSettings } from './storage.js';

/**
 * The toolbar's third row: copy, cut, paste and duplicate; the tempo, meter and bar 1 (typed in,
 * or estimated from the notes, the estimate shown beside); *Snap*; *Quantise* with its grid,
 * triplets, strength and ends; *Loop* and *Click*. The settings are kept with the others
 * (`storage.ts`); the clipboard lives in the page.
 */
export interface GridHost {
  readonly getState: () => EditorState;
  /** Changes the notes (refused, with a message, while the model writes). */
  readonly edit: (change: (s: EditorState) => EditorState) => void;
  /** Changes the selection, cursor or range. */
  readonly update: (change: (s: EditorState) => EditorState) => void;
  readonly getGrid: () => GridSettings;
  /** Keeps new grid settings, redraws and saves them. */
  readonly setGrid: (grid: GridSettings) => void;
  readonly say: (text: string, error?: boolean) => void;
}

/** What the keyboard and the page call. */
export interface GridCommands {
  copy(): void;
  cut(): void;
  paste(): void;
  duplicate(): void;
  quantise(): void;
  estimate(): void;
  toggleSnap(): void;
  toggleLoop(): void;
  toggleClick(): void;
  /** The snap grid now, or null when snapping is off. */
  snap(): SnapGrid | null;
  /** What loop playback repeats: the ruler's range, else the selection's span; null when off. */
  loopRange(): TimeRange | null;
  /** Enables the row's buttons for the state. */
  refresh(state: EditorState): void;
}

/** The snap grid of some grid settings: the quantise division's steps through bar 1. */
export function snapGridOf(grid: GridSettings): SnapGrid | null {
  if (!grid.snap) return null;
  return { step: divisionSeconds(grid.beats.bpm, grid.division, grid.triplet), offset: grid.beats.offset };
}

const meterText = (beats: BeatGrid): string => `${beats.meter.numerator}/${beats.meter.denominator}`;
const divisionText = (grid: GridSettings): string => `1/${grid.division}${grid.triplet ? ' triplets' : ''}`;

/** Shows grid settings in the row's inputs and toggles. */
export function applyGridToInputs(grid: GridSettings): void {
  ui.bpm.value = String(Math.round(grid.beats.bpm * 100) / 100);
  const meter = meterText(grid.beats);
  if (![...ui.meter.options].some((o) => o.value === meter)) ui.meter.add(new Option(meter, meter));
  ui.meter.value = meter;
  ui.barOffset.value = String(Math.round(grid.beats.offset * 1000) / 1000);
  ui.division.value = String(grid.division);
  ui.triplet.checked = grid.triplet;
  ui.strength.value = String(Math.round(grid.strength * 100));
  ui.strengthValue.textContent = `${Math.round(grid.strength * 100)} %`;
  ui.quantiseEnds.checked = grid.ends;
  ui.snap.setAttribute('aria-pressed', String(grid.snap));
  ui.loop.setAttribute('aria-pressed', String(grid.loop));
  ui.click.setAttribute('aria-pressed', String(grid.click));
}

/** The notes a command works on, and how many: the selection. */
const selectedNotes = (state: EditorState): Note[] => state.notes.filter((n) => state.selected.has(n.id));

const count = (n: number): string => `${n.toLocaleString('en')} note${n === 1 ? '' : 's'}`;

/** Copy, cut, paste and duplicate, and whether there is anything to paste. */
type Clipboard = Pick<GridCommands, 'copy' | 'cut' | 'paste' | 'duplicate'> & {
  readonly full: () => boolean;
};

/** The page's clipboard: a clip of notes (kept until the page closes; the system clipboard is not used). */
function createClipboard(host: GridHost, snap: () => SnapGrid | null): Clipboard {
  let clip: Clip | null = null;
  const { say } = host;
  return {
    full: () => clip !== null,
    copy() {
      const copied = copySelection(host.getState(), snap());
      if (copied === null) return say('Select notes to copy first.');
      clip = copied.clip;
      say(`Copied ${count(clip.notes.length)}.`);
    },
    cut() {
      if (host.getState().selected.size === 0) return say('Select notes to cut first.');
      host.edit((s) => {
        const cut = cutSelection(s, snap());
        if (cut === null) return s;
        clip = cut.clip;
        say(`Cut ${count(cut.clip.notes.length)}.`);
        return cut.state;
      });
    },
    paste() {
      const pasting = clip;
      if (pasting === null) return say('Nothing to paste: copy (Ctrl+C) or cut (Ctrl+X) notes first.');
      if (host.getState().generation !== null) return say('Stop writing (Esc) before pasting.');
      const grid = snap();
      host.edit((s) => {
        say(`Pasted ${count(pasting.notes.length)} at the cursor.`);
        return pasteClip(s, pasting, grid === null ? s.cursor : snapTo(s.cursor, grid));
      });
    },
    duplicate() {
      const state = host.getState();
      if (state.selected.size === 0) return say('Select notes to duplicate first.');
      if (state.generation !== null) return say('Stop writing (Esc) before duplicating.');
      host.edit((s) => {
        say(`Duplicated ${count(s.selected.size)}.`);
        return duplicateSelection(s, snap());
      });
    },
  };
}

/** Listens to the row's controls; returns the commands the keyboard shares. */
export function installGridControls(host: GridHost): GridCommands {
  const { say } = host;
  const change = (next: Partial<GridSettings>): void => {
    const grid = { ...host.getGrid(), ...next };
    host.setGrid(grid);
    applyGridToInputs(grid);
  };
  const changeBeats = (next: Partial<BeatGrid>): void =>
    change({ beats: { ...host.getGrid().beats, ...next } });
  const snap = (): SnapGrid | null => snapGridOf(host.getGrid());
  const clipboard = createClipboard(host, snap);

  const commands: GridCommands = {
    copy: clipboard.copy,
    cut: clipboard.cut,
    paste: clipboard.paste,
    duplicate: clipboard.duplicate,
    quantise() {
      const grid = host.getGrid();
      if (host.getState().selected.size === 0) {
        return say('Select the notes to quantise first (Ctrl+A selects all).');
      }
      host.edit((s) => {
        const strength = `${Math.round(grid.strength * 100)} %`;
        say(`Quantised ${count(s.selected.size)} to ${divisionText(grid)} at ${strength}.`);
        return quantiseSelection(s, grid.beats, grid);
      });
    },
    estimate() {
      const state = host.getState();
      const chosen = selectedNotes(state);
      const notes = chosen.length >= 8 ? chosen : state.notes;
      const found = estimateTempo(notes);
      if (found === null) return say('Too few notes to estimate a tempo: it needs at least four onsets.');
      const beats: BeatGrid = {
        bpm: Math.min(MAX_BPM, Math.max(MIN_BPM, Math.round(found.bpm * 10) / 10)),
        meter: found.meter,
        offset: Math.round(found.offset * 1000) / 1000,
      };
      change({ beats });
      const shown = `${beats.bpm} bpm ${meterText(beats)}, bar 1 at ${beats.offset.toFixed(2)} s`;
      const clarity = `${Math.round(found.confidence * 100)} %`;
      ui.estimateValue.textContent = `≈ ${beats.bpm} bpm ${meterText(beats)} · ${clarity}`;
      ui.estimateValue.title = `The estimate: ${shown}; ${clarity} of the notes' weight falls on its beats (music played to a click: 80 % or more)`;
      const from = notes === chosen ? `the ${count(chosen.length)} selected` : 'the piece';
      say(`Estimated from ${from}: ${shown}.`);
    },
    toggleSnap: () => change({ snap: !host.getGrid().snap }),
    toggleLoop() {
      change({ loop: !host.getGrid().loop });
      if (host.getGrid().loop && commands.loopRange() === null) {
        say('Loop is on: drag on the ruler to choose what it repeats (or select notes).');
      }
    },
    toggleClick: () => change({ click: !host.getGrid().click }),
    snap,
    loopRange() {
      if (!host.getGrid().loop) return null;
      const state = host.getState();
      if (state.range !== null) return state.range;
      const chosen = selectedNotes(state);
      if (chosen.length === 0) return null;
      const start = Math.min(...chosen.map((n) => n.time));
      const end = Math.max(...chosen.map((n) => n.time + n.duration));
      const grid = snap();
      return grid === null
        ? { start, end }
        : { start: snapTo(start, grid, 'floor'), end: snapTo(end, grid, 'ceil') };
    },
    refresh(state) {
      const none = state.selected.size === 0;
      for (const button of [ui.copy, ui.cut, ui.duplicate, ui.quantise]) button.disabled = none;
      ui.paste.disabled = !clipboard.full();
    },
  };
  installInputs(host, change, changeBeats, commands);
  return commands;
}

/** A number typed into a field, within lo..hi, or null when it is not a number. */
const numberIn = (input: HTMLInputElement, lo: number, hi: number): number | null => {
  const n = Number(input.value);
  return input.value.trim() === '' || !Number.isFinite(n) ? null : Math.min(hi, Math.max(lo, n));
};

function installInputs(
  host: GridHost,
  change: (next: Partial<GridSettings>) => void,
  changeBeats: (next: Partial<BeatGrid>) => void,
  commands: GridCommands,
): void {
  ui.bpm.addEventListener('change', () =>
    changeBeats({ bpm: numberIn(ui.bpm, MIN_BPM, MAX_BPM) ?? host.getGrid().beats.bpm }),
  );
  ui.meter.addEventListener('change', () => {
    const [numerator, denominator] = ui.meter.value.split('/').map(Number) as [number, number];
    changeBeats({ meter: { numerator, denominator } });
    ui.meter.blur();
  });
  ui.barOffset.addEventListener('change', () =>
    changeBeats({ offset: numberIn(ui.barOffset, -3600, 36_000) ?? host.getGrid().beats.offset }),
  );
  ui.division.addEventListener('change', () => {
    change({ division: Number(ui.division.value) });
    ui.division.blur();
  });
  ui.triplet.addEventListener('change', () => change({ triplet: ui.triplet.checked }));
  ui.strength.addEventListener('input', () => change({ strength: Number(ui.strength.value) / 100 }));
  ui.quantiseEnds.addEventListener('change', () => change({ ends: ui.quantiseEnds.checked }));
  ui.estimate.addEventListener('click', () => commands.estimate());
  ui.snap.addEventListener('click', () => commands.toggleSnap());
  ui.quantise.addEventListener('click', () => commands.quantise());
  ui.loop.addEventListener('click', () => commands.toggleLoop());
  ui.click.addEventListener('click', () => commands.toggleClick());
  ui.copy.addEventListener('click', () => commands.copy());
  ui.cut.addEventListener('click', () => commands.cut());
  ui.paste.addEventListener('click', () => commands.paste());
  ui.duplicate.addEventListener('click', () => commands.duplicate());
}

/** Esc's last step: clear the selection, or when there is none, the ruler's range. */
export const clearSelectionOrRange = (s: EditorState): EditorState =>
  s.selected.size > 0 ? select(s, []) : setRange(s, null);
