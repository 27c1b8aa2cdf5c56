import {
  DEFAULT_BEAT_GRID,
  DEFAULT_SAMPLING,
  MAX_BPM,
  METER_DENOMINATORS,
  MIN_BPM,
  type BeatGrid,
} from '../../src/public/index.js';
import { answerSettingsOf, DEFAULT_ANSWER, type AnswerSettings } from './answer-mode.js';
import type { GenerationMode, LockableNote } from './editor-state.js';

/**
 * Keeping the work across reloads: the piece, the cursor and the controls, as one small JSON record
 * in the browser's `localStorage` (notes as `[pitch, velocity, time, duration]`, about 50 bytes a
 * note: a 5,000-note piece is 250 KB, well inside the usual 5 MB; the locked notes as a list of their
 * indices, absent from records saved before locks were kept). What comes back is checked note by
 * note, so a damaged or foreign record is ignored, never loaded half-way.
 */

/** The bars-and-beats row: the grid, snapping, quantising, loop and click. */
export interface GridSettings {
  /** Tempo (quarter notes a minute), meter and where bar 1 starts. */
  readonly beats: BeatGrid;
  /** Drawing, dragging, ruler ranges and pastes snap to the quantise division. */
  readonly snap: boolean;
  /** Quantise's (and snap's) note value: 4, 8, 16 or 32. */
  readonly division: number;
  readonly triplet: boolean;
  /** Quantise strength, 0..1. */
  readonly strength: number;
  /** Quantise note ends too. */
  readonly ends: boolean;
  /** Play the ruler's range again and again. */
  readonly loop: boolean;
  /** A metronome click on the beats while playing. */
  readonly click: boolean;
}

/** The note values of the quantise menu. */
export const GRID_DIVISIONS: readonly number[] = [4, 8, 16, 32];

export const DEFAULT_GRID: GridSettings = {
  beats: DEFAULT_BEAT_GRID,
  snap: false,
  division: 16,
  triplet: false,
  strength: 1,
  ends: false,
  loop: false,
  click: false,
};

/** The MIDI keyboard's row: the devices chosen (by their Web MIDI ids) and *Answer*'s settings. */
export interface MidiSettings {
  readonly input: string | null;
  /** Null: the built-in piano. */
  readonly output: string | null;
  /** Echo the input to the output (a MIDI device only; `midi-thru.ts`). */
  readonly thru: boolean;
  readonly answer: AnswerSettings;
}

export const DEFAULT_MIDI: MidiSettings = { input: null, output: null, thru: false, answer: DEFAULT_ANSWER };

/** The MIDI settings of a stored record, each bad or missing one at its default. */
export function midiSettingsOf(value: unknown): MidiSettings {
  const m = recordOf(value);
  const id = (x: unknown): string | null => (typeof x === 'string' && x.length <= 256 ? x : null);
  return {
    input: id(m['input']),
    output: id(m['output']),
    thru: m['thru'] === true,
    answer: answerSettingsOf(m['answer']),
  };
}

/** The generation controls, and the grid's. */
export interface Settings {
  readonly temperature: number;
  /** Temperature of the timing and velocity distributions (models that have them). */
  readonly timingTemperature: number;
  readonly topP: number;
  /** Keep only the k most likely pitches; null: all of them. */
  readonly topK: number | null;
  /** The pitch range the model writes in (MIDI 0..119, lowest ≤ highest). */
  readonly minPitch: number;
  readonly maxPitch: number;
  /** Seed of each generation; null: a new random one each time. */
  readonly seed: number | null;
  readonly count: number;
  readonly mode: GenerationMode;
  readonly grid: GridSettings;
  readonly midi: MidiSettings;
}

/** The largest seed the page takes (nine digits: easy to read back and type). */
export const MAX_SEED = 999_999_999;

export interface SavedWork {
  /** The piece, locked notes marked `locked` (a note's lock is kept with it). */
  readonly notes: readonly LockableNote[];
  readonly cursor: number;
  readonly settings: Settings;
}

export const STORAGE_KEY = 'howl.composer.v1';
export const DEFAULT_SETTINGS: Settings = {
  temperature: 1,
  timingTemperature: 1,
  topP: DEFAULT_SAMPLING.topP,
  topK: null,
  minPitch: 0,
  maxPitch: 119,
  seed: null,
  count: 200,
  mode: 'replace',
  grid: DEFAULT_GRID,
  midi: DEFAULT_MIDI,
};

/** The part of `Storage` used here. */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem'>;

