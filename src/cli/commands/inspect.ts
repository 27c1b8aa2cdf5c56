import type { Command } from 'commander';

/** Placeholder until `howl inspect` is written. */
export function registerInspect(program: Command): void {
  program.command('inspect').description('(not written yet)');
}
