import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mimeTypeOf, resolveRequestPath, startStaticServer, type RunningServer } from './static-server.js';

const dir = mkdtempSync(join(tmpdir(), 'howl-static-'));
const site = join(dir, 'site');
const model = join(dir, 'model');
mkdirSync(join(site, 'assets'), { recursive: true });
mkdirSync(model);
writeFileSync(join(site, 'index.html'), '<!doctype html><title>x</title>');
writeFileSync(join(site, 'assets', 'kernel.wasm'), new Uint8Array([0, 97, 115, 109]));
writeFileSync(join(site, 'assets', 'main.js'), 'export {};');
writeFileSync(join(dir, 'secret.txt'), 'secret');
writeFileSync(join(model, 'config.json'), '{}');
writeFileSync(join(dir, 'piano.sf3'), 'RIFF');
const options = {
  root: site,
  mounts: { '/model/': model, '/soundfont.sf3': join(dir, 'piano.sf3') },
  generated: { '/model/about.json': '{"sampling":{}}' },
};

/** A raw request, so that paths reach the server exactly as written (no URL normalisation). */
function get(
  server: RunningServer,
  path: string,
  method = 'GET',
): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startStaticServer({ ...options, port: 0 });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page, its assets with their MIME types, and the mounted files', async () => {
    const index = await get(server, '/');
    expect(index).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(index.body).toContain('<title>x</title>');
    expect(await get(server, '/assets/kernel.wasm')).toMatchObject({ status: 200, type: 'application/wasm' });
    expect(await get(server, '/assets/main.js?v=1')).toMatchObject({
      status: 200,
      type: 'text/javascript; charset=utf-8',
    });
    expect(await get(server, '/model/config.json')).toMatchObject({ status: 200, body: '{}' });
    expect(await get(server, '/soundfont.sf3')).toMatchObject({ status: 200, body: 'RIFF' });
    expect(await get(server, '/assets/kernel.wasm', 'HEAD')).toMatchObject({ status: 200, body: '' });
    // A file the caller made, over the mounted folder.
    expect(await get(server, '/model/about.json')).toMatchObject({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: '{"sampling":{}}',
    });
    expect(await get(server, '/model/about.json', 'HEAD')).toMatchObject({ status: 200, body: '' });
  });

  it('refuses to leave the served folders', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/model/../secret.txt',
      '/model/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/index.html%00.js',
      '/%E0%A4%A',
    ]) {
      const response = await get(server, path);
      expect(response.status, path).toBe(403);
      expect(response.body).not.toContain('secret');
    }
  });

  it('answers 404 for what is not there and 405 for other methods', async () => {
    expect((await get(server, '/nothing.js')).status).toBe(404);
    expect((await get(server, '/model/weights.bin')).status).toBe(404);
    expect((await get(server, '/', 'POST')).status).toBe(405);
  });

  it('maps paths and types without a server', () => {
    expect(resolveRequestPath(options, '/model/state.json')).toBe(join(model, 'state.json'));
    expect(resolveRequestPath(options, '/soundfont.sf3/x')).toBe(join(site, 'soundfont.sf3/x'));
    expect(mimeTypeOf('a/B.WASM')).toBe('application/wasm');
    expect(mimeTypeOf('weights.bin')).toBe('application/octet-stream');
  });
});
