import { Command, CommanderError } from 'commander';
import { HowlError } from '../errors.js';
import { fileSystemFailure } from '../node/file-system-errors.js';
import { printableText } from '../printable.js';
import { CliError } from './cli-error.js';
import { howlVersion } from './cli-helpers.js';
import { registerEval } from './commands/eval.js';
import { registerExport } from './commands/export.js';
import { registerExportData } from './commands/export-data.js';
import { registerGenerate } from './commands/generate.js';
import { registerImport } from './commands/import.js';
import { registerInfill } from './commands/infill.js';
import { registerInspect } from './commands/inspect.js';
import { registerNotes } from './commands/notes.js';
import { registerPlot } from './commands/plot.js';
import { registerRender } from './commands/render.js';
import { registerServe } from './commands/serve.js';
import { registerTrain } from './commands/train.js';

export { howlVersion } from './cli-helpers.js';

function createProgram(): Command {
  const program = new Command('howl')
    .description('Learn to play the piano from MIDI files, and compose with the model.')
    .version(howlVersion(), '-V, --version', "print Howl's version")
    .showHelpAfterError()
    .exitOverride();
  registerImport(program);
  registerInspect(program);
  registerNotes(program);
  registerTrain(program);
  registerGenerate(program);
  registerInfill(program);
  registerRender(program);
  registerPlot(program);
  registerEval(program);
  registerExport(program);
  registerExportData(program);
  registerServe(program);
  return program;
}

/**
 * Runs the `howl` command line with `argv` (without `node` and the script path) and returns the exit
 * code. Expected failures (bad input, missing files, a full disk or a write without permission) print
 * one clear line, with control characters escaped; anything else prints a stack trace, since it is a bug.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
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
