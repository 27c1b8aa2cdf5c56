import type { Command } from 'commander';
import { decodeDataset, fileIndicesOf, fileNotes } from '../../data/dataset-format.js';
import { encodeV1 } from '../../encoding/v1.js';
import { predictPieces } from '../../eval/predict.js';
import { fitRepetition } from '../../eval/repetition-fit.js';
import { createStepNetwork } from '../../inference/create-step-network.js';
import { defaultModelDir, loadModel } from '../../node/load-model.js';
import { writeModelRepetition } from '../../node/model-sampling.js';
import { readInputFile } from '../../node/read-input-file.js';
import { parseNumberOption } from '../cli-helpers.js';
import { CliError } from '../cli-error.js';

interface FitRepetitionOptions {
  model?: string;
  data?: string;
  pieces?: string;
}

/**
 * Registers `howl fit-repetition --model DIR --data DATA.howl [--pieces 150]`: fits the model's
 * repetition cache (`src/generate/repetition-cache.ts`) on training pieces of the dataset (its
 * training split only, spread evenly over it) and writes `repetition.json` into the model folder,
 * where `howl eval` and `howl generate` find it.
 *
 * @param program - the `howl` program
 * @example registerFitRepetition(new Command('howl'));
 */
export function registerFitRepetition(program: Command): void {
  program
    .command('fit-repetition')
    .description(
      "fit a model's repetition caches on training pieces (the notes that followed the same run of intervals, and the same chords in any order, earlier in the piece, and durations that end with a note still sounding, mixed into its predictions) and write repetition.json into the model folder",
    )
    .option('--model <dir>', 'an ordered model folder (default: the shipped model)')
    .option('--data <file.howl>', "the model's training data: its train split is read")
    .option('--pieces <n>', 'training pieces to fit on, spread over the split', '150')
    .action(async (options: FitRepetitionOptions) => {
      if (options.data === undefined) throw new CliError('give the training data: --data DATA.howl');
      const pieces = parseNumberOption(options.pieces, '--pieces', { integer: true, min: 1 }) as number;
      const modelPath = options.model ?? defaultModelDir();
      const model = await loadModel(modelPath);
      if (model.config.model.type === 'original-lstm') {
        throw new CliError(
          `${modelPath}: the repetition cache needs a network with a distribution for every attribute (an ordered network or the transformer)`,
        );
      }
      const dataset = decodeDataset(await readInputFile(options.data), options.data);
      const all = fileIndicesOf(dataset, 'train');
      const every = Math.max(1, Math.ceil(all.length / pieces));
      const rows = all
        .filter((_, k) => k % every === 0)
        .map((i) => encodeV1(fileNotes(dataset, i)))
        .filter((r) => r.length >= 2);
      if (rows.length === 0)
        throw new CliError(`${options.data}: the train split has no piece of 2 notes or more`);
      const started = performance.now();
      const predictions = predictPieces((b) => createStepNetwork(model.config.model, model.weights, b), rows);
      const fit = fitRepetition(predictions, rows);
      const seconds = (performance.now() - started) / 1000;
      const gains = (g: typeof fit.gain): string =>
        `pitch ${g.pitch.toFixed(3)}, delay ${g.delay.toFixed(3)}, duration ${g.duration.toFixed(3)}, velocity ${g.velocity.toFixed(3)}`;
      const neighbourGains = (g: { duration: number; velocity: number }): string =>
        `${g.duration.toFixed(3)} and velocities ${g.velocity.toFixed(3)}`;
      const chordPart =
        (fit.chords ? ` (the chord cache's share: ${gains(fit.chords.gain)}` : '') +
        (fit.release ? `; the release vote's, on durations: ${fit.release.gain.toFixed(3)}` : '') +
        (fit.neighbours
          ? `; the neighbour vote's, on durations ${neighbourGains(fit.neighbours.gain)}`
          : '') +
        (fit.chords ? ')' : '');
      const note = `Fitted by howl fit-repetition on ${rows.length} training pieces (${fit.notes} notes) of ${options.data}; gain on them, nats per note: ${gains(fit.gain)}${chordPart}.`;
      const file = await writeModelRepetition(modelPath, fit.config, note);
      const matched = fit.matched.reduce((a, b) => a + b, 0);
      process.stdout.write(
        `${file}: fitted on ${rows.length} training pieces, ${fit.notes} notes (${((100 * matched) / Math.max(1, fit.notes)).toFixed(0)} % with an earlier match) in ${seconds.toFixed(0)} s\n` +
          `gain on them, nats per note: ${gains(fit.gain)}\n` +
          (fit.chords ? `of which the chord cache's: ${gains(fit.chords.gain)}\n` : '') +
          (fit.release ? `and the release vote's, on durations: ${fit.release.gain.toFixed(3)}\n` : '') +
          (fit.neighbours
            ? `and the neighbour vote's, on durations ${neighbourGains(fit.neighbours.gain)}\n`
            : ''),
      );
    });
}
