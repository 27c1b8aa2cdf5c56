import { vi } from 'vitest';
import { main } from '../cli/main.js';

/** What a `howl` command printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs `howl ...args` in this process (fast: no Node start-up), capturing stdout and stderr.
 *
 * @param args - the command line after `howl`
 * @returns the exit code and what was printed
 * @example const { code, err } = await runCli('notes', 'missing.mid');
 */
export async function runCli(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
