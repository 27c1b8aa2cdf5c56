import { infillInputAt, suffixSummary, type InfillInput } from '../encoding/infill-input.js';
import type { V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import type { OrderedStepNetwork } from '../inference/step-network.js';
import { createRng } from '../random/rng.js';
import type { Note, Seconds } from '../score/note.js';
import { lastOnset, nextNote, rowOf, type ScoredNote } from './next-note.js';
import { RepetitionCache, type RepetitionConfig } from './repetition-cache.js';
import { resolveSampling, type SamplingOptions } from './sampling.js';

/**
 * Filling a gap: the notes between a prefix and a suffix, written by a gap-filling network
 * (`infill: true`, `src/model/batching/infill-windows.ts`).
 *
 * The network reads the suffix (the notes from the gap's end on, nearest first, its first delay
 * measured from the gap's end), then the prefix (the notes before the gap, its first delay 0), each
 * note with its infill input; then it writes the middle one note at a time, each told how long is
 * left until the gap's end. The first note may not start before the gap does (its delay bins below
 * the gap's start are masked out). The gap is full when the network draws a note that starts at or
 * after the gap's end: that note is the suffix's, so it is dropped and writing stops. The notes
 * before and after the gap are kept exactly; the gap's own notes are replaced.
 *
 * Any ordered network can also continue the prefix up to the gap's end without reading the suffix
 * (`mode: 'prefix'`): the baseline the evaluation compares with (`src/eval/infill-eval.ts`).
 */

/** How a gap is read: around it (`'infill'`, an infill network) or from the prefix only (`'prefix'`). */
export type InfillMode = 'infill' | 'prefix';

/** A piece cut around a gap `[from, to)`. */
export interface GapParts {
  /** Notes starting before `from`, in time order. */
  readonly before: readonly Note[];
  /** Notes starting in the gap. */
  readonly inside: readonly Note[];
  /** Notes starting at or after `to`. */
  readonly after: readonly Note[];
}

/**
 * Cuts a piece's notes around a gap by onset.
 *
 * @param notes - the piece's notes, in time order
 * @param from - the gap's start, seconds
 * @param to - its end
 * @returns the three parts
 * @throws InvalidArgumentError unless 0 ≤ `from` < `to`
 */
export function cutAroundGap(notes: readonly Note[], from: Seconds, to: Seconds): GapParts {
  if (!(Number.isFinite(from) && Number.isFinite(to) && from >= 0 && from < to)) {
    throw new InvalidArgumentError(
      `a gap from ${from} s to ${to} s: the start must be >= 0 and before the end`,
    );
  }
  return {
    before: notes.filter((n) => n.time < from),
    inside: notes.filter((n) => n.time >= from && n.time < to),
    after: notes.filter((n) => n.time >= to),
  };
}

/** How many notes of context the network reads on each side of a gap. */
export interface InfillContextNotes {
  /** Prefix notes, those nearest the gap (default 128, as in training). */
  readonly prefixNotes?: number;
  /** Suffix notes, those nearest the gap (default 64, as in training). */
  readonly suffixNotes?: number;
}

const contextOf = (options: InfillContextNotes): { prefixNotes: number; suffixNotes: number } => ({
  prefixNotes: options.prefixNotes ?? 128,
  suffixNotes: options.suffixNotes ?? 64,
});

/**
 * The notes a network reads before writing a gap, each with its V1 row and infill input (`null` in
 * `'prefix'` mode), in reading order: the suffix's, then the prefix's (`'infill'`), or the prefix's
 * only (`'prefix'`).
 *
 * @param parts - the piece cut around the gap (`before` must not be empty)
 * @param from - the gap's start
 * @param to - its end
 * @param mode - how the gap is read
 * @param options - the context's sizes
 * @returns the rows and inputs to feed, and (`'infill'`) the suffix's summary the gap's notes read
 */
export function gapContextRows(
  parts: Pick<GapParts, 'before' | 'after'>,
  from: Seconds,
  to: Seconds,
  mode: InfillMode,
  options: InfillContextNotes = {},
): GapContext {
  const { prefixNotes, suffixNotes } = contextOf(options);
  if (parts.before.length === 0) throw new InvalidArgumentError('a gap needs at least one note before it');
  if (mode === 'infill' && parts.after.length === 0) {
    throw new InvalidArgumentError('a gap read around needs at least one note after it');
  }
  const rows: V1Row[] = [];
  const inputs: (InfillInput | null)[] = [];
  let summary: Float32Array | undefined;
  if (mode === 'infill') {
    const suffix = parts.after.slice(0, Math.max(1, suffixNotes));
    summary = suffixSummary(
      {
        times: suffix.map((n) => n.time),
        pitches: suffix.map((n) => n.pitch),
        volumes: suffix.map((n, i) => rowOf(n, null, `suffix note ${i}`)[2]),
      },
      to,
    );
    suffix.forEach((note, i) => {
      rows.push(rowOf(note, i === 0 ? to : suffix[i - 1]!.time, `suffix note ${i}`));
      inputs.push(infillInputAt('suffix', note.time, from, to));
    });
  }
  const prefix = parts.before.slice(-Math.max(1, prefixNotes));
  prefix.forEach((note, i) => {
    rows.push(rowOf(note, i === 0 ? null : prefix[i - 1]!.time, `prefix note ${i}`));
    inputs.push(mode === 'infill' ? infillInputAt('prefix', note.time, from, to, summary) : null);
  });
  return { rows, inputs, summary };
}

/** What a network reads before a gap: rows and infill inputs, and the suffix's summary. */
export interface GapContext {
  readonly rows: V1Row[];
  readonly inputs: (InfillInput | null)[];
  /** The suffix's summary (`'infill'` mode), for the infill input of the gap's notes. */
  readonly summary: Float32Array | undefined;
}

/**
 * The infill input of a note written (or scored) in a gap: `null` in `'prefix'` mode.
 *
 * @param context - the gap's context (`gapContextRows`)
 * @param time - the note's onset
 * @param from - the gap's start
 * @param to - its end
 * @returns the input
 */
export function gapNoteInput(
  context: GapContext,
  time: Seconds,
  from: Seconds,
  to: Seconds,
): InfillInput | null {
  return context.summary === undefined ? null : infillInputAt('middle', time, from, to, context.summary);
}

/**
 * Resets a network of batch 1 and feeds it the context of a gap (`gapContextRows`): after this its
 * outputs predict the gap's first note.
 *
 * @param network - an ordered step network of batch 1 (with `setInfill` for `'infill'` mode)
 * @param context - from `gapContextRows`
 * @throws InvalidArgumentError for a larger batch, or `'infill'` inputs and a network that does not fill gaps
 */
export function feedGapContext(
  network: OrderedStepNetwork,
  context: { rows: readonly V1Row[]; inputs: readonly (InfillInput | null)[] },
): void {
  if (network.batch !== 1)
    throw new InvalidArgumentError(`a gap is read by a network of batch 1, not ${network.batch}`);
  const needsInfill = context.inputs.some((i) => i !== null);
  if (needsInfill && !network.setInfill) throw notAnInfillNetwork();
  network.reset();
  context.rows.forEach((row, i) => {
    network.setInfill?.(0, context.inputs[i] ?? null);
    network.step([row]);
  });
}

const notAnInfillNetwork = (): InvalidArgumentError =>
  new InvalidArgumentError(
    'this model does not fill gaps (it was not trained with --infill); use models/piano-asap-infill',
  );

/** Options of `fillGap`. */
export interface FillGapOptions extends InfillContextNotes {
  /** The gap's start, seconds. */
  readonly from: Seconds;
  /** Its end: the written notes start before it. */
  readonly to: Seconds;
  /** `'infill'` (default): read the suffix too; `'prefix'`: continue the prefix only. */
  readonly mode?: InfillMode;
  /** Seed of the choices (default 1). */
  readonly seed?: number;
  /** Pitch and timing controls (as `howl generate`'s). */
  readonly sampling?: SamplingOptions;
  /** The most notes written (default 40 per second of gap, at least 64): a guard, rarely reached. */
  readonly maxNotes?: number;
  /**
   * Notes in the gap to keep (a person's locked notes): each is fed to the network at its time, as
   * if the network had written it, once a drawn note would start at or after it (the drawn note is
   * then dropped and drawn again after it); so the network writes around them. Kept notes outside
   * the gap are ignored.
   */
  readonly keep?: readonly Note[];
  /**
   * The model's repetition cache (`repetition.json`): it remembers the whole piece around the gap,
   * the music after it (`'infill'` mode) and before it, and mixes what followed the same run of
   * intervals there into each note (`sampling.repetition` strength).
   */
  readonly repetition?: RepetitionConfig;
}

/**
 * The repetition cache of a gap: fed the notes after the gap (in `'infill'` mode), a break, then
 * the notes before it, so that the gap's notes can be matched against the whole piece around them.
 *
 * @param config - the model's fitted cache
 * @param parts - the piece cut around the gap
 * @param mode - `'infill'` reads the notes after the gap too; `'prefix'` only those before it
 * @returns the cache, ready for the gap's first note
 * @example const cache = gapRepetitionCache(model.repetition, cutAroundGap(notes, 12, 20), 'infill');
 */
export function gapRepetitionCache(
  config: RepetitionConfig,
  parts: Pick<GapParts, 'before' | 'after'>,
  mode: InfillMode,
): RepetitionCache {
  const cache = new RepetitionCache(config);
  const feed = (notes: readonly Note[]): void => {
    notes.forEach((note, i) => cache.push(rowOf(note, i === 0 ? null : notes[i - 1]!.time, `note ${i}`)));
  };
  if (mode === 'infill' && parts.after.length > 0) {
    feed(parts.after);
    cache.separate();
  }
  feed(parts.before);
  return cache;
}

/** A filled gap. */
export interface FilledGap {
  /** The piece: the notes before the gap, the written ones, the notes after it, in time order. */
  readonly notes: Note[];
  /** The notes written in the gap, with the model's log-probability of each pitch. */
  readonly written: ScoredNote[];
  /** The gap's own notes, replaced (all but those kept, `FillGapOptions.keep`). */
  readonly replaced: readonly Note[];
  /** Why writing stopped: the network drew a note at or after the gap's end, or `maxNotes`. */
  readonly ended: 'gap-end' | 'note-limit';
}

/**
 * Writes the notes of a gap `[from, to)` of a piece (see the file's comment).
 *
 * @param network - an ordered step network; for `'infill'` mode a gap-filling one (`setInfill`)
 * @param notes - the piece, in time order
 * @param options - the gap, the mode, seed, sampling, context and note limit
 * @returns the filled piece and the written notes
 * @throws InvalidArgumentError for a gap with no note before it, or a network that does not fill gaps
 * @example
 * const network = createStepNetwork(model.config.model, model.weights);
 * const { notes } = fillGap(network, score.notes, { from: 12.5, to: 20, seed: 7 });
 */
export function fillGap(
  network: OrderedStepNetwork,
  notes: readonly Note[],
  options: FillGapOptions,
): FilledGap {
  const { from, to } = options;
  const mode = options.mode ?? 'infill';
  const parts = cutAroundGap(notes, from, to);
  if (mode === 'infill' && !network.setInfill) throw notAnInfillNetwork();
  // No note after the gap: nothing to lead into, so the prefix is continued up to the gap's end.
  const reading: InfillMode = parts.after.length === 0 ? 'prefix' : mode;
  const written = writeGap(network, parts, {
    ...options,
    mode: reading,
    rng: createRng(options.seed ?? 1),
  });
  const kept = keptInGap(options);
  const middle = [...written.notes, ...kept].sort((a, b) => a.time - b.time); // stable: kept after ties
  return {
    notes: [...parts.before, ...middle, ...parts.after],
    written: written.notes,
    replaced: parts.inside.filter((n) => !kept.some((k) => k.time === n.time && k.pitch === n.pitch)),
    ended: written.ended,
  };
}

/** The notes of `keep` that start in the gap, in time order. */
const keptInGap = (options: Pick<FillGapOptions, 'from' | 'to' | 'keep'>): Note[] =>
  (options.keep ?? [])
    .filter((n) => n.time >= options.from && n.time < options.to)
    .sort((a, b) => a.time - b.time);

/**
 * Reads a gap's context and writes the gap's notes: `fillGap`'s work, with the caller's generator.
 *
 * @param network - an ordered step network of batch 1
 * @param parts - the piece cut around the gap
 * @param options - the gap, mode, generator, sampling, context, kept notes and note limit
 * @returns the written notes (not the kept ones) and why writing stopped
 */
export function writeGap(
  network: OrderedStepNetwork,
  parts: Pick<GapParts, 'before' | 'after'>,
  options: Omit<FillGapOptions, 'seed'> & { readonly rng: ReturnType<typeof createRng> },
): { notes: ScoredNote[]; ended: 'gap-end' | 'note-limit' } {
  const notes: ScoredNote[] = [];
  const steps = gapWriter(network, parts, options);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done === true) return { notes, ended: step.value };
    notes.push(step.value);
  }
}