/** Encodes the work as the stored JSON text. */
export function encodeWork(work: SavedWork): string {
  return JSON.stringify({
    version: 1,
    cursor: work.cursor,
    settings: work.settings,
    notes: work.notes.map((n) => [n.pitch, n.velocity, n.time, n.duration]),
    locked: work.notes.flatMap((n, i) => (n.locked === true ? [i] : [])),
  });
}

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const recordOf = (value: unknown): Record<string, unknown> =>
  (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;

/** The grid settings of a stored record, each bad or missing one at its default. */
export function gridOf(value: unknown): GridSettings {
  const g = recordOf(value);
  const beats = recordOf(g['beats']);
  const meter = recordOf(beats['meter']);
  const d = DEFAULT_GRID;
  const bool = (x: unknown, fallback: boolean): boolean => (typeof x === 'boolean' ? x : fallback);
  const bpm = beats['bpm'];
  const numerator = meter['numerator'];
  const denominator = meter['denominator'];
  const meterOk =
    Number.isInteger(numerator) &&
    (numerator as number) >= 1 &&
    (numerator as number) <= 32 &&
    METER_DENOMINATORS.includes(denominator as number);
  return {
    beats: {
      bpm: isNumber(bpm) && bpm >= MIN_BPM && bpm <= MAX_BPM ? bpm : d.beats.bpm,
      meter: meterOk ? { numerator: numerator as number, denominator: denominator as number } : d.beats.meter,
      offset: isNumber(beats['offset']) ? beats['offset'] : d.beats.offset,
    },
    snap: bool(g['snap'], d.snap),
    division: GRID_DIVISIONS.includes(g['division'] as number) ? (g['division'] as number) : d.division,
    triplet: bool(g['triplet'], d.triplet),
    strength:
      isNumber(g['strength']) && g['strength'] >= 0 && g['strength'] <= 1 ? g['strength'] : d.strength,
    ends: bool(g['ends'], d.ends),
    loop: bool(g['loop'], d.loop),
    click: bool(g['click'], d.click),
  };
}

function settingsOf(value: unknown): Settings {
  const s = recordOf(value);
  const pick = (x: unknown, lo: number, hi: number, fallback: number): number =>
    isNumber(x) && x >= lo && x <= hi ? x : fallback;
  const whole = <T>(x: unknown, lo: number, hi: number, fallback: T): number | T =>
    Number.isInteger(x) && (x as number) >= lo && (x as number) <= hi ? (x as number) : fallback;
  let minPitch = whole(s['minPitch'], 0, 119, DEFAULT_SETTINGS.minPitch);
  let maxPitch = whole(s['maxPitch'], 0, 119, DEFAULT_SETTINGS.maxPitch);
  if (minPitch > maxPitch) [minPitch, maxPitch] = [DEFAULT_SETTINGS.minPitch, DEFAULT_SETTINGS.maxPitch];
  return {
    temperature: pick(s['temperature'], 0.05, 5, DEFAULT_SETTINGS.temperature),
    timingTemperature: pick(s['timingTemperature'], 0.05, 5, DEFAULT_SETTINGS.timingTemperature),
    topP: pick(s['topP'], 0.01, 1, DEFAULT_SETTINGS.topP),
    topK: whole(s['topK'], 1, 120, null),
    minPitch,
    maxPitch,
    seed: whole(s['seed'], 0, MAX_SEED, null),
    count: Math.round(pick(s['count'], 1, 100_000, DEFAULT_SETTINGS.count)),
    mode: s['mode'] === 'insert' ? 'insert' : 'replace',
    grid: gridOf(s['grid']),
    midi: midiSettingsOf(s['midi']),
  };
}

/**
 * Decodes stored text. A record without a list of locked notes (one saved before locks were kept)
 * loads with none locked.
 *
 * @returns the work, or null when the text is not a record this page wrote (or is damaged)
 */
export function decodeWork(text: string | null): SavedWork | null {
  if (text === null) return null;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof record !== 'object' || record === null) return null;
  const { version, notes, cursor, settings, locked = [] } = record as Record<string, unknown>;
  if (version !== 1 || !Array.isArray(notes) || !Array.isArray(locked)) return null;
  const decoded: LockableNote[] = [];
  for (const entry of notes as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 4 || !entry.every(isNumber)) return null;
    const [pitch, velocity, time, duration] = entry as [number, number, number, number];
    const ok = Number.isInteger(pitch) && pitch >= 0 && pitch <= 119 && velocity >= 1 && velocity <= 127;
    if (!ok || time < 0 || duration < 0) return null;
    decoded.push({ pitch, velocity, time, duration });
  }
  for (const i of locked as unknown[]) {
    const note = Number.isInteger(i) ? decoded[i as number] : undefined;
    if (note === undefined) return null;
    decoded[i as number] = { ...note, locked: true };
  }
  return {
    notes: decoded,
    cursor: isNumber(cursor) && cursor >= 0 ? cursor : 0,
    settings: settingsOf(settings),
  };
}

/**
 * Saves the work.
 *
 * @returns null when saved, or why not (the browser's storage is full or switched off)
 */
export function saveWork(store: KeyValueStore, work: SavedWork): string | null {
  try {
    store.setItem(STORAGE_KEY, encodeWork(work));
    return null;
  } catch (error) {
    return `the piece could not be saved in this browser: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Loads the saved work, or null when there is none (or it is unreadable). */
export function loadWork(store: KeyValueStore): SavedWork | null {
  try {
    return decodeWork(store.getItem(STORAGE_KEY));
  } catch {
    return null;
  }
}
