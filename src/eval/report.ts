import { midiToNoteName } from '../encoding/note-names.js';
import { describeArchitecture } from '../model/config.js';
import { MIN_REPEAT_NOTES, STALL_REPEATED_PITCH, STALL_SILENCE_SECONDS } from './degeneration.js';
import type { EvalResult, MusicResult } from './evaluate.js';
import { histogramsSvg, nllBarsSvg } from './figures.js';
import { TIME_BIN_SECONDS, TIME_RANGE_SECONDS, VELOCITY_BINS } from '../encoding/grid.js';
import type { DegenerationSummary, FeatureComparison } from './similarity.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * The report of `howl eval` as strings: `report.md` (Markdown that embeds the figures),
 * `report.json` (every number), `nll.svg` and `histograms.svg`. Writing them is the caller's job
 * (the CLI writes each atomically).
 */

/** What the report says about where the numbers came from. */
export interface ReportContext {
  /** The model's name (e.g. its folder's name), for the title. */
  readonly modelName: string;
  /** The model as given (a folder). */
  readonly modelPath: string;
  /** The dataset as given. */
  readonly dataPath: string;
  /** The dataset the baselines were fitted on, when not the evaluated one. */
  readonly baselineDataPath?: string;
  /** The command line that made the report. */
  readonly command: string;
  /** ISO 8601 time the report was made. */
  readonly created: string;
  /** How the model was trained, when known (steps, hours, best validation loss). */
  readonly training?: { readonly steps: number; readonly seconds: number; readonly bestLoss: number | null };
}

/** One file of the report. */
export interface ReportFile {
  /** Its name inside the report folder. */
  readonly name: string;
  readonly content: string;
}

/** The report's JSON format name and version (`report.json`'s `format` and `version`). */
export const REPORT_FORMAT = 'howl-eval';
export const REPORT_VERSION = 1;

