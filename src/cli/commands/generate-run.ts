import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { noteNameToMidi } from '../../encoding/note-names.js';
import { generateCandidates, type Candidate } from '../../generate/candidates.js';
import { DEFAULT_SAMPLING, resolveSampling, type SamplingOptions } from '../../generate/sampling.js';
import { createStepNetwork } from '../../inference/create-step-network.js';
import { readMidi } from '../../midi/read-midi.js';
import { writeMidi } from '../../midi/write-midi.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { loadModel } from '../../node/load-model.js';
import { readInputFile } from '../../node/read-input-file.js';
import { PITCH_COUNT } from '../../score/clamp-pitch.js';
import type { Note } from '../../score/note.js';
import { chordsOption, parseNumberOption, timingTemperatureOption } from '../cli-helpers.js';
import { CliError } from '../cli-error.js';

/** `howl generate`'s options as commander parses them (strings; checked in `runGenerate`). */
export interface GenerateCommandOptions {
  model?: string;
  out?: string;
  audio?: string | boolean;
  plot?: string | boolean;
  notes?: string;
  seconds?: string;
  temperature?: string;
  timingTemperature?: string;
  chords?: string;
  topK?: string;
  topP?: string;
  greedy?: boolean;
  count?: string;
  seed?: string;
  seedNote?: string;
  primer?: string;
  includePrimer: boolean;
  minPitch?: string;
  maxPitch?: string;
  soundfont?: string;
}

/** A pitch option: a note name (C4 = 60) or a MIDI number 0..119. */
function parsePitch(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const midi = /^\d+$/.test(text.trim()) ? Number(text) : safeNoteName(text, flag);
  if (!(midi >= 0 && midi <= 119))
    throw new CliError(`${flag} ${text} is not a pitch the model knows (C-1..B8, MIDI 0..119)`);
  return midi;
}

function safeNoteName(text: string, flag: string): number {
  try {
    return noteNameToMidi(text);
  } catch {
    throw new CliError(`${flag} ${text} is not a note name like C4, F#3 or Bb5, or a MIDI number`);
  }
}

const formatDuration = (seconds: number): string =>
  `${Math.floor(seconds / 60)}:${String(Math.round(seconds % 60)).padStart(2, '0')}`;

/** The notes of `path`, read exactly as `howl import` reads training data. */
async function readPrimer(path: string): Promise<Note[]> {
  const score = readMidi(await readInputFile(path), { file: path });
  if (score.notes.length === 0) throw new CliError(`${path}: the primer has no notes`);
  return [...score.notes];
}

/** Everything `howl generate` will do, checked before any work starts. */
interface GeneratePlan {
  readonly notes: number | undefined;
  readonly seconds: number | undefined;
  readonly count: number;
  readonly seed: number;
  readonly midiPath: string;
  readonly audioPath: string | null;
  readonly plotPath: string | null;
}

