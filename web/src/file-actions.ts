import type { BeatGrid, Note } from '../../src/public/index.js';
import { downloadBytes, readFileBytes } from './downloads.js';
import { barShift, midiFileOf, notesFromMidiFile } from './midi-file.js';
import { ui } from './page-elements.js';

/**
 * The piece as files: open a MIDI file (button, Ctrl+O, or dropped anywhere on the page), start a
 * new piece, download MIDI or WAV. A file that cannot be used leaves the piece as it was and says
 * why in the status line.
 */
export interface FileActionsHost {
  readonly notes: () => readonly Note[];
  /** The tempo and meter the MIDI file carries. */
  readonly grid: () => BeatGrid;
  /** Replaces the piece, undoably (stopping generation and playback first). */
  readonly replace: (notes: readonly Note[]) => Promise<void>;
  readonly renderWav: (notes: readonly Note[]) => Promise<Uint8Array>;
  readonly say: (text: string, error?: boolean) => void;
  readonly refresh: () => void;
}

const stamp = (): string => new Date().toISOString().slice(0, 16).replace(/[T:]/g, '-');

export function installFileActions(host: FileActionsHost): { exportMidi(): void } {
  const { say } = host;

  async function openMidi(file: File): Promise<void> {
    try {
      const notes = notesFromMidiFile(await readFileBytes(file), file.name);
      await host.replace(notes);
      say(
        `Opened ${file.name}: ${notes.length.toLocaleString('en')} notes. Ctrl+Z goes back to the previous piece.`,
      );
    } catch (error) {
      say(error instanceof Error ? error.message : String(error), true);
    }
  }

  ui.open.addEventListener('click', () => ui.midiInput.click());
  ui.newPiece.addEventListener('click', () => {
    void host.replace([]).then(() => say('New piece. Ctrl+Z brings the old one back.'));
  });
  ui.midiInput.addEventListener('change', () => {
    const file = ui.midiInput.files?.[0];
    if (file) void openMidi(file);
    ui.midiInput.value = '';
  });

  let dragDepth = 0;
  window.addEventListener('dragenter', (event) => {
    event.preventDefault();
    dragDepth++;
    ui.dropOverlay.hidden = false;
  });
  window.addEventListener('dragleave', () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) ui.dropOverlay.hidden = true;
  });
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => {
    event.preventDefault();
    dragDepth = 0;
    ui.dropOverlay.hidden = true;
    const files = event.dataTransfer?.files;
    if (!files || files.length === 0) return say('Nothing to open: drop a MIDI file.', true);
    if (files.length > 1) say(`Opening the first of ${files.length} files.`);
    void openMidi(files[0]!);
  });

  function exportMidi(): void {
    const notes = host.notes();
    if (notes.length === 0) return say('Nothing to download yet.');
    const grid = host.grid();
    downloadBytes(midiFileOf(notes, grid), `howl-${stamp()}.mid`, 'audio/midi');
    const shift = barShift(notes, grid);
    const moved =
      shift === 0
        ? ''
        : `, moved ${Math.abs(shift).toFixed(2)} s ${shift < 0 ? 'earlier' : 'later'} so the bars line up`;
    const { numerator, denominator } = grid.meter;
    say(
      `Downloaded ${notes.length} notes as MIDI at ${grid.bpm} bpm in ${numerator}/${denominator}${moved}.`,
    );
  }
  ui.exportMidi.addEventListener('click', exportMidi);
  ui.exportWav.addEventListener('click', () => {
    const notes = host.notes();
    if (notes.length === 0) return;
    say('Rendering WAV…');
    ui.exportWav.disabled = true;
    host
      .renderWav(notes)
      .then((bytes) => {
        downloadBytes(bytes, `howl-${stamp()}.wav`, 'audio/wav');
        say(`Downloaded WAV (${(bytes.length / 1024 / 1024).toFixed(1)} MB).`);
      })
      .catch((error: unknown) =>
        say(`WAV failed: ${error instanceof Error ? error.message : String(error)}`, true),
      )
      .finally(host.refresh);
  });

  return { exportMidi };
}
