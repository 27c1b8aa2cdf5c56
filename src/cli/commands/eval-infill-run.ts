import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeDataset } from '../../data/dataset-format.js';
import type { Split } from '../../data/split.js';
import { evaluateInfill, type InfillEvalResult } from '../../eval/infill-eval.js';
import { DEFAULT_SAMPLING } from '../../generate/sampling.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { infillModelDir, loadModel } from '../../node/load-model.js';
import { readInputFile } from '../../node/read-input-file.js';
import { chordsOption, createProgressLine, parseNumberOption, reproducingCommand } from '../cli-helpers.js';
import { CliError } from '../cli-error.js';
import { modelNameOf, type EvalCommandOptions } from './eval-run.js';

const fmt = (x: number): string => x.toFixed(3);
const pct = (x: number): string => `${Math.round(x * 100)} %`;

/** The command line that reproduces a run, for the report. */
function commandLine(options: EvalCommandOptions, modelPath: string, out: string): string {
  const parts: readonly string[] = [
    'howl eval --infill',
    `--model ${modelPath}`,
    `--data ${options.data}`,
    `--split ${options.split}`,
  ];
  const optional: readonly (readonly [string, string | undefined])[] = [
    ['--gaps', options.gaps],
    ['--reference-model', options.referenceModel],
    ['--min-gap', options.minGap],
    ['--max-gap', options.maxGap],
    ['--seed', options.seed],
    ['--temperature', options.temperature],
    ['--top-p', options.topP],
    ['--timing-temperature', options.timingTemperature],
    ['--chords', options.chords],
  ];
  return reproducingCommand(parts, optional, out);
}

/** The report's lines: the two done-when figures first, then the parts and per-gap details. */
function summaryLines(r: InfillEvalResult, data: string, split: Split, modelPath: string): string[] {
  const part = (n: InfillEvalResult['infill']): string =>
    `pitch ${fmt(n.pitch)}  delay ${fmt(n.delay)}  duration ${fmt(n.duration)}  velocity ${fmt(n.velocity)}  total ${fmt(n.total)}`;
  const tolerance = `${r.endTolerance} s`;
  return [
    `model       ${modelPath}`,
    `data        ${data}, ${split} split: ${r.gaps} gaps of ${r.minSeconds}-${r.maxSeconds} s in ${r.pieces} pieces, ${r.notes.toLocaleString('en-US')} notes in the gaps`,
    `around gap  ${part(r.infill)}  (nats per gap note, given the prefix and the suffix)`,
    `prefix only ${part(r.prefix)}`,
    `gain        ${fmt(r.gain)} nats per note from reading the suffix (by quarter of the gap: ${r.gainByQuarter.map(fmt).join(', ')})`,
    ...(r.reference === null
      ? []
      : [
          `reference   ${part(r.reference)}  (--reference-model, prefix only: ${fmt(r.reference.total - r.infill.total)} above reading around the gap)`,
        ]),
    `gap end     last written onset within ${tolerance} of the gap's end in ${pct(r.endWithin.infill)} of ${r.gaps} gaps ` +
      `(prefix alone ${pct(r.endWithin.prefix)}; the real notes ${pct(r.endWithin.real)})`,
    `notes/gap   written ${r.notesPerGap.infill.toFixed(1)}, prefix alone ${r.notesPerGap.prefix.toFixed(1)}, real ${r.notesPerGap.real.toFixed(1)}`,
  ];
}

function reportMarkdown(r: InfillEvalResult, lines: readonly string[], command: string): string {
  const rows = r.perGap
    .map(
      (g, i) =>
        `| ${i + 1} | ${g.file} | ${g.from.toFixed(2)}-${g.to.toFixed(2)} | ${g.notes} | ${fmt(g.infillNll)} | ${fmt(g.prefixNll)} | ${g.written} | ${g.lastOnset === null ? '–' : (g.to - g.lastOnset).toFixed(2)} | ${(g.to - g.realLastOnset).toFixed(2)} |`,
    )
    .join('\n');
  return `# Infill evaluation

\`\`\`
${command}
\`\`\`

\`\`\`
${lines.join('\n')}
\`\`\`

Per gap: real notes, nats per note read around the gap and from the prefix alone, notes written,
and how far before the gap's end the last written and the last real onset are (seconds).

| gap | piece | seconds | notes | around | prefix only | written | written end gap | real end gap |
|--:|---|---|--:|--:|--:|--:|--:|--:|
${rows}
`;
}

