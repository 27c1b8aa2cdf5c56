import type { V1Row } from '../encoding/v1.js';
import { InvalidArgumentError } from '../errors.js';
import { TIME_BIN_SECONDS, TIME_BINS, timeBin, VELOCITIES_PER_BIN, VELOCITY_BINS } from '../encoding/grid.js';
import type { OrderedStepNetwork, StepNetwork } from '../inference/step-network.js';
import type { Rng } from '../random/rng.js';
import type { Note } from '../score/note.js';
import {
  chooseIndex,
  choosePitch,
  logProbAt,
  pitchLogProb,
  type IndexSampling,
  type ResolvedSampling,
} from './sampling.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';
import type { RepetitionCache } from './repetition-cache.js';

export { MAX_CACHED_PLAYS } from './cache-mixer.js';
import { cacheMixer } from './cache-mixer.js';

/**
 * Turning the network's outputs into the next note, and notes into the rows the network reads.
 *
 * Rules that make an invalid note impossible: the pitch is drawn only from the allowed range
 * (0..119 at most); the original's delay and duration come from the sigmoid × 4 head, so they lie
 * in (0, 4) seconds, and its volume head's (0, 4) becomes a MIDI velocity, round(volume × 127)
 * clamped to 1..127. An ordered network (`ordered-rnn`) draws a bin of the shared grid for each
 * attribute in turn (delay, pitch given it, then duration and velocity given both), and a value
 * uniformly inside the bin: a delay or duration in [k·10 ms, (k+1)·10 ms) (the overflow bin gives
 * 4 s), a velocity among the bin's four. The network reads back velocity / 127, as in training data. So the rows of a note
 * list read back (`rowOf`) are the rows the network saw, and a composer primed on generated notes
 * continues as the one that wrote them.
 *
 * A piano key cannot be struck twice at one instant: a note that starts within one grid bin
 * (10 ms) of the previous one joins its chord, and its pitch is drawn from the pitches the chord
 * has not struck yet (`Onset.pitches`). Without this rule the ordered LSTM doubled 0.9 % of its
 * notes, which a piano plays as one.
 */

/** A note with the model's log-probability of its pitch (`null` when nothing predicted it). */
export interface ScoredNote extends Note {
  readonly logProb: number | null;
}

/** A note and the V1 row the network reads for it. */
export interface NextNote {
  readonly note: ScoredNote;
  readonly row: V1Row;
}

const velocityOf = (volume: number): number => Math.min(127, Math.max(1, Math.round(volume * 127)));

/** What the next note follows: the previous onset and the pitches of the chord struck at it. */
export interface Onset {
  /** The previous note's onset, seconds. */
  readonly time: number;
  /** The pitches of the notes that started with it (each within 10 ms of the one before), itself included. */
  readonly pitches: readonly number[];
}

/**
 * The last onset of a piece: the last note's time and the pitches of its chord.
 *
 * @param notes - the piece's latest notes, in order (non-empty, or `earlier` non-empty)
 * @param earlier - notes before `notes` (e.g. a primer), searched when the chord reaches back into them
 * @returns the onset
 * @example lastOnset([{ pitch: 60, velocity: 80, time: 1, duration: 1 }, { pitch: 64, velocity: 80, time: 1.004, duration: 1 }]).pitches; // [64, 60]
 */
export function lastOnset(notes: readonly Note[], earlier: readonly Note[] = []): Onset {
  const at = (i: number): Note => (i >= 0 ? notes[i]! : earlier[earlier.length + i]!);
  let i = notes.length - 1;
  if (i < -earlier.length) throw new InvalidArgumentError('lastOnset: no notes');
  const pitches = [at(i).pitch];
  while (i - 1 >= -earlier.length && timeBin(at(i).time - at(i - 1).time) === 0) {
    i--;
    pitches.push(at(i).pitch);
  }
  return { time: at(notes.length - 1).time, pitches };
}

const unisonScratch = new Float32Array(PITCH_COUNT);

/**
 * The logits to draw a pitch from: for a note joining the previous chord, the chord's pitches are
 * masked out (unless that would leave no pitch in the allowed range).
 */
function withoutUnisons(
  logits: Float32Array,
  offset: number,
  joins: boolean,
  onset: Onset,
  sampling: ResolvedSampling,
): { logits: Float32Array; offset: number } {
  if (!joins) return { logits, offset };
  let open = 0;
  for (let p = sampling.minPitch; p <= sampling.maxPitch; p++) if (!onset.pitches.includes(p)) open++;
  if (open === 0) return { logits, offset };
  unisonScratch.set(logits.subarray(offset, offset + PITCH_COUNT));
  for (const p of onset.pitches) unisonScratch[p] = -Infinity;
  return { logits: unisonScratch, offset: 0 };
}

