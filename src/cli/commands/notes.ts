import type { Command } from 'commander';
import { midiToNoteName } from '../../encoding/note-names.js';
import { NoteLimitError } from '../../errors.js';
import { DEFAULT_MAX_NOTES, readMidi } from '../../midi/read-midi.js';
import { readInputFile } from '../../node/read-input-file.js';
import type { Note } from '../../score/note.js';
import { CliError } from '../cli-error.js';
import { parseNumberOption } from '../cli-helpers.js';

interface NotesCommandOptions {
  raw?: boolean;
  drums?: boolean;
  json?: boolean;
  maxNotes: string;
}

/** Header line of the `howl notes` table. */
export const NOTES_HEADER = 'time\tduration\tpitch\tname\tvelocity';

/**
 * Formats one note as a line of the `howl notes` table: onset and duration in seconds (3 decimals),
 * MIDI pitch, note name (C4 = 60, sharps) and velocity, separated by tabs.
 *
 * @param note The note.
 * @returns e.g. `"0.500\t0.250\t61\tC#4\t100"`.
 * @example
 * formatNoteLine({ pitch: 60, velocity: 90, time: 0, duration: 0.5 }); // "0.000\t0.500\t60\tC4\t90"
 */
export function formatNoteLine(note: Note): string {
  return `${note.time.toFixed(3)}\t${note.duration.toFixed(3)}\t${note.pitch}\t${midiToNoteName(note.pitch)}\t${note.velocity}`;
}

/** Writes to stdout, waiting when the pipe is full; stops quietly (false) once the reader has gone (EPIPE). */
async function writeAll(pieces: Iterable<string>): Promise<boolean> {
  const out = process.stdout;
  let closed = false;
  const onError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') closed = true;
    else throw error;
  };
  out.on('error', onError);
  try {
    for (const piece of pieces) {
      if (closed) return false;
      if (!out.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            out.off('drain', done);
            out.off('error', done);
            out.off('close', done);
            resolve();
          };
          out.once('drain', done);
          out.once('error', done);
          out.once('close', done);
        });
      }
    }
    return !closed;
  } finally {
    // Keep swallowing a late EPIPE from writes still buffered when we return.
    out.off('error', onError);
    out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}

function* tableChunks(notes: readonly Note[]): Generator<string> {
  let chunk = `${NOTES_HEADER}\n`;
  for (const note of notes) {
    chunk += `${formatNoteLine(note)}\n`;
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * Registers `howl notes FILE`: prints the notes `readMidi` reads from one MIDI file, one per line
 * after a header (`time duration pitch name velocity`, tab-separated), or as JSON with `--json`.
 * Warnings go to stderr. `--raw` ignores the sustain pedal; `--drums` keeps channel 10. Output into a
 * closed pipe (`howl notes x.mid | head`) stops quietly.
 *
 * @param program The `howl` program.
 * @throws {CliError} From the action, when the file cannot be read; a MidiFormatError when it is not MIDI.
 * @example
 * registerNotes(new Command('howl')); // then: howl notes song.mid --raw
 */
export function registerNotes(program: Command): void {
  program
    .command('notes')
    .description('print the notes of one MIDI file, one per line (time, duration, pitch, name, velocity)')
    .argument('<file>', 'a Standard MIDI File (.mid, .midi, .rmi)')
    .option('--raw', 'raw note lengths: do not apply the sustain pedal')
    .option('--drums', 'keep channel 10 drum notes')
    .option('--json', 'print JSON: the notes, format, tempo count and warnings')
    .option(
      '--max-notes <n>',
      'refuse files with more notes than this (bounds memory)',
      String(DEFAULT_MAX_NOTES),
    )
    .addHelpText(
      'after',
      `\nLimits: a file with more than --max-notes notes (default ${DEFAULT_MAX_NOTES.toLocaleString('en-US')}) or ` +
        `with a note after 1,000,000 s (broken timing) is refused with the reason. Memory: about 200 bytes ` +
        `a note, 400 with --json (0.4 and 0.8 GB at the default limit).`,
    )
    .action(async (file: string, options: NotesCommandOptions) => {
      const maxNotes = parseNumberOption(options.maxNotes, '--max-notes', {
        integer: true,
        min: 1,
      }) as number;
      const bytes = await readInputFile(file);
      let score;
      try {
        score = readMidi(bytes, {
          file,
          sustain: !(options.raw ?? false),
          includeDrums: options.drums ?? false,
          maxNotes,
        });
      } catch (error) {
        if (error instanceof NoteLimitError)
          throw new CliError(`${error.message}; --max-notes raises the limit`);
        throw error;
      }
      if (options.json) {
        const { notes, warnings, format, ticksPerQuarter, durationSeconds, tempos } = score;
        const summary = { file, format, ticksPerQuarter: ticksPerQuarter ?? null, durationSeconds };
        await writeAll([`${JSON.stringify({ ...summary, tempoChanges: tempos.length, warnings, notes })}\n`]);
        return;
      }
      for (const warning of score.warnings) process.stderr.write(`howl: warning: ${warning}\n`);
      await writeAll(tableChunks(score.notes));
    });
}
