import type { Command } from 'commander';

/** Placeholder until `howl import` is written. */
export function registerImport(program: Command): void {
  program.command('import').description('(not written yet)');
}
