import { InvalidArgumentError } from '../errors.js';

/** Small helpers for training progress: durations, throughput, ETA and the JSONL metrics log. */

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses a duration: a number of seconds, or numbers with units `s`, `m`, `h`, `d`
 * (`'12h'`, `'30m'`, `'1h30m'`, `'90'`).
 *
 * @param text - the duration
 * @returns seconds, > 0
 * @throws InvalidArgumentError if it is not a positive duration
 * @example parseDuration('1h30m'); // 5400
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim().toLowerCase();
  let seconds = 0;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    seconds = Number(trimmed);
  } else {
    const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)\s*([smhd])/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed.replace(/\s+/g, '')) {
      throw new InvalidArgumentError(`${text} is not a duration like 90s, 30m, 12h or 1h30m`);
    }
    for (const p of parts) seconds += Number(p[1]) * (UNITS[p[2] as string] ?? NaN);
  }
  if (!(Number.isFinite(seconds) && seconds > 0)) {
    throw new InvalidArgumentError(`${text} is not a positive duration`);
  }
  return seconds;
}

/**
 * Formats seconds compactly: `'45s'`, `'12m05s'`, `'3h07m'`.
 *
 * @param seconds - a duration
 * @returns the text (`'?'` when not finite)
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Seconds left, from the fraction done and the time it took.
 *
 * @param progress - fraction of the run done, in (0, 1]
 * @param elapsedSeconds - time so far
 * @returns seconds left, or NaN when unknown
 */
export function estimateRemaining(progress: number | undefined, elapsedSeconds: number): number {
  if (progress === undefined || !(progress > 0)) return NaN;
  return (elapsedSeconds * (1 - progress)) / progress;
}

/** An exponential moving average, for a smooth loss and throughput on the progress line. */
export interface MovingAverage {
  /** Adds a value; returns the average. Non-finite values are ignored. */
  add(value: number): number;
  readonly value: number;
}

/**
 * Creates an exponential moving average with bias correction (the first values are not pulled to 0).
 *
 * @param decay - weight of the past, in [0, 1) (default 0.9)
 * @returns the average
 */
export function createMovingAverage(decay = 0.9): MovingAverage {
  let sum = 0;
  let weight = 0;
  return {
    add(value) {
      if (Number.isFinite(value)) {
        sum = decay * sum + (1 - decay) * value;
        weight = decay * weight + (1 - decay);
      }
      return weight > 0 ? sum / weight : NaN;
    },
    get value() {
      return weight > 0 ? sum / weight : NaN;
    },
  };
}

/** One line of `metrics.jsonl`. */
export type MetricsRecord =
  | {
      readonly type: 'step';
      readonly step: number;
      readonly epoch: number;
      readonly loss: number | null;
      readonly parts: Readonly<Record<string, number | null>>;
      readonly lr: number;
      readonly gradNorm: number | null;
      readonly tokensPerSecond: number;
      readonly elapsedSeconds: number;
      readonly skipped: boolean;
    }
  | {
      readonly type: 'validation';
      readonly step: number;
      readonly epoch: number;
      readonly loss: number | null;
      readonly parts: Readonly<Record<string, number | null>>;
      readonly trainLoss: number | null;
      readonly best: boolean;
      readonly elapsedSeconds: number;
    }
  | { readonly type: 'event'; readonly step: number; readonly message: string; readonly time: string };

/**
 * Serialises a record as one JSON line (non-finite numbers become `null`, as JSON has none).
 *
 * @param record - the record
 * @returns the line, with its newline
 */
export function metricsLine(record: MetricsRecord): string {
  return (
    JSON.stringify(record, (_key, value: unknown) =>
      typeof value === 'number' && !Number.isFinite(value) ? null : value,
    ) + '\n'
  );
}

/**
 * Replaces non-finite numbers (which JSON cannot hold) with `null`.
 *
 * @param x - a number
 * @returns it, or null
 */
export const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
