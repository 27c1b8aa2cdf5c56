import {
  changeVelocity,
  deleteNotes,
  moveNotes,
  redo,
  scaleNotes,
  select,
  selectAll,
  setCursor,
  undo,
  type EditorState,
} from './editor-state.js';
import { toggleLock } from './fill-edits.js';
import type { GenerationControl } from './generation-control.js';
import { clearSelectionOrRange, type GridCommands } from './grid-controls.js';
import type { MidiCommands } from './midi-control.js';
import { ui } from './page-elements.js';
import type { PianoRoll, Tool } from './piano-roll.js';
import { actionFor, SHORTCUT_HELP, type Action } from './shortcuts.js';

/**
 * The page's keyboard: each key press `shortcuts.ts` maps to an action is performed here, and the
 * shortcuts' list (`?` or the toolbar's button) opens and closes, giving the focus back.
 */
export interface KeyboardHost {
  readonly generation: GenerationControl;
  readonly roll: PianoRoll;
  /** Changes the state (selection, cursor: allowed while the model writes). */
  readonly update: (change: (s: EditorState) => EditorState) => void;
  /** Changes the notes (refused, with a message, while the model writes). */
  readonly edit: (change: (s: EditorState) => EditorState) => void;
  readonly togglePlay: () => Promise<void>;
  readonly generateFromCursor: () => void;
  readonly setTool: (tool: Tool) => void;
  readonly exportMidi: () => void;
  /** Clipboard, quantise, snap, loop and click. */
  readonly grid: GridCommands;
  /** Record and answer from a MIDI keyboard. */
  readonly midi: Pick<MidiCommands, 'toggleRecord' | 'toggleAnswer'>;
  /** *Fill* the ruler's range (`again`: another take). */
  readonly fill: (again: boolean) => void;
}

/**
 * Listens to key presses on the page, fills the shortcuts' list and wires its buttons; toolbar
 * buttons give the focus back after a click.
 */
export function installKeyboard(host: KeyboardHost): void {
  window.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement | null;
    const inField = target !== null && ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName);
    const typing = inField && !['range', 'checkbox'].includes((target as HTMLInputElement).type);
    const action = actionFor(event, typing);
    if (action === null) return;
    event.preventDefault();
    if (inField) target.blur();
    perform(host, action);
  });

  // Buttons give focus back after a click, so that Space means play, not "press the last button".
  for (const button of document.querySelectorAll<HTMLButtonElement>('.toolbar button')) {
    button.addEventListener('click', () => button.blur());
  }

  for (const [keys, what] of SHORTCUT_HELP) {
    const dt = document.createElement('dt');
    dt.textContent = keys;
    const dd = document.createElement('dd');
    dd.textContent = what;
    ui.helpList.append(dt, dd);
  }
  ui.help.addEventListener('click', () => showHelp(ui.helpPanel.hidden, ui.help));
  ui.helpClose.addEventListener('click', () => showHelp(false));
}

function perform(host: KeyboardHost, action: Action): void {
  const { generation, roll, update, edit } = host;
  switch (action.type) {
    case 'play-pause':
      void host.togglePlay();
      break;
    case 'generate-pause':
      if (generation.status === 'running') generation.pause();
      else if (generation.status === 'paused') void generation.resume();
      else host.generateFromCursor();
      break;
    case 'stop':
      // Esc closes what is on top first: the shortcuts, then the model's writing, then the selection.
      if (!ui.helpPanel.hidden) showHelp(false);
      else if (generation.status !== 'idle') generation.stop();
      else update(clearSelectionOrRange);
      break;
    case 'help':
      showHelp(ui.helpPanel.hidden);
      break;
    case 'delete':
      edit((s) => deleteNotes(s));
      break;
    case 'undo':
      edit(undo);
      break;
    case 'redo':
      edit(redo);
      break;
    case 'select-all':
      update(selectAll);
      break;
    case 'deselect':
      update((s) => select(s, []));
      break;
    case 'move':
      edit((s) => moveNotes(s, s.selected, action.seconds, action.semitones));
      break;
    case 'velocity':
      edit((s) => changeVelocity(s, s.selected, action.delta));
      break;
    case 'scale':
      edit((s) => scaleNotes(s, s.selected, action.factor));
      break;
    case 'tool':
      host.setTool(action.tool);
      break;
    case 'cursor-start':
      update((s) => setCursor(s, 0));
      roll.setViewport({ ...roll.viewport, startTime: 0 });
      break;
    case 'export-midi':
      host.exportMidi();
      break;
    case 'open':
      ui.midiInput.click();
      break;
    case 'copy':
    case 'cut':
    case 'paste':
    case 'duplicate':
    case 'quantise':
      host.grid[action.type]();
      break;
    case 'snap':
      host.grid.toggleSnap();
      break;
    case 'loop':
      host.grid.toggleLoop();
      break;
    case 'click':
      host.grid.toggleClick();
      break;
    case 'record':
      host.midi.toggleRecord();
      break;
    case 'answer':
      host.midi.toggleAnswer();
      break;
    case 'fill':
    case 'fill-again':
      host.fill(action.type === 'fill-again');
      break;
    case 'lock':
      edit((s) => toggleLock(s));
      break;
    case 'zoom': {
      const v = roll.viewport;
      roll.setViewport({ ...v, pxPerSecond: v.pxPerSecond * action.factor });
      break;
    }
  }
}

/** Where focus goes back when the shortcuts close: what had it before they opened. */
let helpOpener: HTMLElement = ui.help;

/** Shows or hides the shortcuts; open, they take the focus, and closing gives it back. */
function showHelp(show: boolean, opener?: HTMLElement): void {
  if (show === !ui.helpPanel.hidden) return;
  ui.helpPanel.hidden = !show;
  ui.help.setAttribute('aria-expanded', String(show));
  if (show) {
    const active = document.activeElement;
    helpOpener = opener ?? (active instanceof HTMLElement && active !== document.body ? active : ui.help);
    ui.helpPanel.focus();
  } else if (ui.helpPanel.contains(document.activeElement) || document.activeElement === document.body) {
    helpOpener.focus();
  }
}
