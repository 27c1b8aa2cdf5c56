import { describe, expect, it } from 'vitest';
import { actionFor, SHORTCUT_HELP, type KeyPress } from './shortcuts.js';

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe('keyboard shortcuts', () => {
  it('maps the common actions', () => {
    expect(actionFor(press(' '))).toEqual({ type: 'play-pause' });
    expect(actionFor(press('Delete'))).toEqual({ type: 'delete' });
    expect(actionFor(press('Backspace'))).toEqual({ type: 'delete' });
    expect(actionFor(press('z', { ctrlKey: true }))).toEqual({ type: 'undo' });
    expect(actionFor(press('Z', { metaKey: true, shiftKey: true }))).toEqual({ type: 'redo' });
    expect(actionFor(press('y', { ctrlKey: true }))).toEqual({ type: 'redo' });
    expect(actionFor(press('G'))).toEqual({ type: 'generate-pause' });
    expect(actionFor(press('ArrowUp', { shiftKey: true }))).toEqual({
      type: 'move',
      seconds: 0,
      semitones: 12,
    });
    expect(actionFor(press('ArrowLeft'))).toEqual({ type: 'move', seconds: -0.05, semitones: 0 });
    expect(actionFor(press('a', { ctrlKey: true }))).toEqual({ type: 'select-all' });
    expect(actionFor(press('.'))).toEqual({ type: 'scale', factor: 1.1 });
    expect(actionFor(press('?', { shiftKey: true }))).toEqual({ type: 'help' });
    expect(actionFor(press('Escape'))).toEqual({ type: 'stop' });
  });

  it('maps the grid and clipboard actions; ctrl and ⌘ alike', () => {
    expect(actionFor(press('c', { ctrlKey: true }))).toEqual({ type: 'copy' });
    expect(actionFor(press('x', { metaKey: true }))).toEqual({ type: 'cut' });
    expect(actionFor(press('V', { ctrlKey: true, shiftKey: true }))).toEqual({ type: 'paste' });
    expect(actionFor(press('d', { ctrlKey: true }))).toEqual({ type: 'duplicate' });
    expect(actionFor(press('d'))).toEqual({ type: 'tool', tool: 'draw' }); // without ctrl: the draw tool
    expect(actionFor(press('q'))).toEqual({ type: 'quantise' });
    expect(actionFor(press('s'))).toEqual({ type: 'snap' });
    expect(actionFor(press('s', { ctrlKey: true }))).toEqual({ type: 'export-midi' });
    expect(actionFor(press('l'))).toEqual({ type: 'loop' });
    expect(actionFor(press('k'))).toEqual({ type: 'click' });
    expect(actionFor(press('c', { ctrlKey: true }), true)).toBeNull(); // a text field copies its text
  });

  it('maps the MIDI keyboard actions: R records, A answers; ctrl+A still selects all', () => {
    expect(actionFor(press('r'))).toEqual({ type: 'record' });
    expect(actionFor(press('R', { shiftKey: true }))).toEqual({ type: 'record' });
    expect(actionFor(press('a'))).toEqual({ type: 'answer' });
    expect(actionFor(press('a', { ctrlKey: true }))).toEqual({ type: 'select-all' });
    expect(actionFor(press('r', { ctrlKey: true }))).toBeNull(); // the browser's reload
    expect(actionFor(press('a'), true)).toBeNull(); // typing in a field
  });

  it('maps fill, fill again and lock: F, Shift+F, Shift+L (L alone still loops)', () => {
    expect(actionFor(press('f'))).toEqual({ type: 'fill' });
    expect(actionFor(press('F', { shiftKey: true }))).toEqual({ type: 'fill-again' });
    expect(actionFor(press('L', { shiftKey: true }))).toEqual({ type: 'lock' });
    expect(actionFor(press('l'))).toEqual({ type: 'loop' });
    expect(actionFor(press('f'), true)).toBeNull(); // typing in a field
    const keys = SHORTCUT_HELP.map(([k]) => k);
    expect(keys).toContain('F, Shift+F');
    expect(keys).toContain('Shift+L');
  });

  it('lists the MIDI keys in the help', () => {
    const keys = SHORTCUT_HELP.map(([k]) => k);
    expect(keys).toContain('R');
    expect(keys).toContain('A');
  });

  it('leaves typing in fields alone, except Escape', () => {
    expect(actionFor(press(' '), true)).toBeNull();
    expect(actionFor(press('Backspace'), true)).toBeNull();
    expect(actionFor(press('a', { ctrlKey: true }), true)).toBeNull();
    expect(actionFor(press('z', { ctrlKey: true }), true)).toBeNull();
    expect(actionFor(press('Escape'), true)).toEqual({ type: 'stop' });
  });

  it('ignores other keys', () => {
    expect(actionFor(press('w'))).toBeNull();
    expect(actionFor(press('b', { ctrlKey: true }))).toBeNull();
    expect(actionFor(press('g', { altKey: true }))).toBeNull();
  });
});
