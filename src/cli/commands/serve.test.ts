import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { decodeSafetensorsModel } from '../../model/checkpoint/safetensors-model.js';
import { loadModel } from '../../node/load-model.js';
import { saveSafetensorsModel } from '../../node/safetensors-folder.js';
import { main } from '../main.js';
import { startComposerServer } from './serve.js';

const web = mkdtempSync(join(tmpdir(), 'howl-serve-'));
writeFileSync(join(web, 'index.html'), '<!doctype html><title>composer</title>');
mkdirSync(join(web, 'model'));
writeFileSync(join(web, 'model', 'about.json'), '{"label":"the default"}');

async function howl(...args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, err };
}

afterEach(() => vi.restoreAllMocks());
afterAll(() => rmSync(web, { recursive: true, force: true }));

describe('howl serve', () => {
  it('serves the page, the shipped models and the SoundFont', async () => {
    const running = await startComposerServer({ port: 0, host: '127.0.0.1', web });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(running.modelDir).toMatch(/models[/\\]piano-asap-ordered-lstm$/);
      expect(await (await fetch(running.url)).text()).toContain('<title>composer</title>');
      const config = (await (await fetch(`${running.url}model/config.json`)).json()) as { format: string };
      expect(config.format).toBe('howl-checkpoint');
      // The build's description of the default model with its tuned sampling (sampling.json) and
      // its repetition cache (repetition.json, as loadModel reads it), and the other models from
      // models/.
      const shipped = await loadModel(join(import.meta.dirname, '../../../models/piano-asap-ordered-lstm'));
      expect(shipped.repetition?.orders[0]).toBe(32);
      expect(await (await fetch(`${running.url}model/about.json`)).json()).toEqual({
        label: 'the default',
        sampling: { topP: 1, repetition: 2, release: 1, neighbours: 0, minPitch: 21, maxPitch: 108 },
        repetition: shipped.repetition,
      });
      const other = await fetch(`${running.url}models/piano-transformer/config.json`);
      expect(((await other.json()) as { format: string }).format).toBe('howl-checkpoint');
      const soundFont = await fetch(`${running.url}soundfont.sf3`, { method: 'HEAD' });
      expect(soundFont.status).toBe(200);
      expect(Number(soundFont.headers.get('content-length'))).toBeGreaterThan(10_000_000);
    } finally {
      await running.close();
    }
  });

  it('describes the model it was given in model/about.json: no name, its sampling and cache if any, no 404', async () => {
    // Without a sampling.json or repetition.json (a copy of a checkpoint's four files): an empty
    // description.
    const plain = join(web, 'plain');
    mkdirSync(plain);
    for (const file of ['config.json', 'weights.json', 'weights.bin', 'state.json'])
      copyFileSync(join(import.meta.dirname, '../../../models/piano-lstm192', file), join(plain, file));
    let running = await startComposerServer({ port: 0, host: '127.0.0.1', web, model: plain });
    try {
      const about = await fetch(`${running.url}model/about.json`);
      expect(about.status).toBe(200);
      expect(about.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await about.json()).toEqual({});
    } finally {
      await running.close();
    }
    // With them: its settings and cache (not the default's name, though it is the same folder).
    const tuned = join(import.meta.dirname, '../../../models/piano-asap-ordered-lstm');
    running = await startComposerServer({ port: 0, host: '127.0.0.1', web, model: tuned });
    try {
      expect(await (await fetch(`${running.url}model/about.json`)).json()).toEqual({
        sampling: { topP: 1, repetition: 2, release: 1, neighbours: 0, minPitch: 21, maxPitch: 108 },
        repetition: (await loadModel(tuned)).repetition,
      });
      expect((await fetch(`${running.url}model/about.json`, { method: 'HEAD' })).status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('serves a safetensors model folder as the model', async () => {
    const original = await loadModel(join(import.meta.dirname, '../../../models/piano-lstm192'));
    const model = join(web, 'exported');
    await saveSafetensorsModel(model, original);
    const running = await startComposerServer({ port: 0, host: '127.0.0.1', web, model });
    try {
      expect(running.modelDir).toBe(model);
      const files = new Map<string, Uint8Array>();
      for (const file of ['config.json', 'model.safetensors']) {
        files.set(file, new Uint8Array(await (await fetch(`${running.url}model/${file}`)).arrayBuffer()));
      }
      const served = decodeSafetensorsModel((f) => files.get(f), 'model');
      expect(served.config).toEqual(original.config);
      expect([...served.weights.keys()]).toEqual([...original.weights.keys()]);
    } finally {
      await running.close();
    }
  });

  it('says how to build the page when it is missing', async () => {
    const { code, err } = await howl('serve', '--web', join(web, 'nothing'), '--port', '0');
    expect(code).toBe(1);
    expect(err).toMatch(/the web composer is not built; run `npm run build:web` first/);
  });

  it('reports a bad port, model or a port in use in one line', async () => {
    expect((await howl('serve', '--web', web, '--port', 'eighty')).err).toBe(
      'howl: --port eighty is not a port number from 0 to 65535 (0 = any free port)\n',
    );
    expect(await howl('serve', '--web', web, '--port', '99999')).toEqual({
      code: 1,
      err: 'howl: --port 99999 is not a port number from 0 to 65535 (0 = any free port)\n',
    });
    expect((await howl('serve', '--web', web, '--model', join(web, 'no-model'))).err).toMatch(
      /no such model folder/,
    );
    const taken = await startComposerServer({ port: 0, host: '127.0.0.1', web });
    try {
      const { code, err } = await howl('serve', '--web', web, '--port', String(taken.port));
      expect(code).toBe(1);
      expect(err).toBe(`howl: port ${taken.port} is in use; try --port ${taken.port + 1}\n`);
    } finally {
      await taken.close();
    }
  });
});
