import { Command, CommanderError } from 'commander';
import { HowlError } from '../errors.js';
import { registerEval } from './commands/eval.js';
import { registerExport } from './commands/export.js';
import { registerGenerate } from './commands/generate.js';
import { registerImport } from './commands/import.js';
import { registerInspect } from './commands/inspect.js';
import { registerNotes } from './commands/notes.js';
import { registerPlot } from './commands/plot.js';
import { registerRender } from './commands/render.js';
import { registerServe } from './commands/serve.js';
import { registerTrain } from './commands/train.js';

/** An error the CLI reports as one line to stderr with exit code `exitCode`, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function createProgram(): Command {
  const program = new Command('howl')
    .description('Learn to play the piano from MIDI files, and compose with the model.')
    .showHelpAfterError()
    .exitOverride();
  registerImport(program);
  registerInspect(program);
  registerNotes(program);
  registerTrain(program);
  registerGenerate(program);
  registerRender(program);
  registerPlot(program);
  registerEval(program);
  registerExport(program);
  registerServe(program);
  return program;
}

/**
 * Runs the `howl` command line with `argv` (without `node` and the script path) and returns the exit
 * code. Expected failures (bad input, missing files) print one clear line; anything else prints a
 * stack trace, since it is a bug.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      process.stderr.write(`howl: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof HowlError) {
      process.stderr.write(`howl: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
