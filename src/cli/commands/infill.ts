import type { Command } from 'commander';
import { DEFAULT_SAMPLING } from '../../generate/sampling.js';
import type { InfillCommandOptions } from './infill-run.js';

/**
 * Registers `howl infill PIECE.mid --from A --to B`: rewrites the notes of a gap of a piece with a
 * gap-filling model, so that they lead from what comes before into what comes after.
 *
 * @param program - the `howl` program
 * @example howl infill piece.mid --from 12.5 --to 20 -o out.mid
 */
export function registerInfill(program: Command): void {
  program
    .command('infill')
    .description(
      'rewrite a gap of a piece (--from, --to) with a model that reads what comes before and after it; the rest of the piece is kept',
    )
    .argument(
      '<piece.mid>',
      'the MIDI file (read as howl import reads training data: sustain pedal into durations, drums out)',
    )
    .requiredOption('--from <t>', "the gap's start: seconds, or a bar number with --bars")
    .requiredOption(
      '--to <t>',
      "the gap's end (the written notes start before it): seconds, or a bar number with --bars",
    )
    .option(
      '--bars',
      "read --from and --to as bar numbers (bar 1 is the first; 3.5 is half-way through bar 3), through the file's tempo and time signatures",
    )
    .option('-o, --out <file.mid>', 'the MIDI file to write (default: out/<piece>-infill-<seed>.mid)')
    .option(
      '--model <dir>',
      'a gap-filling model (howl train --infill; default models/piano-asap-infill, trained on ASAP and piano-midi.de, CC BY-NC-SA 4.0: non-commercial use only)',
    )
    .option('--seed <n>', 'seed of the random choices (default: a random one, printed)')
    .option('--temperature <t>', `pitch temperature, > 0 (default ${DEFAULT_SAMPLING.temperature})`)
    .option('--top-p <p>', `nucleus sampling on pitch (default ${DEFAULT_SAMPLING.topP})`)
    .option('--timing-temperature <t>', 'timing temperature (default 1)')
    .option('--chords <how>', 'rolled (default) or together: where chord notes start')
    .option('--audio <file>', 'also render the result: .wav, .mp3 or .ogg')
    .action(async (piece: string, options: InfillCommandOptions) => {
      const { runInfill } = await import('./infill-run.js');
      await runInfill(piece, options);
    });
}