/** Options of `nextNote`. */
export interface NextNoteOptions {
  /**
   * The least delay after the previous onset, seconds (a gap's start that lies ahead: the note may
   * not start before it). An ordered network's delay bins that end at or before it are masked out
   * and the delay drawn is raised to it; default 0. Ordered networks only.
   */
  readonly minDelay?: number;
  /**
   * The piece's repetition cache (`repetition-cache.ts`), fed every note so far: an ordered
   * network's distributions are mixed with it, its weights scaled by `sampling.repetition`. The
   * caller pushes the note drawn.
   */
  readonly repetition?: RepetitionCache;
  /**
   * Seconds after the previous onset from which the caches' delay votes are dropped (a gap's end:
   * what came next earlier in the piece knows nothing of the gap, and a remembered pause would
   * end the fill early). The network's own delay distribution is not cut; default none.
   */
  readonly cacheDelayLimit?: number;
}

/**
 * The next note of batch row `b` from the network's last outputs.
 *
 * @param network - the network, after a `step`
 * @param b - the batch row
 * @param previous - the previous onset and its chord (`lastOnset`)
 * @param sampling - the pitch controls
 * @param rng - the row's generator
 * @param options - a least delay (ordered networks)
 * @returns the note and its row
 * @throws InvalidArgumentError for a least delay with a regression network
 */
export function nextNote(
  network: StepNetwork,
  b: number,
  previous: Onset,
  sampling: ResolvedSampling,
  rng: Rng,
  options: NextNoteOptions = {},
): NextNote {
  const minDelay = options.minDelay ?? 0;
  if (network.kind === 'ordered') {
    return nextOrderedNote(network, b, previous, sampling, rng, minDelay, options);
  }
  if (minDelay > 0)
    throw new InvalidArgumentError('a least delay needs a network with a timing distribution');
  const delay = network.regression[b * 3]!;
  const pitchFrom = withoutUnisons(
    network.pitchLogits,
    b * PITCH_COUNT,
    timeBin(delay) === 0,
    previous,
    sampling,
  );
  const { pitch, logProb } = choosePitch(pitchFrom.logits, pitchFrom.offset, sampling, rng);
  const previousTime = previous.time;
  const duration = network.regression[b * 3 + 1]!;
  const velocity = velocityOf(network.regression[b * 3 + 2]!);
  return {
    note: { pitch, velocity, time: previousTime + delay, duration, logProb },
    row: [delay, duration, velocity / 127, pitch - 60],
  };
}

/**
 * A value inside time bin `bin`: uniform in it, 4 s for the overflow bin.
 *
 * Bin 0 of a delay is a chord. With `chordAtZero` (sampling `chords: 'together'`) a delay in it is
 * 0: the notes start together, as 99.6 % of piano-midi-de's bin-0 delays do (under 1 ms; 40 % of
 * ASAP's human ones). Drawn uniformly in [0, 10 ms) (`'rolled'`, the default), each note of a chord
 * starts up to 10 ms after the one before, so a five-note chord rolls over about 25 ms and falls
 * into two or three onsets of the evaluation's 10 ms grouping: part of the thin texture measured.
 */
function timeInBin(bin: number, rng: Rng, chordAtZero = false): number {
  if (bin >= TIME_BINS - 1) return (TIME_BINS - 1) * TIME_BIN_SECONDS;
  if (bin === 0 && chordAtZero) return 0;
  return (bin + rng.next()) * TIME_BIN_SECONDS;
}

const delayScratch = new Float32Array(TIME_BINS);

/** Row b's delay logits, with the bins that end at or before `minDelay` masked out (none for 0). */
function delayLogitsFrom(
  network: OrderedStepNetwork,
  b: number,
  minDelay: number,
): { logits: Float32Array; offset: number } {
  const below = Math.min(TIME_BINS - 1, Math.floor(minDelay / TIME_BIN_SECONDS + 1e-6));
  if (!(below > 0)) return { logits: network.delayLogits, offset: b * TIME_BINS };
  delayScratch.set(network.delayLogits.subarray(b * TIME_BINS, (b + 1) * TIME_BINS));
  delayScratch.fill(-Infinity, 0, below);
  return { logits: delayScratch, offset: 0 };
}

