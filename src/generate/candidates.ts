import type { V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import type { StepNetwork } from '../inference/step-network.js';
import { createRng, type Rng } from '../random/rng.js';
import type { Note } from '../score/note.js';
import { lastOnset, nextNote, pitchLogProbOf, randomFirstNote, rowOf, type ScoredNote } from './next-note.js';
import { RepetitionCache, type RepetitionConfig } from './repetition-cache.js';
import { resolveSampling, type SamplingOptions } from './sampling.js';

/**
 * Several pieces at once: `count` candidates advance together as one batch of the step network
 * (one step per note for all of them), then are ranked by the model's mean log-probability of
 * their pitches, best first.
 *
 * Candidate `i` uses the generator seeded with `seed + i`, so it is the piece a `Composer` seeded
 * with `seed + i` writes from the same start (tested): any candidate can be reproduced alone.
 */
export interface CandidateOptions {
  /** Notes to start from (a primer, or one seed note); when absent each candidate draws a random
   * first note, as the original (docs/original-system.md §7). */
  readonly start?: readonly Note[];
  /** Candidates (default 1); the network's batch must be this. */
  readonly count?: number;
  /** Notes to generate per candidate. */
  readonly notes?: number;
  /** Or: stop before the first note starting more than this many seconds after the start's last note. */
  readonly seconds?: number;
  /** Seed of candidate 0 (default 1). */
  readonly seed?: number;
  /** Pitch controls. */
  readonly sampling?: SamplingOptions;
  /**
   * The model's repetition cache (`repetition.json`; ordered networks): each candidate keeps its
   * own, fed its start and every note it writes, and mixed in at `sampling.repetition`.
   */
  readonly repetition?: RepetitionConfig;
  /** Called after every step with the notes made so far per candidate (for a progress bar). */
  readonly onStep?: (made: number) => void;
}

/** One generated piece. */
export interface Candidate {
  /** The generator seed that reproduces it alone. */
  readonly seed: number;
  /** Its start (the given notes, or its random first note). */
  readonly start: readonly ScoredNote[];
  /** The generated notes, after the start. */
  readonly notes: readonly ScoredNote[];
  /** Sum of the model's log-probabilities of the generated pitches (natural log). */
  readonly logProb: number;
  /** `logProb` per generated note (0 when none). */
  readonly meanLogProb: number;
}

/**
 * Generates `count` candidates in one batch and ranks them.
 *
 * @param network - a step network whose batch is `count` (its state is reset)
 * @param options - start, length, seed and sampling
 * @returns the candidates, highest mean log-probability first
 * @throws InvalidArgumentError for no length limit, a batch that is not `count`, or a bad start note
 */
export function generateCandidates(network: StepNetwork, options: CandidateOptions): Candidate[] {
  const count = options.count ?? 1;
  const limitNotes = options.notes ?? Infinity;
  const limitSeconds = options.seconds ?? Infinity;
  const seed = options.seed ?? 1;
  if (network.batch !== count) {
    throw new InvalidArgumentError(
      `the network's batch ${network.batch} is not the candidate count ${count}`,
    );
  }
  if (!(limitNotes >= 0) || !(limitSeconds >= 0) || (limitNotes === Infinity && limitSeconds === Infinity)) {
    throw new InvalidArgumentError('give a number of notes or seconds >= 0 to generate');
  }
  const sampling = resolveSampling(options.sampling);
  const rngs: Rng[] = Array.from({ length: count }, (_, i) => createRng(seed + i));
  network.reset();
  const caches =
    options.repetition === undefined || network.kind !== 'ordered' || sampling.repetition === 0
      ? undefined
      : rngs.map(() => new RepetitionCache(options.repetition!));

  // The start: shared given notes, or one random first note per candidate (from its own generator).
  const starts: ScoredNote[][] = rngs.map((rng) =>
    options.start === undefined ? [{ ...randomFirstNote(rng), logProb: null }] : [],
  );
  if (options.start !== undefined) {
    if (options.start.length === 0) throw new InvalidArgumentError('the start has no notes');
    const rows: V1Row[] = [];
    options.start.forEach((note, i) => {
      const row = rowOf(note, i === 0 ? null : options.start![i - 1]!.time, `start note ${i}`);
      let logProb: number | null = null;
      if (i > 0) logProb = pitchLogProbOf(network, 0, row);
      network.step(Array<V1Row>(count).fill(row));
      caches?.forEach((cache) => cache.push(row));
      rows.push(row);
      const scored = { ...note, duration: Math.abs(note.duration), logProb };
      for (const s of starts) s.push(scored);
    });
  } else {
    const firstRows = starts.map((s) => rowOf(s[0]!, null, 'first note'));
    caches?.forEach((cache, b) => cache.push(firstRows[b]!));
    network.step(firstRows);
  }

  const made: ScoredNote[][] = starts.map(() => []);
  const done = new Array<boolean>(count).fill(limitNotes === 0);
  const startTime = starts.map((s) => s[s.length - 1]!.time);
  const rows = new Array<V1Row>(count);
  for (let step = 0; step < limitNotes && !done.every(Boolean); step++) {
    for (let b = 0; b < count; b++) {
      if (!done[b]) {
        const previous = lastOnset(made[b]!, starts[b]!);
        const cache = caches?.[b];
        const { note, row } = nextNote(
          network,
          b,
          previous,
          sampling,
          rngs[b]!,
          cache ? { repetition: cache } : {},
        );
        if (note.time - startTime[b]! > limitSeconds) done[b] = true;
        else {
          made[b]!.push(note);
          cache?.push(row);
          rows[b] = row;
          continue;
        }
      }
      rows[b] = [0, 0, 0, 0]; // this row's outputs are no longer read
    }
    if (done.every(Boolean)) break;
    options.onStep?.(step + 1);
    if (step + 1 >= limitNotes) break; // the last notes need no step: nothing reads the network after them
    network.step(rows);
  }

  return made
    .map((notes, i): Candidate => {
      const logProb = notes.reduce((sum, n) => sum + (n.logProb ?? 0), 0);
      return {
        seed: seed + i,
        start: starts[i]!,
        notes,
        logProb,
        meanLogProb: notes.length ? logProb / notes.length : 0,
      };
    })
    .sort((a, b) => b.meanLogProb - a.meanLogProb);
}
