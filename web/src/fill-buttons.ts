import type { EditorState } from './editor-state.js';
import { toggleLock } from './fill-edits.js';
import type { GenerationControl } from './generation-control.js';
import { ui } from './page-elements.js';

/** What the *Fill a range* group needs of the page. */
export interface FillButtonsHost {
  readonly generation: GenerationControl;
  /** Changes the notes (refused, with a message, while the model writes). */
  readonly edit: (change: (s: EditorState) => EditorState) => void;
}

/**
 * The toolbar's *Fill a range* group: *Fill* and *Fill again* (the generation control runs them)
 * and *Lock* (pressed when every selected note is locked; then it reads *Unlock*).
 *
 * @returns `fill` (for the keys F and Shift+F) and `refresh`, which sets the buttons from the state
 */
export function installFillButtons(host: FillButtonsHost): {
  fill(again: boolean): void;
  refresh(state: EditorState): void;
} {
  const { generation } = host;
  /** A paused generation is stopped first; a running one is left alone. */
  const fill = (again: boolean): void => {
    if (generation.status === 'running') return;
    if (generation.status === 'paused') generation.stop();
    void generation.fill(again);
  };
  ui.fill.addEventListener('click', () => fill(false));
  ui.fillAgain.addEventListener('click', () => fill(true));
  ui.lock.addEventListener('click', () => host.edit((s) => toggleLock(s)));
  return {
    fill,
    refresh(state) {
      const running = generation.status === 'running';
      ui.fill.disabled = running || state.range === null;
      ui.fillAgain.disabled = running || (state.range === null && !generation.hasFilled);
      ui.lock.disabled = running || state.selected.size === 0;
      const chosen = state.notes.filter((n) => state.selected.has(n.id));
      const locked = chosen.length > 0 && chosen.every((n) => n.locked === true);
      ui.lock.setAttribute('aria-pressed', String(locked));
      ui.lock.textContent = locked ? 'Unlock' : 'Lock';
    },
  };
}
