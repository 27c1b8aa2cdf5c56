import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepetitionConfig } from '../../generate/repetition-cache.js';
import type { SamplingOptions } from '../../generate/sampling.js';
import { defaultModelDir, loadModel } from '../../node/load-model.js';
import { defaultSoundFontPath } from '../../node/soundfont-file.js';
import { startStaticServer, type RunningServer } from '../../node/static-server.js';
import { parseNumberOption } from '../cli-helpers.js';
import { CliError } from '../cli-error.js';

interface ServeCommandOptions {
  port: string;
  host: string;
  model?: string;
  soundfont?: string;
  web?: string;
}

/** The package root (from src/cli/commands or dist/cli/commands). */
const packageRoot = (): string => resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The built page: dist-web/ at the package root (built by `npm run build:web`; in the npm package). */
export function defaultWebDir(): string {
  return join(packageRoot(), 'dist-web');
}

/**
 * Why there is no page to serve, in one line. In a clone (web/ beside it) or with `--web` the page
 * is built with `npm run build:web`; an installed package carries it, so one without it is broken.
 */
function notBuilt(web: string, given: boolean): string {
  if (given || existsSync(join(packageRoot(), 'web', 'vite.config.ts')))
    return `${web}: the web composer is not built; run \`npm run build:web\` first`;
  return (
    `${web}: this installed howl has no web composer; reinstall it (\`npm install howl\`), ` +
    'or pass --web a page built in a clone with `npm run build:web`'
  );
}

/**
 * In a clone of the repository (web/ and vite beside dist/), builds the page the first time
 * `howl serve` runs, so that `npx howl serve` works without a separate step. Elsewhere it does
 * nothing and the caller reports what to do.
 */
function buildPageOnce(web: string): void {
  const root = resolve(web, '..');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const config = join(root, 'web', 'vite.config.ts');
  if (!existsSync(vite) || !existsSync(config)) return;
  process.stderr.write('building the web composer (once, a few seconds)...\n');
  const result = spawnSync(process.execPath, [vite, 'build', '--config', config], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new CliError('building the web composer failed (see above); try `npm run build:web`');
}

/**
 * `/model/about.json` as served: the build's description of the shipped default (its name and
 * licence) only when that is the model served, and the served model's own sampling
 * (`sampling.json`, as `loadModel` read it; also a run folder's) and repetition cache
 * (`repetition.json`, likewise) in either case, so the page plays it as measured and asks for no
 * file the folder lacks. `{}` when there is nothing to say.
 */
function aboutServed(
  web: string,
  isDefault: boolean,
  sampling: SamplingOptions,
  repetition: RepetitionConfig | undefined,
): string {
  let about: Record<string, unknown> = {};
  const built = join(web, 'model', 'about.json');
  if (isDefault && existsSync(built)) {
    try {
      const parsed = JSON.parse(readFileSync(built, 'utf8')) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        about = parsed as Record<string, unknown>;
    } catch {
      // a damaged build's description: the page then calls the model "the server's model"
    }
  }
  delete about['sampling'];
  delete about['repetition'];
  if (Object.keys(sampling).length > 0) about['sampling'] = sampling;
  if (repetition !== undefined) about['repetition'] = repetition;
  return `${JSON.stringify(about, null, 1)}\n`;
}

/** What `howl serve` serves. */
export interface ComposerServerOptions {
  readonly port: number;
  readonly host: string;
  /** A model folder or run folder (default: the shipped model). */
  readonly model?: string;
  readonly soundFont?: string;
  /** The built page (default: `defaultWebDir()`). */
  readonly web?: string;
}

/**
 * Starts serving the composer: the built page, the model's files under `/model/` (with an
 * `about.json` made here: `aboutServed`), the
 * other shipped models under `/models/<folder>/` and the SoundFont as `/soundfont.sf3`. The model
 * is read and checked first, so a broken one is reported here and not in the browser.
 *
 * @returns the running server and the model folder it serves
 * @throws {CliError} when the page is not built, the SoundFont is missing, or the port is taken
 * @throws {CheckpointError} when the model folder is missing or broken
 */
export async function startComposerServer(
  options: ComposerServerOptions,
): Promise<RunningServer & { readonly modelDir: string }> {
  const web = options.web ?? defaultWebDir();
  if (!existsSync(join(web, 'index.html')) && options.web === undefined) buildPageOnce(web);
  if (!existsSync(join(web, 'index.html'))) throw new CliError(notBuilt(web, options.web !== undefined));
  const model = await loadModel(options.model ?? defaultModelDir());
  const soundFont = options.soundFont ?? defaultSoundFontPath();
  if (!existsSync(soundFont)) throw new CliError(`${soundFont}: no such SoundFont file`);
  // The models and the SoundFont come from where the package keeps them, not from the build's
  // copies (which the npm package leaves out).
  const mounts: Record<string, string> = {
    '/model/': model.dir,
    '/models/': dirname(defaultModelDir()),
    '/soundfont.sf3': soundFont,
  };
  try {
    const running = await startStaticServer({
      root: web,
      mounts,
      generated: {
        '/model/about.json': aboutServed(web, options.model === undefined, model.sampling, model.repetition),
      },
      host: options.host,
      port: options.port,
    });
    return { ...running, modelDir: model.dir };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const port = options.port;
    if (code === 'EADDRINUSE') throw new CliError(`port ${port} is in use; try --port ${port + 1}`);
    if (code === 'EACCES') throw new CliError(`port ${port} needs privileges; try --port 8080`);
    throw error;
  }
}

/**
 * Registers `howl serve [--port 8080] [--model DIR]`: serves the web composer (dist-web/, built by
 * `npm run build:web`) with a model and the SoundFont, on this computer only unless `--host` says
 * otherwise. The page runs the model itself (in a Web Worker), so the server only hands out files.
 *
 * @param program - the `howl` program
 * @example registerServe(new Command('howl')); // then: howl serve --model runs/mine
 */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the web composer: compose with the model in a browser')
    .option('--port <n>', 'the port, 0 to 65535 (0: any free port)', '8080')
    .option('--host <address>', 'the address to listen on (0.0.0.0: every network)', '127.0.0.1')
    .option(
      '--model <dir>',
      'a model folder (checkpoint or safetensors) or a `howl train` run folder (default: the shipped model)',
    )
    .option('--soundfont <file>', 'the piano SoundFont (default: FluidR3Mono, as `howl render`)')
    .option('--web <dir>', 'the built page (default: dist-web/ of this package)')
    .action(async (options: ServeCommandOptions) => {
      const port = parseNumberOption(options.port, '--port', {
        integer: true,
        min: 0,
        max: 65535,
        expected: 'a port number from 0 to 65535 (0 = any free port)',
      }) as number;
      const running = await startComposerServer({
        port,
        host: options.host,
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(options.soundfont === undefined ? {} : { soundFont: options.soundfont }),
        ...(options.web === undefined ? {} : { web: options.web }),
      });
      process.stdout.write(
        `Howl composer: ${running.url}\n  model ${running.modelDir}\n  Ctrl-C stops it.\n`,
      );
      await new Promise<void>((done) => {
        const stop = (): void => {
          void running.close().then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
