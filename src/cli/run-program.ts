import { type Command, CommanderError } from 'commander';
import { HowlError } from '../errors.js';
import { fileSystemFailure } from '../node/file-system-errors.js';
import { printableText } from '../printable.js';
import { CliError } from './cli-error.js';

/**
 * Parses `argv` with `program` and runs the command it names, returning the exit code. Expected
 * failures (bad input, missing files, a full disk or a write without permission) print one clear
 * line, with control characters escaped; anything else is rethrown, since it is a bug. Shared by
 * `main` (every command) and `importMain` (the import command on its own), so that both report
 * failures the same way.
 *
 * @param program - the command line, with `exitOverride()` set
 * @param argv - the arguments, without `node` and the script path
 * @returns the exit code
 * @example process.exitCode = await runProgram(createProgram(), process.argv.slice(2));
 */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    // Messages may quote file names and file contents: no raw control characters reach the terminal.
    const say = (message: string): void => {
      process.stderr.write(`howl: ${printableText(message, { keepLines: true })}\n`);
    };
    if (error instanceof CliError) {
      say(error.message);
      return error.exitCode;
    }
    if (error instanceof HowlError) {
      say(error.message);
      return 1;
    }
    // A full disk, a quota, a read-only mount or a permission anywhere: one line, not a stack trace.
    const failure = fileSystemFailure(error);
    if (failure !== undefined) {
      say(failure);
      return 1;
    }
    throw error;
  }
}
