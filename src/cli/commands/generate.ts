import type { Command } from 'commander';
import type { GenerateCommandOptions } from './generate-run.js';
import { DEFAULT_SAMPLING } from '../../generate/sampling.js';

/**
 * Registers `howl generate`: writes a new piece with a trained model (the shipped one by default)
 * as MIDI, audio and, on request, a piano-roll picture.
 *
 * @param program - the `howl` program
 * @example howl generate --primer my.mid --seconds 60 --temperature 0.9 --count 8 --seed 3
 */
export function registerGenerate(program: Command): void {
  program
    .command('generate')
    .description(
      'write a new piece with a trained model (default: the shipped piano model) as MIDI and audio',
    )
    .option(
      '--model <dir>',
      'a run or checkpoint folder of `howl train`, a safetensors model folder (`howl export --format safetensors`), or a shipped model: ' +
        'models/piano-asap-ordered-lstm (the default), trained on human performances (ASAP) and ' +
        'piano-midi.de, CC BY-NC-SA 4.0: non-commercial use only; models/piano-ordered-lstm, ' +
        'models/piano-transformer and models/piano-lstm192, trained on piano-midi.de only, ' +
        'CC BY-SA 3.0 DE',
    )
    .option('-o, --out <file.mid>', 'the MIDI file to write (default: out/howl-<seed>.mid)')
    .option(
      '--audio <file>',
      'the audio file to write: .wav, .mp3 or .ogg, by its ending (default: a .wav beside the MIDI file)',
    )
    .option('--no-audio', 'write no audio')
    .option('--plot [file.svg]', 'also draw a piano roll (default: beside the MIDI file)')
    .option(
      '--notes <n>',
      'notes in the piece, its first note included (default 1000 when --seconds is not given); ' +
        'with --primer, the notes written after the primer',
    )
    .option('--seconds <s>', 'or: seconds of music to generate')
    .option(
      '--temperature <t>',
      `pitch temperature, > 0: lower is safer, higher is wilder (default ${DEFAULT_SAMPLING.temperature})`,
    )
    .option(
      '--timing-temperature <t>',
      "timing temperature, for models with a timing distribution: one for every timing head, or delay,duration,velocity (default: the model folder's sampling.json, else 1)",
    )
    .option(
      '--chords <how>',
      'rolled (default: a chord note starts 0-10 ms after the one before) or together (exactly with it), for models with a timing distribution',
    )
    .option('--top-k <k>', 'draw only from the k most likely pitches')
    .option(
      '--top-p <p>',
      `draw only from the most likely pitches up to probability p (default ${DEFAULT_SAMPLING.topP}, or the model folder's sampling.json)`,
    )
    .option('--greedy', 'always take the most likely pitch, as the original system (no sampling)')
    .option('--count <k>', 'candidates generated as one batch; the most likely is kept (default 1)')
    .option('--seed <n>', 'seed of the random choices (default: a random one, printed)')
    .option(
      '--seed-note <note>',
      'start from this note, e.g. C4 or 60 (default: a random note, as the original)',
    )
    .option('--primer <file.mid>', "start from a person's MIDI file: the model reads all of it first")
    .option('--no-include-primer', 'leave the primer out of the output')
    .option('--min-pitch <note>', 'lowest pitch to generate, e.g. A0 or 21 (default C-1, MIDI 0)')
    .option('--max-pitch <note>', 'highest pitch to generate, e.g. C8 or 108 (default B8, MIDI 119)')
    .option('--soundfont <file>', 'the SoundFont (.sf2/.sf3) to render with (default: FluidR3Mono piano)')
    .action(async (options: GenerateCommandOptions) => {
      const { runGenerate } = await import('./generate-run.js');
      await runGenerate(options);
    });
}