const n3 = (x: number | null): string => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(3));
const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const count = (n: number, noun: string): string => `${int(n)} ${noun}${n === 1 ? '' : 's'}`;
const signed = (x: number): string => (x >= 0 ? `+${x.toFixed(3)}` : `−${(-x).toFixed(3)}`);
const percent = (x: number): string => `${(100 * x).toFixed(1)} %`;
const seconds = (s: number): string => (s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`);

/** A side's typical value: the median, or for pitch classes (a circle) the most common one. */
function typical(c: FeatureComparison, side: 'real' | 'generated'): string {
  const value = side === 'real' ? c.realMedian : c.generatedMedian;
  if (value === null) return '–';
  switch (c.feature) {
    case 'pitch':
      return `${midiToNoteName(Math.round(value))} (${value})`;
    case 'pitchClass': {
      const counts = c[side];
      const mode = counts.indexOf(Math.max(...counts));
      return `${c.labels[mode] ?? '–'} (most common)`;
    }
    case 'ioi':
    case 'duration':
      return seconds(value);
    case 'notesPerSecond':
      return value.toFixed(1);
    default:
      return String(Math.round(value * 10) / 10);
  }
}

function degenerationRows(generated: DegenerationSummary, real: DegenerationSummary): string[] {
  const share = (k: number, of: number): string => `${k} / ${of}${of ? ` (${percent(k / of)})` : ''}`;
  return [
    '| | generated | held-out |',
    '|---|--:|--:|',
    `| longest repeated ≥ ${MIN_REPEAT_NOTES}-note pattern: mean share of a piece it covers | ${percent(generated.meanRepeatCoverage)} | ${percent(real.meanRepeatCoverage)} |`,
    `| … largest share | ${percent(generated.maxRepeatCoverage)} | ${percent(real.maxRepeatCoverage)} |`,
    `| pieces with one pitch ${STALL_REPEATED_PITCH} or more times in a row | ${share(generated.repeatedPitchStalls, generated.pieces)} | ${share(real.repeatedPitchStalls, real.pieces)} |`,
    `| pieces with a silence over ${STALL_SILENCE_SECONDS} s | ${share(generated.silenceStalls, generated.pieces)} | ${share(real.silenceStalls, real.pieces)} |`,
    `| **pieces that stall** (either) | **${share(generated.stalled, generated.pieces)}** | ${share(real.stalled, real.pieces)} |`,
  ];
}

/** The lines under the histograms: the mean OA and the degeneration at a glance. */
function musicSummary(music: MusicResult): string[] {
  const g = music.generated;
  return [
    `mean overlapped area ${n3(music.meanOverlappedArea)}`,
    `${count(music.pieces, 'piece')} × ${count(music.notesPerPiece, 'note')}, seeds ${music.seeds[0] ?? '–'}–${music.seeds[music.seeds.length - 1] ?? '–'}`,
    `stalled: ${g.stalled} of ${g.pieces} (held-out: ${music.real.stalled} of ${music.real.pieces})`,
    `longest repeat covers ${percent(g.meanRepeatCoverage)} (held-out: ${percent(music.real.meanRepeatCoverage)})`,
  ];
}

/** The title, the model and data, and the verdict. */
function headerLines(result: EvalResult, context: ReportContext): string[] {
  const { likelihood: l, music } = result;
  const worse = l.worseThanBaseline.filter((a) => a !== 'pitch');
  return [
    `# howl eval: ${context.modelName}`,
    '',
    `Model \`${context.modelPath}\` (${describeArchitecture(result.model)}${
      context.training
        ? `; trained ${int(context.training.steps)} steps, ${(context.training.seconds / 3600).toFixed(1)} h, best validation loss ${context.training.bestLoss?.toFixed(3) ?? '–'}`
        : ''
    }) on \`${context.dataPath}\`, ${result.split} split. ${context.created.slice(0, 10)}.`,
    '',
    `**Verdict.** ${l.verdict}${
      worse.length
        ? ` On ${worse.join(' and ')} it scores worse than the training-set histogram, a model that ignores the music so far.`
        : ''
    }${
      music
        ? ` Its music overlaps the held-out music by ${n3(music.meanOverlappedArea)} on average (1 = identical histograms); ${music.generated.stalled} of ${music.generated.pieces} generated pieces stall.`
        : ''
    }`,
    '',
  ];
}