/**
 * `writeGap` one note at a time: reads the gap's context on the first `next()`, then yields each
 * written note as it is drawn (a caller can stop between notes, e.g. to stream them to a page), and
 * returns why writing stopped. Kept notes (`options.keep`) are fed, not yielded.
 *
 * @param network - an ordered step network of batch 1
 * @param parts - the piece cut around the gap
 * @param options - as `writeGap`'s
 * @returns a generator of the written notes
 */
export function* gapWriter(
  network: OrderedStepNetwork,
  parts: Pick<GapParts, 'before' | 'after'>,
  options: Omit<FillGapOptions, 'seed'> & { readonly rng: ReturnType<typeof createRng> },
): Generator<ScoredNote, 'gap-end' | 'note-limit', void> {
  const { from, to, rng } = options;
  const mode = options.mode ?? 'infill';
  const sampling = resolveSampling(options.sampling);
  const maxNotes = options.maxNotes ?? Math.max(64, Math.ceil(40 * (to - from)));
  const context = gapContextRows(parts, from, to, mode, options);
  feedGapContext(network, context);
  const cache =
    options.repetition === undefined || sampling.repetition === 0
      ? undefined
      : gapRepetitionCache(options.repetition, parts, mode);
  const draw = cache === undefined ? {} : { repetition: cache };
  const keep = keptInGap(options);
  /** The gap's notes so far, written and kept, in the order the network read them. */
  const read: Note[] = [];
  let written = 0;
  let time = parts.before[parts.before.length - 1]!.time;
  while (written < maxNotes) {
    const onset = lastOnset(read, parts.before);
    const { note, row } = nextNote(network, 0, onset, sampling, rng, {
      minDelay: Math.max(0, from - time),
      cacheDelayLimit: to - time,
      ...draw,
    });
    const kept = keep[read.length - written];
    if (kept !== undefined && note.time >= kept.time) {
      // The drawn note would follow a kept one: the network reads the kept note instead, then draws again.
      network.setInfill?.(0, gapNoteInput(context, kept.time, from, to));
      const keptRow = rowOf(kept, time, `kept note ${read.length - written}`);
      network.step([keptRow]);
      cache?.push(keptRow);
      read.push(kept);
      time = kept.time;
      continue;
    }
    if (note.time >= to) return 'gap-end';
    network.setInfill?.(0, gapNoteInput(context, note.time, from, to));
    network.step([row]);
    cache?.push(row);
    read.push(note);
    written++;
    time = note.time;
    yield note;
  }
  return 'note-limit';
}
