/**
 * An error the CLI reports as one line to stderr with exit code `exitCode`, no stack trace.
 *
 * It lives in its own file so that every command can throw it without importing `main.ts`, which
 * imports every command.
 *
 * @example throw new CliError('give --notes or --seconds, not both');
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
