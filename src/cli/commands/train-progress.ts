import { createMovingAverage, estimateRemaining, formatDuration } from '../../train/metrics.js';
import type { StepInfo } from '../../train/trainer.js';
import { createProgressLine } from '../cli-helpers.js';

/** Seconds between two plain progress lines when the output is a file or a pipe. */
export const PLAIN_PROGRESS_SECONDS = 30;

/** What `howl train` prints while it trains. */
export interface TrainProgress {
  /** After every step: redraws the status line on a terminal; a plain line every 30 s otherwise. */
  step(info: StepInfo): void;
  /** Remembers the last validation loss, shown on the following progress lines. */
  validation(loss: number): void;
  /** Prints a line of its own on stdout (clearing the status line first). */
  say(text: string): void;
  /** Prints `howl: warning: …` on stderr. */
  warn(message: string): void;
  /** Clears the status line. */
  done(): void;
}

/** Options of `createTrainProgress`. */
export interface TrainProgressOptions {
  /** The run's step limit, shown as `step 12/1200`. */
  readonly totalSteps?: number | undefined;
  /**
   * Print plain lines (default: unless both stdout and stderr are terminals, so that a log file or
   * a `nohup` run shows the run is alive).
   */
  readonly plain?: boolean;
  /** Seconds between plain lines (default `PLAIN_PROGRESS_SECONDS`). */
  readonly everySeconds?: number;
  /** The clock in seconds (default `performance.now() / 1000`). */
  readonly now?: () => number;
}

/**
 * Creates `howl train`'s progress output. On a terminal, a status line on stderr is redrawn in
 * place; when the output goes to a file or a pipe, one plain line goes to stdout after the first
 * step and then every `everySeconds`: step, loss, notes per second, seconds per step, elapsed time
 * and the time left.
 *
 * @param options - the step limit, and when to print plain lines
 * @returns the progress output
 * @example const progress = createTrainProgress({ totalSteps: 1200 }); progress.step(info);
 */
export function createTrainProgress(options: TrainProgressOptions = {}): TrainProgress {
  const plain = options.plain ?? !(process.stdout.isTTY && process.stderr.isTTY);
  const everySeconds = options.everySeconds ?? PLAIN_PROGRESS_SECONDS;
  const now = options.now ?? ((): number => performance.now() / 1000);
  const line = createProgressLine();
  const lossAverage = createMovingAverage(0.95);
  const speed = createMovingAverage(0.9);
  const stepTime = createMovingAverage(0.9);
  let lastPlain = -Infinity;
  let validation = '';
  const say = (text: string): void => {
    line.done();
    process.stdout.write(text + '\n');
  };
  return {
    step(info) {
      const loss = lossAverage.add(info.loss);
      const rate = speed.add(info.seconds > 0 ? info.tokens / info.seconds : NaN);
      const perStep = stepTime.add(info.seconds);
      const eta = estimateRemaining(info.progress, info.elapsedSeconds);
      const total = options.totalSteps;
      const notesPerSecond = `${Math.round(rate).toLocaleString('en-US')} notes/s`;
      const left = Number.isFinite(eta) ? ` ETA ${formatDuration(eta)}` : '';
      line.update(
        `step ${info.step}${total ? `/${total}` : ''} ep ${info.epoch.toFixed(2)} ` +
          `loss ${loss.toFixed(4)}${validation} ${notesPerSecond} ` +
          `lr ${info.lr.toExponential(1)} ${formatDuration(info.elapsedSeconds)}${left}`,
      );
      const t = now();
      if (plain && t - lastPlain >= everySeconds) {
        lastPlain = t;
        const share = info.progress === undefined ? '' : ` (${Math.floor(info.progress * 100)}%)`;
        say(
          `step ${info.step}${total ? `/${total}` : ''}${share} loss ${loss.toFixed(4)}${validation} ` +
            `${notesPerSecond} ${perStep.toFixed(1)} s/step elapsed ${formatDuration(info.elapsedSeconds)}${left}`,
        );
      }
    },
    validation(loss) {
      validation = ` val ${loss.toFixed(4)}`;
    },
    say,
    warn(message) {
      line.done();
      process.stderr.write(`howl: warning: ${message}\n`);
    },
    done() {
      line.done();
    },
  };
}
