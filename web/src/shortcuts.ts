/**
 * Keyboard shortcuts, as a pure mapping from a key press to an action (tested without a browser).
 * Laptop-friendly: no numeric keypad or function keys needed; ctrl and ⌘ are the same.
 */
export type Action =
  | { readonly type: 'play-pause' }
  | { readonly type: 'generate-pause' }
  | { readonly type: 'stop' }
  | { readonly type: 'delete' }
  | { readonly type: 'undo' }
  | { readonly type: 'redo' }
  | { readonly type: 'select-all' }
  | { readonly type: 'deselect' }
  | { readonly type: 'move'; readonly seconds: number; readonly semitones: number }
  | { readonly type: 'velocity'; readonly delta: number }
  | { readonly type: 'scale'; readonly factor: number }
  | { readonly type: 'tool'; readonly tool: 'select' | 'draw' }
  | { readonly type: 'cursor-start' }
  | { readonly type: 'export-midi' }
  | { readonly type: 'open' }
  | { readonly type: 'help' }
  | { readonly type: 'copy' }
  | { readonly type: 'cut' }
  | { readonly type: 'paste' }
  | { readonly type: 'duplicate' }
  | { readonly type: 'quantise' }
  | { readonly type: 'snap' }
  | { readonly type: 'loop' }
  | { readonly type: 'click' }
  | { readonly type: 'record' }
  | { readonly type: 'answer' }
  | { readonly type: 'fill' }
  | { readonly type: 'fill-again' }
  | { readonly type: 'lock' }
  | { readonly type: 'zoom'; readonly factor: number };

/** The fields of a `KeyboardEvent` that matter. */
export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly shiftKey: boolean;
  readonly altKey: boolean;
}

/** The shortcut list shown in the help panel: keys and what they do. */
export const SHORTCUT_HELP: readonly (readonly [string, string])[] = [
  ['Space', 'play from the cursor / stop playing'],
  ['G', 'generate from the cursor / pause / resume'],
  ['Esc', 'close this panel; else stop writing; else clear the selection; else the ruler range'],
  ['Delete, Backspace', 'delete the selected notes'],
  ['Ctrl+Z, Ctrl+Shift+Z / Ctrl+Y', 'undo, redo'],
  ['Ctrl+A', 'select all'],
  ['Ctrl+C, Ctrl+X, Ctrl+V', 'copy, cut, paste at the cursor'],
  ['Ctrl+D', 'duplicate the selection after itself'],
  ['Q', 'quantise the selection'],
  ['S', 'snap to the grid on / off (alt while dragging: free)'],
  ['L, K', 'loop the ruler range, metronome click'],
  ['R', 'record from the MIDI keyboard at the cursor / stop recording'],
  ['A', 'answer mode: the model answers when you pause playing (a key cuts the answer off) / off'],
  ['F, Shift+F', 'fill the ruler range from before and after it; fill again (another take)'],
  ['Shift+L', 'lock / unlock the selected notes (a fill keeps them)'],
  ['↑ ↓ (Shift: octave)', 'move the selection in pitch'],
  ['← → (Shift: 0.5 s)', 'move the selection in time by 50 ms'],
  ['[ ]', 'velocity of the selection − / + 8'],
  [', .', 'stretch the selection in time × 0.9 / × 1.1'],
  ['V, D', 'select tool, draw tool'],
  ['Home', 'cursor to the start'],
  ['+ −', 'zoom time'],
  ['Ctrl+S, Ctrl+O', 'download MIDI, open a MIDI file'],
  ['?', 'show / hide these shortcuts'],
];

/**
 * The action for a key press, or null when the key is not a shortcut (then the browser handles it).
 *
 * @param press - the key event
 * @param inField - whether focus is in a text field (then only Escape acts: the field keeps its keys)
 */
export function actionFor(press: KeyPress, inField = false): Action | null {
  const mod = press.ctrlKey || press.metaKey;
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  if (key === 'Escape') return { type: 'stop' };
  if (inField) return null;
  if (mod) {
    if (key === 'z') return press.shiftKey ? { type: 'redo' } : { type: 'undo' };
    if (key === 'y') return { type: 'redo' };
    if (key === 'a') return { type: 'select-all' };
    if (key === 's') return { type: 'export-midi' };
    if (key === 'o') return { type: 'open' };
    if (key === 'c') return { type: 'copy' };
    if (key === 'x') return { type: 'cut' };
    if (key === 'v') return { type: 'paste' };
    if (key === 'd') return { type: 'duplicate' };
    return null;
  }
  if (press.altKey) return null;
  switch (key) {
    case ' ':
      return { type: 'play-pause' };
    case 'g':
      return { type: 'generate-pause' };
    case 'Delete':
    case 'Backspace':
      return { type: 'delete' };
    case 'ArrowUp':
      return { type: 'move', seconds: 0, semitones: press.shiftKey ? 12 : 1 };
    case 'ArrowDown':
      return { type: 'move', seconds: 0, semitones: press.shiftKey ? -12 : -1 };
    case 'ArrowLeft':
      return { type: 'move', seconds: press.shiftKey ? -0.5 : -0.05, semitones: 0 };
    case 'ArrowRight':
      return { type: 'move', seconds: press.shiftKey ? 0.5 : 0.05, semitones: 0 };
    case '[':
      return { type: 'velocity', delta: -8 };
    case ']':
      return { type: 'velocity', delta: 8 };
    case ',':
      return { type: 'scale', factor: 0.9 };
    case '.':
      return { type: 'scale', factor: 1.1 };
    case 'v':
      return { type: 'tool', tool: 'select' };
    case 'd':
      return { type: 'tool', tool: 'draw' };
    case 'q':
      return { type: 'quantise' };
    case 's':
      return { type: 'snap' };
    case 'l':
      return press.shiftKey ? { type: 'lock' } : { type: 'loop' };
    case 'f':
      return press.shiftKey ? { type: 'fill-again' } : { type: 'fill' };
    case 'k':
      return { type: 'click' };
    case 'r':
      return { type: 'record' };
    case 'a':
      return { type: 'answer' };
    case 'Home':
      return { type: 'cursor-start' };
    case '+':
    case '=':
      return { type: 'zoom', factor: 1.25 };
    case '-':
      return { type: 'zoom', factor: 0.8 };
    case '?':
      return { type: 'help' };
    default:
      return null;
  }
}