/**
 * Runs `howl eval --infill`: draws gaps from the held-out pieces, scores their notes around the gap
 * and from the prefix alone, writes each gap and checks where it ends; prints the figures and
 * writes `infill.md` and `infill.json` to the report folder.
 *
 * @param options - the parsed command-line options
 * @throws CliError / HowlError with one clear line for bad options, a model that does not fill
 *   gaps, or a dataset without long enough held-out pieces
 */
export async function runInfillEval(options: EvalCommandOptions): Promise<void> {
  const notHere = (['pieces', 'notes', 'fitNotes', 'baselineData'] as const).filter(
    (k) => options[k] !== undefined,
  );
  if (notHere.length > 0) {
    throw new CliError(
      `--infill measures gaps; ${notHere.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} go with the ordinary evaluation`,
    );
  }
  if (options.split !== 'validation' && options.split !== 'train') {
    throw new CliError(`--split ${options.split} is not validation or train`);
  }
  const split: Split = options.split;
  const gaps = parseNumberOption(options.gaps, '--gaps', { integer: true, min: 1, max: 100_000 }) ?? 100;
  const minSeconds = parseNumberOption(options.minGap, '--min-gap', { min: 0.01, max: 3600 }) ?? 4;
  const maxSeconds = parseNumberOption(options.maxGap, '--max-gap', { min: 0.01, max: 3600 }) ?? 16;
  if (minSeconds > maxSeconds) throw new CliError(`--min-gap ${minSeconds} is above --max-gap ${maxSeconds}`);
  const seed = parseNumberOption(options.seed, '--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) ?? 1;
  const number = (text: string | undefined, flag: string, max?: number): number | undefined =>
    parseNumberOption(text, flag, {
      min: Number.MIN_VALUE,
      ...(max === undefined ? {} : { max }),
      expected: max === undefined ? 'a number > 0' : `a number in (0, ${max}]`,
    });
  const temperature = number(options.temperature, '--temperature') ?? DEFAULT_SAMPLING.temperature;
  const topP = number(options.topP, '--top-p', 1) ?? DEFAULT_SAMPLING.topP;
  const timingTemperature = number(options.timingTemperature, '--timing-temperature');
  const modelPath = options.model ?? infillModelDir();
  const out = options.out ?? join('eval', `${modelNameOf(modelPath)}-infill`);
  if (existsSync(out) && !statSync(out).isDirectory())
    throw new CliError(`--out ${out} is a file, not a folder`);

  const model = await loadModel(modelPath);
  const reference =
    options.referenceModel === undefined ? undefined : await loadModel(options.referenceModel);
  const dataset = decodeDataset(await readInputFile(options.data), options.data);
  const line = createProgressLine();
  let result: InfillEvalResult;
  try {
    result = evaluateInfill(model.config.model, model.weights, dataset, {
      split,
      gaps,
      minSeconds,
      maxSeconds,
      seed,
      ...(reference === undefined
        ? {}
        : { reference: { config: reference.config.model, weights: reference.weights } }),
      ...(model.repetition === undefined ? {} : { repetition: model.repetition }),
      sampling: {
        temperature,
        topP,
        ...(timingTemperature === undefined ? {} : { timingTemperature }),
        ...chordsOption(options.chords),
      },
      onProgress: (done, total) => line.update(`filling gaps ${done}/${total}`),
    });
  } finally {
    line.done();
  }
  const lines = summaryLines(result, options.data, split, modelPath);
  const command = commandLine(options, modelPath, out);
  await mkdir(out, { recursive: true }).catch((error: unknown) => {
    throw new CliError(`cannot create the folder ${out}: ${(error as Error).message}`);
  });
  await writeFileAtomic(join(out, 'infill.md'), reportMarkdown(result, lines, command));
  await writeFileAtomic(
    join(out, 'infill.json'),
    `${JSON.stringify({ command, created: new Date().toISOString(), ...result }, null, 1)}\n`,
  );
  process.stdout.write(`${lines.join('\n')}\nwrote       ${join(out, 'infill.md')}, infill.json\n`);
}
