import { Command, CommanderError } from 'commander';
import { HowlError } from '../../errors.js';
import { fileSystemFailure } from '../../node/file-system-errors.js';
import { printableText } from '../../printable.js';
import { CliError } from '../cli-error.js';
import { registerImport } from './import.js';

/**
 * `howl import` started on its own: `bin/howl.js` runs this instead of `main.ts` when the first
 * argument is `import`, so that an import does not first load every other command's modules (the
 * renderer and its SoundFont synthesiser, the models, the audio encoders: about 0.1 s of a 0.3 s
 * import of 337 files). The command is the same `registerImport`, and failures are reported exactly
 * as `main` reports them (the same checks, in the same order; keep the two in step).
 *
 * @param argv - the arguments after the script path, `import` first
 * @returns the exit code
 * @example process.exitCode = await importMain(['import', 'midis', '-o', 'data/midis.howl']);
 */
export async function importMain(argv: readonly string[]): Promise<number> {
  const program = new Command('howl').showHelpAfterError().exitOverride();
  registerImport(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
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
    const failure = fileSystemFailure(error);
    if (failure !== undefined) {
      say(failure);
      return 1;
    }
    throw error;
  }
}