function plan(options: GenerateCommandOptions): GeneratePlan {
  const notesOption = parseNumberOption(options.notes, '--notes', { integer: true, min: 1, max: 1_000_000 });
  const seconds = parseNumberOption(options.seconds, '--seconds', { min: 0.001, max: 24 * 3600 });
  if (notesOption !== undefined && seconds !== undefined) {
    throw new CliError('give --notes or --seconds, not both');
  }
  if (options.primer !== undefined && options.seedNote !== undefined) {
    throw new CliError('give --primer or --seed-note, not both');
  }
  if (options.includePrimer === false && options.primer === undefined) {
    throw new CliError('--no-include-primer needs --primer');
  }
  if (options.greedy && (options.temperature ?? options.topK ?? options.topP) !== undefined) {
    throw new CliError(
      '--greedy takes the most likely pitch; it cannot be combined with --temperature, --top-k or --top-p',
    );
  }
  const count = parseNumberOption(options.count, '--count', { integer: true, min: 1, max: 1024 }) ?? 1;
  const seed =
    parseNumberOption(options.seed, '--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) ??
    Math.floor(Math.random() * 1_000_000);
  const midiPath = options.out ?? join('out', `howl-${seed}.mid`);
  if (!/\.midi?$/i.test(midiPath))
    throw new CliError(`--out ${midiPath}: the MIDI file's name must end in .mid`);
  const stem = join(dirname(midiPath), basename(midiPath).replace(/\.midi?$/i, ''));
  const audioPath =
    options.audio === false ? null : typeof options.audio === 'string' ? options.audio : `${stem}.wav`;
  const plotPath =
    options.plot === undefined ? null : typeof options.plot === 'string' ? options.plot : `${stem}.svg`;
  return {
    notes: seconds === undefined ? (notesOption ?? 1000) : undefined,
    seconds,
    count,
    seed,
    midiPath,
    audioPath,
    plotPath,
  };
}

/**
 * Runs `howl generate`: checks every option, loads the model, generates `--count` candidates as
 * one batch, keeps the most likely, and writes MIDI (and audio, a piano roll) atomically, so a
 * failure leaves no partial file.
 *
 * @param options - the parsed command-line options
 * @throws CliError / HowlError with one clear line for bad options, a bad model or primer
 */
export async function runGenerate(options: GenerateCommandOptions): Promise<void> {
  const settings = plan(options);
  resolveSamplingOrFail(options); // a bad option fails before the model is read
  if (settings.audioPath !== null) {
    // An unknown ending (.flac) fails now, before the work, not after it.
    const { audioFormatOfPath } = await import('../../render/audio-encoder.js');
    audioFormatOfPath(settings.audioPath);
  }
  const model = await loadModel(options.model);
  const sampling = resolveSamplingOrFail(options, model.sampling);
  if (options.timingTemperature !== undefined && model.config.model.type === 'original-lstm') {
    throw new CliError(
      '--timing-temperature: this model predicts timing as one value (a regression head), so there is no timing distribution to sample',
    );
  }
  let start: Note[] | undefined;
  if (options.primer !== undefined) start = await readPrimer(options.primer);
  const seedNote = parsePitch(options.seedNote, '--seed-note');
  if (seedNote !== undefined) start = [{ pitch: seedNote, velocity: 90, time: 0, duration: 0.5 }];

  const began = performance.now();
  const network = createStepNetwork(model.config.model, model.weights, settings.count);
  // --notes N: without a primer the start note (random or --seed-note) is the piece's first note,
  // so N − 1 follow it; with a primer, N notes follow the primer.
  const startNotes = options.primer === undefined ? 1 : 0;
  const candidates = generateCandidates(network, {
    ...(start === undefined ? {} : { start }),
    count: settings.count,
    ...(settings.notes === undefined ? {} : { notes: settings.notes - startNotes }),
    ...(settings.seconds === undefined ? {} : { seconds: settings.seconds }),
    seed: settings.seed,
    sampling,
    ...(model.repetition === undefined ? {} : { repetition: model.repetition }),
  });
  const seconds = (performance.now() - began) / 1000;
  const best = candidates[0]!;
  const notes = pieceOf(best, options.includePrimer !== false || options.primer === undefined);
  if (notes.length === 0) throw new CliError('the model generated no notes (try a longer --seconds)');

  const outputs: [string, Uint8Array | string][] = [[settings.midiPath, writeMidi(notes)]];
  if (settings.plotPath !== null) {
    const { pianoRollSvg } = await import('../../plot/piano-roll.js');
    outputs.push([settings.plotPath, pianoRollSvg(notes, { title: `howl generate --seed ${best.seed}` })]);
  }
  if (settings.audioPath !== null) {
    const { renderAudioFile } = await import('../../node/render-audio-file.js');
    outputs.push([settings.audioPath, await renderAudioFile(notes, settings.audioPath, options.soundfont)]);
  }
  for (const [path] of outputs) await mkdir(dirname(path) || '.', { recursive: true });
  for (const [path, data] of outputs) await writeFileAtomic(path, data);

  const made = best.notes.length * settings.count;
  const end = notes[notes.length - 1]!;
  process.stdout.write(
    `${outputs.map(([path]) => path).join(', ')}: ${notes.length} notes, ${formatDuration(end.time + end.duration)}; ` +
      `seed ${best.seed}, mean log-probability ${best.meanLogProb.toFixed(3)} per note` +
      `${settings.count > 1 ? ` (best of ${settings.count})` : ''}; ${Math.round(made / Math.max(seconds, 1e-6))} notes/s\n`,
  );
}

/** The flags over the model's `sampling.json` over `DEFAULT_SAMPLING`, resolved. */
function resolveSamplingOrFail(options: GenerateCommandOptions, modelSampling: SamplingOptions = {}) {
  const temperature = parseNumberOption(options.temperature, '--temperature', {
    min: Number.MIN_VALUE,
    expected: 'a number > 0',
  });
  const timing = timingTemperatureOption(options.timingTemperature);
  const topK = parseNumberOption(options.topK, '--top-k', { integer: true, min: 1, max: PITCH_COUNT });
  const topP = parseNumberOption(options.topP, '--top-p', {
    min: Number.MIN_VALUE,
    max: 1,
    expected: 'a number in (0, 1]',
  });
  const minPitch = parsePitch(options.minPitch, '--min-pitch');
  const maxPitch = parsePitch(options.maxPitch, '--max-pitch');
  if (minPitch !== undefined && maxPitch !== undefined && minPitch > maxPitch) {
    throw new CliError(`--min-pitch ${options.minPitch} is above --max-pitch ${options.maxPitch}`);
  }
  return resolveSampling({
    ...modelSampling,
    greedy: options.greedy ?? modelSampling.greedy ?? false,
    temperature: temperature ?? modelSampling.temperature ?? DEFAULT_SAMPLING.temperature,
    ...(topK === undefined ? {} : { topK }),
    topP: topP ?? (options.greedy ? 1 : (modelSampling.topP ?? DEFAULT_SAMPLING.topP)),
    ...(minPitch === undefined ? {} : { minPitch }),
    ...(maxPitch === undefined ? {} : { maxPitch }),
    ...timing,
    ...chordsOption(options.chords),
  });
}

/** The piece to write: the start (unless left out) and the generated notes, from time 0. */
function pieceOf(candidate: Candidate, includeStart: boolean): Note[] {
  const notes = includeStart ? [...candidate.start, ...candidate.notes] : [...candidate.notes];
  const offset = notes.reduce((min, n) => Math.min(min, n.time), Infinity);
  return notes.map(({ pitch, velocity, time, duration }) => ({
    pitch,
    velocity,
    time: time - offset,
    duration,
  }));
}