/** Section 1: the NLL table, bits per second, and how the timing was scored. */
function likelihoodLines(result: EvalResult, context: ReportContext): string[] {
  const { likelihood: l } = result;
  const { model: m, baselines: b, widths: w } = l;
  return [
    '## 1. Likelihood of held-out music',
    '',
    `Nats per note on the shared grid, lower is better: pitch in 120 classes; delay and duration in ${TIME_BIN_SECONDS * 1000} ms bins up to ${TIME_RANGE_SECONDS} s plus an overflow bin; velocity in ${VELOCITY_BINS} bins. ${count(l.notes, 'note')} of ${count(l.pieces, 'piece')} (each piece's first note is context only).`,
    '',
    '| | pitch | delay | duration | velocity | total |',
    '|---|--:|--:|--:|--:|--:|',
    `| **model** | **${n3(m.pitch)}** | **${n3(m.delay)}** | **${n3(m.duration)}** | **${n3(m.velocity)}** | **${n3(m.total)}** |`,
    ...(l.withoutRepetition
      ? [
          `| the network alone (no repetition cache) | ${n3(l.withoutRepetition.pitch)} | ${n3(l.withoutRepetition.delay)} | ${n3(l.withoutRepetition.duration)} | ${n3(l.withoutRepetition.velocity)} | ${n3(l.withoutRepetition.total)} |`,
        ]
      : []),
    `| bigram pitch, training histograms | ${n3(b.bigramPitch)} | ${n3(b.delay)} | ${n3(b.duration)} | ${n3(b.velocity)} | ${n3(b.total)} |`,
    `| unigram pitch | ${n3(b.unigramPitch)} | | | | |`,
    `| model − baseline | ${signed(m.pitch - b.bigramPitch)} | ${signed(m.delay - b.delay)} | ${signed(m.duration - b.duration)} | ${signed(m.velocity - b.velocity)} | ${signed(m.total - b.total)} |`,
    '',
    `Per second of music (${(l.seconds / 3600).toFixed(2)} h scored): the model ${l.bitsPerSecond.model.toFixed(1)} bits/s, the baseline ${l.bitsPerSecond.baseline.toFixed(1)} bits/s.${
      context.baselineDataPath
        ? ` The baselines are counted on the training split of \`${context.baselineDataPath}\`.`
        : ''
    }`,
    '',
    '![nats per note, model against baselines](nll.svg)',
    '',
    ...(l.withoutRepetition
      ? [
          "The model is the network with its repetition cache (the model folder's `repetition.json`, fitted on training pieces by `howl fit-repetition`): before each note the longest run of recent pitch intervals heard earlier in the same piece is looked up, and the notes that followed it there are mixed into the network's distributions; where `repetition.json` has them, so are the chord cache's (the same chords in any order), the release vote's (durations that end the note with one still sounding) and the neighbour vote's (the durations and velocities of the recent notes near in pitch). The network alone is the row below it.",
          '',
        ]
      : []),
    ...(result.split === 'train'
      ? [
          '**In-sample.** These are training notes: the baselines were counted on them and the model learnt from them, so neither number measures generalisation.',
          '',
        ]
      : []),
    w
      ? `Delay, duration and volume come from a regression head, scored as a Gaussian around each prediction integrated over the real value's bin. Its σ, fitted by grid likelihood on ${count(l.fit.notes, 'note')} of ${count(l.fit.pieces, 'training piece')}: delay ${seconds(w.delay.sigma)} (the RMS error the training loss saw: ${seconds(w.delay.rms)}), duration ${seconds(w.duration.sigma)} (${seconds(w.duration.rms)}), volume ${w.volume.sigma.toFixed(3)} = ${(w.volume.sigma * 127).toFixed(1)} velocity steps (${w.volume.rms.toFixed(3)}). The baselines are counted on all ${int(l.fit.baselineNotes)} training notes.`
      : `The model predicts every attribute as a distribution over the grid's own bins (delay, then pitch given the delay, then duration and velocity given both), so each real note is scored by the probability the model gave its bins, with the real earlier attributes as context. The baselines are counted on all ${int(l.fit.baselineNotes)} training notes.`,
    '',
  ];
}

/** Section 2: the generated pieces against the held-out ones (`heldOutPieces` of them). */
function musicLines(music: MusicResult, heldOutPieces: number, timingHeads: boolean): string[] {
  const seeds = music.seeds.length
    ? `seeds ${music.seeds[0]}–${music.seeds[music.seeds.length - 1]}`
    : 'no seeds';
  const s = music.sampling;
  const pitch = s.greedy
    ? 'greedy pitch'
    : `temperature ${s.temperature}${s.topK < PITCH_COUNT ? `, top-k ${s.topK}` : ''}${s.topP < 1 ? `, top-p ${s.topP}` : ''}`;
  const heads = [s.delayTemperature, s.durationTemperature, s.velocityTemperature];
  const timing =
    timingHeads && heads.some((t) => t !== 1)
      ? `, timing temperatures ${heads.join(' / ')} (delay / duration / velocity)`
      : '';
  const cache = music.repetition && s.repetition > 0 ? `, repetition cache × ${s.repetition}` : '';
  const sampling = `${pitch}${timing}${timingHeads && s.chords === 'together' ? ', chords together' : ''}${cache}`;
  return [
    '## 2. Generated music against held-out music',
    '',
    `${count(music.pieces, 'piece')} × ${count(music.notesPerPiece, 'note')} (${seeds}; ${sampling}), generated at ${int(music.notesPerSecond)} notes/s, against the ${count(heldOutPieces, 'held-out piece')}. Overlapped Area (OA) of the two normalised histograms: 1 = identical, 0 = disjoint.`,
    '',
    '| feature | OA | median, held-out | median, generated |',
    '|---|--:|--:|--:|',
    ...music.features.map(
      (c) => `| ${c.title} | ${n3(c.overlappedArea)} | ${typical(c, 'real')} | ${typical(c, 'generated')} |`,
    ),
    `| **mean** | **${n3(music.meanOverlappedArea)}** | | |`,
    '',
    '![histograms of held-out and generated music](histograms.svg)',
    '',
    '### Degeneration',
    '',
    ...degenerationRows(music.generated, music.real),
    '',
  ];
}

