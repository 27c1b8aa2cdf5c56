import type { Command } from 'commander';

/** Placeholder until `howl notes` is written. */
export function registerNotes(program: Command): void {
  program.command('notes').description('(not written yet)');
}
