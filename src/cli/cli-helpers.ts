import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliError } from './cli-error.js';

/** The version in Howl's package.json (the same file from `src/cli/` and `dist/cli/`). */
export function howlVersion(): string {
  const file = fileURLToPath(new URL('../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * Parses a numeric option. `undefined` (the option was not given) stays `undefined`.
 *
 * @param text - the option's text
 * @param flag - its name, for the message, e.g. `--steps`
 * @param rule - `integer`: whole numbers only; `min`: the smallest allowed value; `max`: the largest
 * @returns the number
 * @throws {CliError} "--steps two is not a whole number >= 1", "--port 99999 is not a whole number from
 *   0 to 65535"
 * @example parseNumberOption('64', '--batch', { integer: true, min: 1 }); // 64
 */
export function parseNumberOption(
  text: string | undefined,
  flag: string,
  rule: { integer?: boolean; min: number; max?: number; expected?: string },
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  const ok =
    text.trim() !== '' &&
    Number.isFinite(n) &&
    n >= rule.min &&
    (rule.max === undefined || n <= rule.max) &&
    (!rule.integer || Number.isSafeInteger(n));
  if (!ok) {
    const kind = rule.integer ? 'a whole number' : 'a number';
    const range = rule.max === undefined ? `>= ${rule.min}` : `from ${rule.min} to ${rule.max}`;
    const expected = rule.expected ?? `${kind} ${range}`;
    throw new CliError(`${flag} ${text} is not ${expected}`);
  }
  return n;
}

/** A status line on stderr, redrawn in place at most every `intervalMs`; silent when stderr is not a terminal. */
export interface ProgressLine {
  /** Redraws the line (skipped when the last draw was too recent, unless `force`). */
  update(text: string, force?: boolean): void;
  /** Clears the line. */
  done(): void;
}

/**
 * Creates a `ProgressLine` on `process.stderr`.
 *
 * @param intervalMs - the least time between two draws
 * @returns the line
 * @example const line = createProgressLine(); line.update('12/337 files'); line.done();
 */
export function createProgressLine(intervalMs = 100): ProgressLine {
  const stream = process.stderr;
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  let drawn = false;
  let last = -Infinity;
  return {
    update(text, force = false) {
      const now = performance.now();
      if (!force && now - last < intervalMs) return;
      last = now;
      const columns = stream.columns || 120;
      stream.write(`\r\x1b[2K${text.slice(0, columns - 1)}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

/** The temperatures of an ordered network's timing heads, as `--timing-temperature` sets them. */
export interface TimingTemperatures {
  readonly delayTemperature?: number;
  readonly durationTemperature?: number;
  readonly velocityTemperature?: number;
}

/**
 * `--timing-temperature t` (every timing head at t) or `--timing-temperature d,u,v` (delay,
 * duration, velocity), for `howl generate` and `howl eval`. Absent: `{}` (the model's
 * `sampling.json`, else 1).
 *
 * @param text - the option's text
 * @returns the temperatures given
 * @throws {CliError} for anything but one or three numbers > 0
 * @example timingTemperatureOption('0.96,0.94,1'); // { delayTemperature: 0.96, durationTemperature: 0.94, velocityTemperature: 1 }
 */
export function timingTemperatureOption(text: string | undefined): TimingTemperatures {
  if (text === undefined) return {};
  const parts = text.split(',');
  const values = parts.map((part) => Number(part));
  if (
    (parts.length !== 1 && parts.length !== 3) ||
    parts.some((part) => part.trim() === '') ||
    !values.every((v) => Number.isFinite(v) && v > 0)
  ) {
    throw new CliError(
      `--timing-temperature ${text} is not a number > 0 or three of them (delay,duration,velocity)`,
    );
  }
  const [delay, duration = delay, velocity = delay] = values as [number, number?, number?];
  return { delayTemperature: delay, durationTemperature: duration, velocityTemperature: velocity };
}

/** `--chords rolled|together`, for `howl generate` and `howl eval`. */
export function chordsOption(text: string | undefined): { chords?: 'rolled' | 'together' } {
  if (text === undefined) return {};
  if (text !== 'rolled' && text !== 'together') {
    throw new CliError(`--chords: "${text}" is not rolled or together`);
  }
  return { chords: text };
}

/**
 * The command line that reproduces a run, for a report: the fixed parts, then each optional flag
 * that was given, then `--out`.
 *
 * @param head - the command and the flags always given, e.g. `['howl eval', '--model m']`
 * @param optional - each optional flag with its value, undefined when it was not given
 * @param out - the output folder
 * @returns one line
 * @example reproducingCommand(['howl eval'], [['--seed', '7'], ['--top-p', undefined]], 'r'); // 'howl eval --seed 7 --out r'
 */
export function reproducingCommand(
  head: readonly string[],
  optional: readonly (readonly [string, string | undefined])[],
  out: string,
): string {
  const parts = [...head];
  for (const [flag, value] of optional) if (value !== undefined) parts.push(`${flag} ${value}`);
  parts.push(`--out ${out}`);
  return parts.join(' ');
}
