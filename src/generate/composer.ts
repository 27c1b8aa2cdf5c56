import type { V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import type { StepNetwork } from '../inference/step-network.js';
import { createRng, type Rng, type RngState } from '../random/rng.js';
import type { Note } from '../score/note.js';
import {
  lastOnset,
  nextNote,
  pitchLogProbOf,
  randomFirstNote,
  rowOf,
  type NextNoteOptions,
  type ScoredNote,
} from './next-note.js';
import { RepetitionCache, type RepetitionConfig } from './repetition-cache.js';
import { resolveSampling, type ResolvedSampling, type SamplingOptions } from './sampling.js';

/**
 * A piece being written by a person and the model together, one note at a time.
 *
 * The composer keeps the network's state before every note (or, for a network that rewinds itself,
 * lets it go back), so an edit anywhere costs only the notes after it: `truncate(n)` rolls the state back to note n, `replaceFrom(i, notes)` rolls back
 * to note i and feeds the new notes. Generation after an edit is exactly what a fresh composer
 * given the edited notes would produce (tested).
 *
 * Generation never re-reads the piece: each new note is one network step (the original,
 * docs/original-system.md §7, re-ran the network over the last 500 notes for every note).
 */
export interface Composer {
  /** Every note so far, given and generated, in order. */
  readonly notes: readonly ScoredNote[];
  /** The pitch controls in force. */
  readonly sampling: ResolvedSampling;
  /**
   * Adds notes a person gave (a primer, an edit), in time order, after the last note.
   *
   * @throws InvalidArgumentError naming the note, for a pitch out of 0..119 or an onset before the last note
   */
  append(notes: readonly Note[]): void;
  /** Generates one note (on an empty piece: a random first note, as the original). */
  next(): ScoredNote;
  /**
   * Generates notes as an async iterator; stop any time (`break`), edit, and call again to go on.
   *
   * @param limit - stop after `notes` notes, or before the first note starting more than `seconds`
   *   after the last note at the call; `yieldEvery` notes between pauses for the event loop (default 32)
   */
  generate(limit: { notes?: number; seconds?: number; yieldEvery?: number }): AsyncGenerator<ScoredNote>;
  /** Keeps the first `length` notes; the state goes back to where it was after them. */
  truncate(length: number): void;
  /** Replaces the notes from index `from` on with `notes` (an edit): `truncate(from)` then `append`. */
  replaceFrom(from: number, notes: readonly Note[]): void;
  /** Changes the pitch controls for the notes to come. */
  setSampling(options: SamplingOptions): void;
  /** The generator's state (save it to reproduce what comes next). */
  getRngState(): RngState;
  /** Re-seeds the generator (an integer seed, or a state from `getRngState`). */
  setRng(seed: number | RngState): void;
}

/** Options of `createComposer`. */
export interface ComposerOptions {
  /** Pitch controls (see `SamplingOptions`). */
  readonly sampling?: SamplingOptions;
  /** Seed of the generator (default 1). */
  readonly seed?: number;
  /**
   * The model's repetition cache (`repetition.json`; ordered networks): fed every note of the
   * piece (edits included) and mixed in at `sampling.repetition`.
   */
  readonly repetition?: RepetitionConfig;
}

/**
 * Creates a composer on a batch-1 step network (its state is reset).
 *
 * @param network - a `StepNetwork` of batch 1
 * @param options - sampling and seed
 * @returns the composer, empty
 * @example
 * const composer = createComposer(network, { seed: 7, sampling: { temperature: 0.9 } });
 * composer.append(primerNotes);
 * for await (const note of composer.generate({ notes: 200 })) play(note);
 */
export function createComposer(network: StepNetwork, options: ComposerOptions = {}): Composer {
  if (network.batch !== 1)
    throw new InvalidArgumentError(`a composer needs a network of batch 1, not ${network.batch}`);
  network.reset();
  const s: ComposerState = {
    network,
    sampling: resolveSampling(options.sampling),
    rng: createRng(options.seed ?? 1),
    notes: [],
    rows: [],
    before: [],
    rewinds: network.rewind !== undefined,
    cache:
      options.repetition === undefined || network.kind !== 'ordered'
        ? undefined
        : new RepetitionCache(options.repetition),
  };

  const composer: Composer = {
    get notes() {
      return s.notes;
    },
    get sampling() {
      return s.sampling;
    },
    append: (given) => appendNotes(s, given),
    next() {
      if (lastTime(s) === null) {
        composer.append([randomFirstNote(s.rng)]);
        return s.notes[0]!;
      }
      const { note, row } = nextNote(network, 0, lastOnset(s.notes), s.sampling, s.rng, drawOptions(s));
      feed(s, note, row);
      return note;
    },
    generate: (limit) => generateNotes(s, composer, limit),
    truncate: (length) => truncateTo(s, length),
    replaceFrom(from, replacement) {
      if (!(Number.isSafeInteger(from) && from >= 0 && from <= s.notes.length)) {
        throw new InvalidArgumentError(`replaceFrom: index ${from} is not in 0..${s.notes.length}`);
      }
      composer.truncate(from);
      composer.append(replacement);
    },
    setSampling(next) {
      s.sampling = resolveSampling(next);
    },
    getRngState: () => s.rng.getState(),
    setRng(seed) {
      s.rng = createRng(seed);
    },
  };
  return composer;
}

/** A composer's piece and where its network is. */
interface ComposerState {
  readonly network: StepNetwork;
  sampling: ResolvedSampling;
  rng: Rng;
  readonly notes: ScoredNote[];
  /** The network's input row of each note. */
  readonly rows: V1Row[];
  /**
   * `before[i]`: the state before note i was fed. Not kept for networks that rewind themselves
   * (a transformer's cache holds the notes; copying it per note would cost its whole size).
   */
  readonly before: Float32Array[];
  readonly rewinds: boolean;
  /** The piece's repetition cache, fed the same rows as the network. */
  readonly cache: RepetitionCache | undefined;
}

/** `nextNote`'s options for the composer's piece. */
const drawOptions = (s: ComposerState): NextNoteOptions => (s.cache ? { repetition: s.cache } : {});

/** Feeds a note to the network (keeping the state before it) and adds it to the piece. */
function feed(s: ComposerState, note: ScoredNote, row: V1Row): void {
  if (!s.rewinds) s.before.push(s.network.saveState(0));
  s.network.step([row]);
  s.cache?.push(row);
  s.rows.push(row);
  s.notes.push(note);
}

const lastTime = (s: ComposerState): number | null =>
  s.notes.length === 0 ? null : s.notes[s.notes.length - 1]!.time;

/** `Composer.append`: each given note scored by the model (but the first of the piece), then fed. */
function appendNotes(s: ComposerState, given: readonly Note[]): void {
  given.forEach((note, i) => {
    const row = rowOf(note, lastTime(s), `note ${s.notes.length} (${i} of the notes added)`);
    const logProb = s.notes.length > 0 ? pitchLogProbOf(s.network, 0, row) : null;
    feed(
      s,
      {
        pitch: note.pitch,
        velocity: note.velocity,
        time: note.time,
        duration: Math.abs(note.duration),
        logProb,
      },
      row,
    );
  });
}

/** `Composer.generate` (`composer.next()` writes an empty piece's first note). */
async function* generateNotes(
  s: ComposerState,
  composer: Composer,
  limit: { notes?: number; seconds?: number; yieldEvery?: number },
): AsyncGenerator<ScoredNote> {
  const { notes: count = Infinity, seconds = Infinity, yieldEvery = 32 } = limit;
  if (!(count >= 0) || !(seconds >= 0)) throw new InvalidArgumentError('generate: the limits must be >= 0');
  if (count === Infinity && seconds === Infinity) {
    throw new InvalidArgumentError('generate: give a number of notes or seconds');
  }
  const start = lastTime(s) ?? 0;
  for (let made = 0; made < count; made++) {
    const previous = lastTime(s);
    if (previous === null) yield composer.next();
    else {
      const { note, row } = nextNote(s.network, 0, lastOnset(s.notes), s.sampling, s.rng, drawOptions(s));
      if (note.time - start > seconds) return; // drawn, not kept: the piece ends before it
      feed(s, note, row);
      yield note;
    }
    if ((made + 1) % yieldEvery === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** `Composer.truncate`: keeps the first `length` notes, the network back to after them. */
function truncateTo(s: ComposerState, length: number): void {
  const { network, notes, rows, before } = s;
  if (!(Number.isSafeInteger(length) && length >= 0)) {
    throw new InvalidArgumentError(`truncate: ${length} is not a whole number >= 0`);
  }
  if (length >= notes.length) return;
  if (length === 0) network.reset();
  else {
    // Back to before note length − 1, then fed again: the outputs are those after it.
    if (network.rewind) network.rewind(0, length - 1);
    else network.loadState(0, before[length - 1]!);
    network.step([rows[length - 1]!]);
  }
  notes.length = length;
  rows.length = length;
  before.length = length;
  if (s.cache) {
    s.cache.clear();
    for (const row of rows) s.cache.push(row);
  }
}
