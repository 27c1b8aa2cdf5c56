import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fillGap } from '../../generate/infill.js';
import { DEFAULT_SAMPLING, resolveSampling } from '../../generate/sampling.js';
import { createStepNetwork } from '../../inference/create-step-network.js';
import { readMidi } from '../../midi/read-midi.js';
import { writeMidi } from '../../midi/write-midi.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { infillModelDir, loadModel } from '../../node/load-model.js';
import { readInputFile } from '../../node/read-input-file.js';
import { chordsOption, parseNumberOption } from '../cli-helpers.js';
import { CliError } from '../cli-error.js';
import { barsToSeconds } from './infill-bars.js';

/** `howl infill`'s options as commander parses them (strings; checked in `runInfill`). */
export interface InfillCommandOptions {
  from: string;
  to: string;
  bars?: boolean;
  out?: string;
  model?: string;
  seed?: string;
  temperature?: string;
  topP?: string;
  timingTemperature?: string;
  chords?: string;
  audio?: string;
}

const positive = (text: string | undefined, flag: string, max?: number): number | undefined =>
  parseNumberOption(text, flag, {
    min: Number.MIN_VALUE,
    ...(max === undefined ? {} : { max }),
    expected: max === undefined ? 'a number > 0' : `a number in (0, ${max}]`,
  });

const seconds = (t: number): string => `${t.toFixed(2)} s`;

/**
 * Runs `howl infill`: reads the piece, works out the gap (seconds, or bars through the file's tempo
 * and meter), loads the gap-filling model, writes the gap's notes and the whole piece as MIDI (and
 * audio with `--audio`), atomically.
 *
 * @param piece - the MIDI file
 * @param options - the parsed command-line options
 * @throws CliError / HowlError with one clear line for bad options, a gap with no note before it,
 *   or a model that does not fill gaps
 */
export async function runInfill(piece: string, options: InfillCommandOptions): Promise<void> {
  const given = {
    from: parseNumberOption(options.from, '--from', { min: options.bars ? 1 : 0 })!,
    to: parseNumberOption(options.to, '--to', { min: options.bars ? 1 : 0 })!,
  };
  if (!(given.from < given.to)) throw new CliError(`--from ${options.from} is not before --to ${options.to}`);
  const seed =
    parseNumberOption(options.seed, '--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) ??
    Math.floor(Math.random() * 1_000_000);
  const temperature = positive(options.temperature, '--temperature') ?? DEFAULT_SAMPLING.temperature;
  const topP = positive(options.topP, '--top-p', 1) ?? DEFAULT_SAMPLING.topP;
  const timingTemperature = positive(options.timingTemperature, '--timing-temperature');
  const sampling = resolveSampling({
    temperature,
    topP,
    ...(timingTemperature === undefined ? {} : { timingTemperature }),
    ...chordsOption(options.chords),
  });
  const midiPath =
    options.out ?? join('out', `${basename(piece).replace(/\.(midi?|kar|rmi)$/i, '')}-infill-${seed}.mid`);
  if (!/\.midi?$/i.test(midiPath))
    throw new CliError(`--out ${midiPath}: the MIDI file's name must end in .mid`);
  if (options.audio !== undefined) {
    const { audioFormatOfPath } = await import('../../render/audio-encoder.js');
    audioFormatOfPath(options.audio);
  }

  const bytes = await readInputFile(piece);
  const score = readMidi(bytes, { file: piece });
  const gap = options.bars ? barsToSeconds(score, bytes, given.from, given.to, piece) : given;
  if (!score.notes.some((n) => n.time < gap.from)) {
    throw new CliError(
      `${piece}: no note starts before ${seconds(gap.from)}; the gap needs music before it to lead on from`,
    );
  }
  const model = await loadModel(options.model ?? infillModelDir());
  const config = model.config.model;
  if (config.type !== 'ordered-rnn' || !config.infill) {
    throw new CliError(
      `${model.dir}: this model does not fill gaps (train one with howl train --infill, or use models/piano-asap-infill)`,
    );
  }
  const network = createStepNetwork(config, model.weights, 1);
  const filled = fillGap(network, score.notes, {
    from: gap.from,
    to: gap.to,
    seed,
    sampling,
    ...(model.repetition === undefined ? {} : { repetition: model.repetition }),
  });

  const outputs: [string, Uint8Array][] = [[midiPath, writeMidi(filled.notes)]];
  if (options.audio !== undefined) {
    const { renderAudioFile } = await import('../../node/render-audio-file.js');
    outputs.push([options.audio, await renderAudioFile(filled.notes, options.audio)]);
  }
  for (const [path] of outputs) await mkdir(dirname(path) || '.', { recursive: true });
  for (const [path, data] of outputs) await writeFileAtomic(path, data);

  const last = filled.written.at(-1);
  const where = options.bars ? `bars ${options.from}-${options.to}, ` : '';
  process.stdout.write(
    `${outputs.map(([path]) => path).join(', ')}: ${filled.written.length} notes written in the gap ` +
      `${where}${seconds(gap.from)}-${seconds(gap.to)} (replacing ${filled.replaced.length})` +
      `${last === undefined ? '' : `, the last at ${seconds(last.time)}`}; ` +
      `${filled.notes.length} notes in all; seed ${seed}\n`,
  );
}
