import { Command } from 'commander';
import { runProgram } from '../run-program.js';
import { registerImport } from './import.js';

/**
 * `howl import` started on its own: `bin/howl.js` runs this instead of `main.ts` when the first
 * argument is `import`, so that an import does not first load every other command's modules (the
 * renderer and its SoundFont synthesiser, the models, the audio encoders: about 0.1 s of a 0.3 s
 * import of 337 files). The command is the same `registerImport`, and failures are reported by
 * the same `runProgram` as `main`'s.
 *
 * @param argv - the arguments after the script path, `import` first
 * @returns the exit code
 * @example process.exitCode = await importMain(['import', 'midis', '-o', 'data/midis.howl']);
 */
export async function importMain(argv: readonly string[]): Promise<number> {
  const program = new Command('howl').showHelpAfterError().exitOverride();
  registerImport(program);
  return runProgram(program, argv);
}
