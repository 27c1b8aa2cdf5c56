import { midiToNoteName } from '../encoding/note-names.js';
import type { Note } from '../score/note.js';
import { VELOCITIES_PER_BIN, VELOCITY_BINS, velocityBin } from '../encoding/grid.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';

/**
 * The musical features whose histograms are compared between real and generated music. Each is
 * measured per piece and pooled over a set of pieces:
 *
 * | feature | one value per | bins |
 * |---|---|---|
 * | `pitch` | note | the 120 MIDI pitches |
 * | `pitchClass` | note | C, C#, … B |
 * | `ioi` (inter-onset interval) | onset after the first | log-spaced, 3 per octave from 10 ms to 5.12 s, plus below and above |
 * | `duration` | note | the same log-spaced bins |
 * | `velocity` | note | the grid's 32 velocity bins |
 * | `polyphony` | onset | notes sounding at the onset: 1 … 31, 32 or more |
 * | `notesPerSecond` | complete 2-second window | onsets ÷ 2 s, 1 note/s wide: 0 … 39, 40 or more |
 * | `chordSize` | onset | notes that start at the onset: 1 … 11, 12 or more |
 * | `simultaneous` | note after the first | whether it starts with the note before it (joins its onset) |
 * | `recurrence` | complete 50-note window | share of its notes whose 6 preceding pitch intervals occurred earlier in the piece, in tenths |
 *
 * `chordSize` and `simultaneous` measure texture (real piano music starts 24-52 % of its notes
 * together with another), `polyphony` the pedalled sound, and `recurrence` whether a piece returns
 * to its own material, transposed or not (a motif, a sequence, a reprise) as composed music does.
 *
 * An **onset** is a chord's start: notes starting less than 10 ms after the first note of an onset
 * belong to it (the original's 10 ms onset rounding). The inter-onset interval is the time from one
 * onset to the next, so a chord counts once; a note **sounds** at onset t when it started at or
 * before the onset (its own chord included) and ends after t.
 */

/** The compared features, in report order. */
export const FEATURES = [
  'pitch',
  'pitchClass',
  'ioi',
  'duration',
  'velocity',
  'polyphony',
  'notesPerSecond',
  'chordSize',
  'simultaneous',
  'recurrence',
] as const;
/** One of `FEATURES`. */
export type Feature = (typeof FEATURES)[number];

/** How a feature is binned and labelled. */
export interface FeatureSpec {
  readonly name: Feature;
  /** Human name, for tables and figures. */
  readonly title: string;
  /** Unit of the raw values ('' for counts and classes). */
  readonly unit: string;
  /** One label per bin. */
  readonly labels: readonly string[];
  /** A short label per bin, for axis ticks. */
  readonly ticks: readonly string[];
  /** The bin of a raw value. */
  binOf(value: number): number;
}

/** Onsets closer than this to the onset's first note belong to it (seconds). */
export const ONSET_TOLERANCE = 0.01;
/** Length of the windows notes per second are counted in (seconds). */
export const RATE_WINDOW_SECONDS = 2;
/** Notes in a window of the recurrence measure. */
export const RECURRENCE_WINDOW_NOTES = 50;
/** Pitch intervals in a pattern of the recurrence measure. */
export const RECURRENCE_INTERVALS = 6;

const LOG_BIN_START = 0.01;
const LOG_BINS_PER_OCTAVE = 3;
const LOG_OCTAVES = 9; // 10 ms × 2^9 = 5.12 s
const LOG_EDGES = Array.from(
  { length: LOG_OCTAVES * LOG_BINS_PER_OCTAVE + 1 },
  (_, k) => LOG_BIN_START * 2 ** (k / LOG_BINS_PER_OCTAVE),
);