/** How to read the numbers, and the run: the command line and the time each phase took. */
function closingLines(result: EvalResult, context: ReportContext): string[] {
  const t = result.seconds;
  return [
    '## How to read this',
    '',
    '- **Nats per note** is the average −ln p the model gives the real next note. A model 0.1 nats/note better gives the real notes about 10 % more probability each; e raised to the pitch NLL is the number of pitches it is, in effect, choosing among. The grid is shared, so models with different outputs compare on one scale.',
    '- **Baselines**: a model that does not beat the bigram on pitch has learnt less than counting which pitch follows which: it is broken. Delay, duration and velocity are compared with their training-set histograms.',
    '- **Overlapped Area** (after Yang & Lerch, 2020) says how much two distributions share; the figure shows where they differ.',
    `- **Degeneration**: real music repeats sections, so compare the generated column with the held-out one. A piece stalls when one pitch comes ${STALL_REPEATED_PITCH} or more times in a row, or nothing sounds for over ${STALL_SILENCE_SECONDS} s.`,
    '- Definitions, bins and citations: `src/eval/README.md` in the Howl repository. Every number is in `report.json`.',
    '',
    '## Run',
    '',
    '```',
    context.command,
    '```',
    '',
    `Fitting ${t.fit.toFixed(1)} s, scoring ${t.score.toFixed(1)} s, generating ${t.generate.toFixed(1)} s, comparing ${t.compare.toFixed(1)} s.`,
    '',
  ];
}

/**
 * The Markdown report.
 *
 * @param result - the evaluation
 * @param context - names, paths and the command line
 * @returns Markdown that embeds `nll.svg` and `histograms.svg` from the same folder
 */
export function reportMarkdown(result: EvalResult, context: ReportContext): string {
  const lines: string[] = [...headerLines(result, context), ...likelihoodLines(result, context)];
  if (result.music) {
    const timingHeads = result.model.type !== 'original-lstm';
    lines.push(...musicLines(result.music, result.likelihood.pieces, timingHeads));
  }
  lines.push(...closingLines(result, context));
  return lines.join('\n');
}

/**
 * The JSON report: the context and every number of the evaluation (non-finite numbers become null).
 *
 * @param result - the evaluation
 * @param context - names, paths and the command line
 * @returns the JSON text
 */
export function reportJson(result: EvalResult, context: ReportContext): string {
  const document = { format: REPORT_FORMAT, version: REPORT_VERSION, ...context, ...result };
  return `${JSON.stringify(document, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1)}\n`;
}

/**
 * Every file of the report.
 *
 * @param result - the evaluation
 * @param context - names, paths and the command line
 * @returns `report.md`, `report.json`, `nll.svg`, and `histograms.svg` when music was generated
 * @example for (const file of buildReport(result, context)) await writeFileAtomic(join(dir, file.name), file.content);
 */
export function buildReport(result: EvalResult, context: ReportContext): ReportFile[] {
  const files: ReportFile[] = [{ name: 'nll.svg', content: nllBarsSvg(result) }];
  if (result.music) {
    files.push({
      name: 'histograms.svg',
      content: histogramsSvg(
        result.music.features,
        `${context.modelName}: held-out (${result.split}) against generated music`,
        musicSummary(result.music),
      ),
    });
  }
  files.push(
    { name: 'report.json', content: reportJson(result, context) },
    { name: 'report.md', content: reportMarkdown(result, context) },
  );
  return files;
}