function nextOrderedNote(
  network: OrderedStepNetwork,
  b: number,
  previous: Onset,
  sampling: ResolvedSampling,
  rng: Rng,
  minDelay = 0,
  options: NextNoteOptions = {},
): NextNote {
  const previousTime = previous.time;
  const timing = (temperature: number): IndexSampling => ({
    temperature,
    topK: TIME_BINS,
    topP: 1,
    // Greedy is the original's pitch decoding; the likeliest delay is 0 (a chord) after nearly
    // every note, so greedy timing would stack the whole piece into a few chords.
    greedy: false,
  });
  const caches = cacheMixer(options.repetition, sampling, options.cacheDelayLimit);
  const withCache = caches.mix;
  const drawBin = (from: { logits: Float32Array; offset: number }, count: number, temperature: number) =>
    chooseIndex(from.logits, from.offset, count, timing(temperature), rng).index;
  const delayBin = drawBin(
    withCache('delay', delayLogitsFrom(network, b, minDelay), TIME_BINS),
    TIME_BINS,
    sampling.delayTemperature,
  );
  const unmixed = withoutUnisons(
    network.pitchLogitsGiven(b, delayBin),
    0,
    delayBin === 0,
    previous,
    sampling,
  );
  const pitchFrom = withCache('pitch', unmixed, PITCH_COUNT, delayBin);
  const { pitch, logProb } = choosePitch(pitchFrom.logits, pitchFrom.offset, sampling, rng);
  const rest = network.restLogitsGiven(b, delayBin, pitch);
  const delayTime = (): number =>
    Math.max(minDelay, timeInBin(delayBin, rng, sampling.chords === 'together'));
  // The release vote (`release-vote.ts`) needs the onset, so with one the delay's time is drawn
  // here; without, after the bins as it always was (the same draws, note for note).
  const early = caches.release === null ? undefined : delayTime();
  const durationFrom = caches.withNeighbours(
    'duration',
    caches.withRelease(
      withCache('duration', { logits: rest.duration, offset: 0 }, TIME_BINS, delayBin, pitch),
      early,
    ),
    pitch,
  );
  const durationBin = drawBin(durationFrom, TIME_BINS, sampling.durationTemperature);
  const velocityFrom = caches.withNeighbours(
    'velocity',
    withCache('velocity', { logits: rest.velocity, offset: 0 }, VELOCITY_BINS, delayBin, pitch),
    pitch,
  );
  const velocityBin = drawBin(velocityFrom, VELOCITY_BINS, sampling.velocityTemperature);
  const delay = early ?? delayTime();
  const duration = timeInBin(durationBin, rng);
  const step = Math.floor(rng.next() * VELOCITIES_PER_BIN);
  const velocity = Math.min(127, Math.max(1, velocityBin * VELOCITIES_PER_BIN + step));
  return {
    note: { pitch, velocity, time: previousTime + delay, duration, logProb },
    row: [delay, duration, velocity / 127, pitch - 60],
  };
}

/**
 * The model's log-probability of the pitch of the note a row stands for, from batch row `b`'s
 * outputs after the previous note (for an ordered network: given the row's delay bin).
 *
 * @param network - the network, after the step of the previous note
 * @param b - the batch row
 * @param row - the note's V1 row
 * @returns log p(pitch), natural log
 */
export function pitchLogProbOf(network: StepNetwork, b: number, row: V1Row): number {
  const pitch = row[3] + 60;
  if (network.kind === 'regression') return pitchLogProb(network.pitchLogits, b * PITCH_COUNT, pitch);
  return logProbAt(network.pitchLogitsGiven(b, timeBin(row[0])), 0, pitch, PITCH_COUNT);
}

/**
 * The original system's first note (docs/original-system.md §7): delay and duration uniform in
 * [0, 1] s, volume uniform in [0.3, 1], pitch uniform in −12..24 semitones from middle C.
 *
 * @param rng - the generator
 * @param time - its onset (default 0)
 * @returns the note
 */
export function randomFirstNote(rng: Rng, time = 0): Note {
  rng.next(); // the delay: drawn, as the original, but a first note starts at `time`
  const duration = rng.next();
  const volume = rng.uniform(0.3, 1);
  const pitch = 60 + rng.int(-12, 24);
  return { pitch, velocity: velocityOf(volume), time, duration };
}

/**
 * The V1 row the network reads for a given note (a primer's or a person's).
 *
 * @param note - the note (pitch 0..119)
 * @param previousTime - onset of the previous note; `null` for the first note (delay 0)
 * @param where - names the note in an error
 * @returns the row
 * @throws InvalidArgumentError if the pitch is outside 0..119 or the note starts more than 10 ms
 *   before the previous one (appended notes must come in time order)
 */
export function rowOf(note: Note, previousTime: number | null, where: string): V1Row {
  if (!(Number.isInteger(note.pitch) && note.pitch >= 0 && note.pitch < PITCH_COUNT)) {
    throw new InvalidArgumentError(`${where}: pitch ${note.pitch} is not a MIDI pitch in 0..119`);
  }
  if (!Number.isFinite(note.time) || !Number.isFinite(note.duration)) {
    throw new InvalidArgumentError(`${where}: time and duration must be finite numbers of seconds`);
  }
  const delay = previousTime === null ? 0 : note.time - previousTime;
  if (delay < -0.01) {
    throw new InvalidArgumentError(
      `${where} starts at ${note.time.toFixed(3)} s, before the previous note (${(previousTime ?? 0).toFixed(3)} s); notes are added in time order`,
    );
  }
  const velocity = note.velocity ?? 127;
  return [delay, Math.abs(note.duration), Math.min(1, Math.max(0, velocity / 127)), note.pitch - 60];
}
