import type { Command } from 'commander';
import { readMidi } from '../../midi/read-midi.js';
import { checkWritable } from '../../node/atomic-write.js';
import { readInputFile } from '../../node/read-input-file.js';
import { writeAudioFile } from '../../node/render-audio-file.js';
import { defaultRenderThreads } from '../../node/render-threads.js';
import { loadSoundFontFile } from '../../node/soundfont-file.js';
import { audioFormatOfPath, checkEncodable } from '../../render/audio-encoder.js';
import { parseNumberOption } from '../cli-helpers.js';
import { CliError } from '../cli-error.js';

interface RenderCommandOptions {
  output?: string;
  soundfont?: string;
  sampleRate?: string;
  threads?: string;
  tail?: string;
  float?: boolean;
  reverb?: boolean;
  normalize?: boolean;
  raw?: boolean;
}

/** `piece.mid` → `piece.wav` (the same folder and stem). */
function defaultOutput(input: string): string {
  const slash = Math.max(input.lastIndexOf('/'), input.lastIndexOf('\\'));
  const dot = input.lastIndexOf('.');
  return `${dot > slash ? input.slice(0, dot) : input}.wav`;
}

/** 181.3 → "3:01.3" */
function clock(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${(seconds - minutes * 60).toFixed(1).padStart(4, '0')}`;
}

/**
 * Registers `howl render FILE.mid [-o FILE.wav|.mp3|.ogg]`: renders a MIDI file with a sampled
 * piano (the shipped FluidR3Mono SoundFont, or `--soundfont`) to audio, peak-normalised to -1 dBFS.
 * The notes are read as `howl notes` reads them (sustain pedal applied unless `--raw`, drums left
 * out) and all played on the piano. Bad input (not MIDI, no notes, a missing or broken SoundFont,
 * an unknown file ending) fails with one line before anything is rendered; the output is written
 * atomically, so a failure never leaves part of a file.
 *
 * @param program - the `howl` program
 * @example registerRender(new Command('howl')); // then: howl render song.mid -o song.mp3
 */
export function registerRender(program: Command): void {
  program
    .command('render')
    .description('render a MIDI file to audio (.wav, .mp3, .ogg) with a sampled piano from a SoundFont')
    .argument('<file>', 'a Standard MIDI File')
    .option('-o, --output <file>', 'the audio file: .wav, .mp3 or .ogg (default: the MIDI file with .wav)')
    .option('--soundfont <file>', 'a .sf2/.sf3 SoundFont; its program 0 plays (default: FluidR3Mono, MIT)')
    .option('--sample-rate <hz>', 'samples per second, 8000..192000', '44100')
    .option('--threads <n>', 'voice threads; 0 renders on the main thread (default: by length and cores)')
    .option('--tail <seconds>', 'seconds rendered after the last note ends', '2')
    .option('--float', 'write 32-bit float WAV instead of 16-bit')
    .option('--no-reverb', 'leave out the hall reverb')
    .option('--no-normalize', "keep the synthesizer's raw level instead of a -1 dBFS peak")
    .option('--raw', 'raw note lengths: do not apply the sustain pedal')
    .action(async (file: string, options: RenderCommandOptions) => {
      await runRender(file, options);
    });
}

async function runRender(file: string, options: RenderCommandOptions): Promise<void> {
  const sampleRate = parseNumberOption(options.sampleRate, '--sample-rate', {
    integer: true,
    min: 8000,
    max: 192000,
    expected: 'a whole number of Hz in 8000..192000',
  }) as number;
  const threadsOption = parseNumberOption(options.threads, '--threads', { integer: true, min: 0, max: 64 });
  const tailSeconds = parseNumberOption(options.tail, '--tail', {
    min: 0,
    max: 60,
    expected: 'a number of seconds in 0..60',
  }) as number;
  const output = options.output ?? defaultOutput(file);
  let format = audioFormatOfPath(output);
  if (options.float) {
    if (format !== 'wav') throw new CliError(`--float needs a .wav output, not ${output}`);
    format = 'wav-float';
  }
  checkEncodable(format, sampleRate);

  const score = readMidi(await readInputFile(file), { file, sustain: !(options.raw ?? false) });
  if (score.notes.length === 0) throw new CliError(`${file}: no notes to render`);
  const soundFont = await loadSoundFontFile(options.soundfont);
  await checkWritable(output);

  const seconds = score.durationSeconds + tailSeconds;
  const threads = threadsOption ?? defaultRenderThreads(seconds);
  const summary = await writeAudioFile(score.notes, output, {
    soundFont,
    format,
    sampleRate,
    tailSeconds,
    threads,
    reverb: options.reverb !== false,
    peakDb: options.normalize === false ? null : -1,
  });
  const audioSeconds = summary.frames / summary.sampleRate;
  const level =
    options.normalize === false
      ? `raw level, peak ${(20 * Math.log10(Math.max(summary.peak, 1e-9))).toFixed(1)} dBFS`
      : `peak normalised to -1 dBFS (gain ${summary.gain.toFixed(1)})`;
  const where = threads === 0 ? 'main thread' : `${threads} voice thread${threads === 1 ? '' : 's'}`;
  process.stdout.write(
    `${output}: ${clock(audioSeconds)} of ${format === 'wav-float' ? '32-bit float ' : ''}${format.replace('-float', '').toUpperCase()} ` +
      `at ${summary.sampleRate} Hz from ${score.notes.length} notes with ${soundFont.name}; ${level}; ` +
      `rendered in ${summary.totalSeconds.toFixed(1)} s, ${Math.round(audioSeconds / summary.totalSeconds)}x real time (${where})\n`,
  );
}