const formatSeconds = (s: number): string => (s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`);

/** Log-spaced time bins: 0 is below 10 ms, k = 1..27 is [edge k−1, edge k), 28 is 5.12 s and above. */
function logTimeBin(seconds: number): number {
  if (!(seconds >= LOG_BIN_START)) return 0;
  const k = Math.floor(LOG_BINS_PER_OCTAVE * Math.log2(seconds / LOG_BIN_START) + 1e-9) + 1;
  return Math.min(k, LOG_EDGES.length);
}

const logTimeLabels = [
  `< ${formatSeconds(LOG_BIN_START)}`,
  ...LOG_EDGES.slice(1).map((edge, k) => `${formatSeconds(LOG_EDGES[k]!)}–${formatSeconds(edge)}`),
  `≥ ${formatSeconds(LOG_EDGES[LOG_EDGES.length - 1]!)}`,
];

const logTimeTicks = [
  `< ${formatSeconds(LOG_BIN_START)}`,
  ...LOG_EDGES.slice(0, -1).map((edge) => formatSeconds(edge)),
  `≥ ${formatSeconds(LOG_EDGES[LOG_EDGES.length - 1]!)}`,
];

const PITCH_CLASS_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
const MAX_POLYPHONY = 32;
const MAX_RATE = 40;
const polyphonyLabels = Array.from({ length: MAX_POLYPHONY }, (_, k) =>
  k + 1 === MAX_POLYPHONY ? `${MAX_POLYPHONY}+` : String(k + 1),
);
const rateLabels = Array.from({ length: MAX_RATE + 1 }, (_, k) =>
  k === MAX_RATE ? `${MAX_RATE}+` : String(k),
);
const pitchNames = Array.from({ length: PITCH_COUNT }, (_, p) => midiToNoteName(p));
const MAX_CHORD = 12;
const chordLabels = Array.from({ length: MAX_CHORD }, (_, k) =>
  k + 1 === MAX_CHORD ? `${MAX_CHORD}+` : String(k + 1),
);
const tenthLabels = Array.from({ length: 10 }, (_, k) => `${k * 10}–${k === 9 ? 100 : k * 10 + 9} %`);
const tenthTicks = Array.from({ length: 10 }, (_, k) => `${k * 10} %`);

/** Every feature's binning, by name. */
export const FEATURE_SPECS: Readonly<Record<Feature, FeatureSpec>> = {
  pitch: {
    name: 'pitch',
    title: 'pitch',
    unit: 'MIDI',
    labels: pitchNames,
    ticks: pitchNames,
    binOf: (p) => Math.min(119, Math.max(0, Math.round(p))),
  },
  pitchClass: {
    name: 'pitchClass',
    title: 'pitch class',
    unit: '',
    labels: PITCH_CLASS_NAMES,
    ticks: PITCH_CLASS_NAMES,
    binOf: (p) => ((Math.round(p) % 12) + 12) % 12,
  },
  ioi: {
    name: 'ioi',
    title: 'inter-onset interval',
    unit: 's',
    labels: logTimeLabels,
    ticks: logTimeTicks,
    binOf: logTimeBin,
  },
  duration: {
    name: 'duration',
    title: 'duration',
    unit: 's',
    labels: logTimeLabels,
    ticks: logTimeTicks,
    binOf: logTimeBin,
  },
  velocity: {
    name: 'velocity',
    title: 'velocity',
    unit: 'MIDI',
    labels: Array.from(
      { length: VELOCITY_BINS },
      (_, k) => `${k * VELOCITIES_PER_BIN}–${(k + 1) * VELOCITIES_PER_BIN - 1}`,
    ),
    ticks: Array.from({ length: VELOCITY_BINS }, (_, k) => String(k * VELOCITIES_PER_BIN)),
    binOf: velocityBin,
  },
  polyphony: {
    name: 'polyphony',
    title: 'polyphony (notes sounding at an onset)',
    unit: 'notes',
    labels: polyphonyLabels,
    ticks: polyphonyLabels,
    binOf: (n) => Math.min(MAX_POLYPHONY, Math.max(1, Math.round(n))) - 1,
  },
  notesPerSecond: {
    name: 'notesPerSecond',
    title: 'notes per second',
    unit: 'notes/s',
    labels: rateLabels,
    ticks: rateLabels,
    binOf: (rate) => Math.min(MAX_RATE, Math.max(0, Math.floor(rate + 1e-9))),
  },
  chordSize: {
    name: 'chordSize',
    title: 'chord size (notes starting at an onset)',
    unit: 'notes',
    labels: chordLabels,
    ticks: chordLabels,
    binOf: (n) => Math.min(MAX_CHORD, Math.max(1, Math.round(n))) - 1,
  },
  simultaneous: {
    name: 'simultaneous',
    title: 'simultaneous onsets (a note starting with the one before)',
    unit: '',
    labels: ['new onset', 'joins a chord'],
    ticks: ['new', 'chord'],
    binOf: (flag) => (flag > 0 ? 1 : 0),
  },
  recurrence: {
    name: 'recurrence',
    title: 'recurrence (notes continuing a 6-interval pattern heard before)',
    unit: '',
    labels: tenthLabels,
    ticks: tenthTicks,
    binOf: (share) => Math.min(9, Math.max(0, Math.floor(share * 10 + 1e-9))),
  },
};

/** The raw values of every feature, for one piece or pooled over many. */
export type FeatureValues = Record<Feature, number[]>;

/** Empty value lists, one per feature. */
export function emptyFeatureValues(): FeatureValues {
  return Object.fromEntries(FEATURES.map((f) => [f, [] as number[]])) as unknown as FeatureValues;
}

/**
 * Measures one piece's features and appends the values to `into`.
 *
 * @param notes - the piece (any order; sorted by onset here, not mutated)
 * @param into - where to append (default: new lists)
 * @returns `into`
 * @example measureFeatures(fileNotes(dataset, 0)).polyphony; // notes sounding at each onset
 */
export function measureFeatures(
  notes: readonly Note[],
  into: FeatureValues = emptyFeatureValues(),
): FeatureValues {
  const sorted = [...notes].sort((a, b) => a.time - b.time || a.pitch - b.pitch);
  for (const n of sorted) {
    into.pitch.push(n.pitch);
    into.pitchClass.push(n.pitch % 12);
    into.duration.push(Math.abs(n.duration));
    into.velocity.push(n.velocity);
  }
  // Onsets, and the notes sounding at each.
  let sounding: number[] = []; // ends of notes from earlier onsets
  let previousOnset: number | null = null;
  for (let i = 0; i < sorted.length;) {
    const onset = sorted[i]!.time;
    let j = i;
    while (j < sorted.length && sorted[j]!.time - onset < ONSET_TOLERANCE) j++;
    sounding = sounding.filter((end) => end > onset);
    into.polyphony.push(sounding.length + (j - i));
    into.chordSize.push(j - i);
    for (let k = i + 1; k < j; k++) into.simultaneous.push(1);
    if (i > 0) into.simultaneous.push(0);
    for (let k = i; k < j; k++) sounding.push(sorted[k]!.time + Math.abs(sorted[k]!.duration));
    if (previousOnset !== null) into.ioi.push(onset - previousOnset);
    previousOnset = onset;
    i = j;
  }
  // Notes per second in each complete window from the first onset.
  if (sorted.length > 0) {
    const first = sorted[0]!.time;
    const span = sorted[sorted.length - 1]!.time - first;
    const windows = Math.floor(span / RATE_WINDOW_SECONDS);
    const counts = new Array<number>(windows).fill(0);
    for (const n of sorted) {
      const w = Math.floor((n.time - first) / RATE_WINDOW_SECONDS);
      if (w < windows) counts[w]!++;
    }
    for (const c of counts) into.notesPerSecond.push(c / RATE_WINDOW_SECONDS);
  }
  into.recurrence.push(...recurrenceShares(sorted.map((n) => n.pitch)));
  return into;
}

/**
 * For each complete window of `RECURRENCE_WINDOW_NOTES` notes, the share of its notes whose last
 * `RECURRENCE_INTERVALS` pitch intervals (note to note, in onset order) already occurred earlier in
 * the piece: transposition-invariant, rhythm-blind. A note too early to have a full pattern counts
 * as not recurring.
 *
 * @param pitches - the piece's pitches in onset order
 * @returns one share in [0, 1] per complete window
 * @example recurrenceShares(Array.from({ length: 100 }, (_, i) => 60 + (i % 4))); // [0.8, 1]
 */
export function recurrenceShares(pitches: readonly number[]): number[] {
  const seen = new Set<string>();
  const recurs: boolean[] = [];
  for (let i = 0; i < pitches.length; i++) {
    if (i < RECURRENCE_INTERVALS) {
      recurs.push(false);
      continue;
    }
    const intervals: number[] = [];
    for (let k = i - RECURRENCE_INTERVALS + 1; k <= i; k++) intervals.push(pitches[k]! - pitches[k - 1]!);
    const key = intervals.join(',');
    recurs.push(seen.has(key));
    seen.add(key);
  }
  const shares: number[] = [];
  for (let start = 0; start + RECURRENCE_WINDOW_NOTES <= recurs.length; start += RECURRENCE_WINDOW_NOTES) {
    let count = 0;
    for (let k = start; k < start + RECURRENCE_WINDOW_NOTES; k++) if (recurs[k]) count++;
    shares.push(count / RECURRENCE_WINDOW_NOTES);
  }
  return shares;
}

/**
 * Counts values into a feature's bins.
 *
 * @param spec - the feature's binning
 * @param values - raw values
 * @returns counts per bin
 * @example histogram(FEATURE_SPECS.pitchClass, [60, 72, 64]); // C: 2, E: 1
 */
export function histogram(spec: FeatureSpec, values: readonly number[]): number[] {
  const counts = new Array<number>(spec.labels.length).fill(0);
  for (const v of values) counts[spec.binOf(v)]!++;
  return counts;
}

/**
 * The median of some values (NaN for none).
 *
 * @param values - the values (not mutated)
 * @returns the median
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
