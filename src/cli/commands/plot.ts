import type { Command } from 'commander';
import { readMidi } from '../../midi/read-midi.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { readInputFile } from '../../node/read-input-file.js';
import { pianoRollSvg } from '../../plot/piano-roll.js';
import { parseNumberOption } from '../cli-helpers.js';
import { CliError } from '../cli-error.js';

interface PlotCommandOptions {
  output?: string;
  width?: string;
  raw?: boolean;
}

/** `piece.mid` → `piece.svg` (the same folder and stem). */
function defaultOutput(input: string): string {
  const slash = Math.max(input.lastIndexOf('/'), input.lastIndexOf('\\'));
  const dot = input.lastIndexOf('.');
  return `${dot > slash ? input.slice(0, dot) : input}.svg`;
}

/**
 * Registers `howl plot FILE.mid [-o roll.svg]`: draws the notes of a MIDI file (read as `howl notes`
 * reads them) as a piano-roll SVG (`pianoRollSvg`), written atomically.
 *
 * @param program - the `howl` program
 * @example registerPlot(new Command('howl')); // then: howl plot song.mid -o song.svg
 */
export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description('draw the notes of a MIDI file as a piano roll (SVG)')
    .argument('<file>', 'a Standard MIDI File')
    .option('-o, --output <file>', 'the SVG file (default: the MIDI file with .svg)')
    .option('--width <px>', 'width of the picture in pixels', '1200')
    .option('--raw', 'raw note lengths: do not apply the sustain pedal')
    .action(async (file: string, options: PlotCommandOptions) => {
      const width = parseNumberOption(options.width, '--width', {
        integer: true,
        min: 200,
        max: 100000,
      }) as number;
      const output = options.output ?? defaultOutput(file);
      if (!output.toLowerCase().endsWith('.svg'))
        throw new CliError(`${output}: the piano roll is SVG; name it .svg`);
      const score = readMidi(await readInputFile(file), { file, sustain: !(options.raw ?? false) });
      if (score.notes.length === 0) throw new CliError(`${file}: no notes to plot`);
      const name = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
      await writeFileAtomic(output, pianoRollSvg(score.notes, { width, title: name }));
      process.stdout.write(`${output}: piano roll of ${score.notes.length} notes\n`);
    });
}
