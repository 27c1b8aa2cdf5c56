import { Command } from 'commander';
import { howlVersion } from './cli-helpers.js';
import { registerEval } from './commands/eval.js';
import { registerExport } from './commands/export.js';
import { registerExportData } from './commands/export-data.js';
import { registerFitRepetition } from './commands/fit-repetition.js';
import { registerGenerate } from './commands/generate.js';
import { registerImport } from './commands/import.js';
import { registerInfill } from './commands/infill.js';
import { registerInspect } from './commands/inspect.js';
import { registerNotes } from './commands/notes.js';
import { registerPlot } from './commands/plot.js';
import { registerRender } from './commands/render.js';
import { registerServe } from './commands/serve.js';
import { registerTrain } from './commands/train.js';
import { runProgram } from './run-program.js';

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
  registerFitRepetition(program);
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
  return runProgram(createProgram(), argv);
}
