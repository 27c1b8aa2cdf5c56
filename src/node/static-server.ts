import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

/**
 * A small static file server on `node:http` for the web composer (`howl serve`): GET and HEAD
 * only, MIME types for what the page uses (WebAssembly included), no directory listings, and no
 * way out of the served folders (`..`, encoded slashes and NUL bytes are refused).
 */

/** Content types by file extension; anything else is `application/octet-stream`. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.mid': 'audio/midi',
  '.midi': 'audio/midi',
  '.wav': 'audio/wav',
  '.sf2': 'application/octet-stream',
  '.sf3': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

/** The content type of a file name. */
export const mimeTypeOf = (path: string): string =>
  MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';

export interface StaticServerOptions {
  /** The folder served at `/` (`/` itself is its index.html). */
  readonly root: string;
  /**
   * More files and folders by URL path: a key ending in `/` maps a folder (`'/model/'`), any other
   * key one file (`'/soundfont.sf3'`). Mounts win over `root`.
   */
  readonly mounts?: Readonly<Record<string, string>>;
  /**
   * Files made by the caller, by URL path (`'/model/about.json'`): their text, served with the
   * path's content type. They win over mounts and `root`.
   */
  readonly generated?: Readonly<Record<string, string>>;
}

/**
 * Where a URL path points on disk, or null when it must not be served (outside the folders, or
 * malformed). The result may not exist.
 *
 * @param options - root and mounts
 * @param urlPath - the request's path, still percent-encoded, without the query
 */
export function resolveRequestPath(options: StaticServerOptions, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (!path.startsWith('/') || path.includes('\0') || path.includes('\\')) return null;
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return null;
  if (/%2f/i.test(urlPath)) return null; // an encoded slash is never part of a file name here
  const mounts = Object.entries(options.mounts ?? {}).sort((a, b) => b[0].length - a[0].length);
  for (const [prefix, target] of mounts) {
    if (!prefix.endsWith('/')) {
      if (path === prefix) return resolve(target);
      continue;
    }
    if (path.startsWith(prefix)) return inside(target, path.slice(prefix.length));
  }
  return inside(options.root, path.slice(1) || 'index.html');
}

function inside(folder: string, relative: string): string | null {
  const base = resolve(folder);
  const full = resolve(join(base, relative));
  return full === base || full.startsWith(base + sep) ? full : null;
}

function send(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

/**
 * The request handler (for `http.createServer`, or to mount in another server).
 *
 * @param options - root and mounts
 * @returns the handler
 */
export function createStaticHandler(
  options: StaticServerOptions,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    void (async () => {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('Allow', 'GET, HEAD');
        return send(response, 405, 'method not allowed\n');
      }
      const urlPath = (request.url ?? '/').split('?')[0]!.split('#')[0]!;
      const text = Object.hasOwn(options.generated ?? {}, urlPath) ? options.generated![urlPath]! : null;
      if (text !== null) {
        response.writeHead(200, {
          'Content-Type': mimeTypeOf(urlPath),
          'Content-Length': Buffer.byteLength(text),
          'Cache-Control': 'no-cache',
          'X-Content-Type-Options': 'nosniff',
        });
        return void response.end(request.method === 'HEAD' ? undefined : text);
      }
      let file = resolveRequestPath(options, urlPath);
      if (file === null) return send(response, 403, 'forbidden\n');
      let info = await stat(file).catch(() => null);
      if (info?.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (info === null || !info.isFile()) return send(response, 404, `not found: ${urlPath}\n`);
      response.writeHead(200, {
        'Content-Type': mimeTypeOf(file),
        'Content-Length': info.size,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      if (request.method === 'HEAD') return void response.end();
      const stream = createReadStream(file);
      stream.on('error', () => response.destroy());
      stream.pipe(response);
    })().catch(() => {
      if (!response.headersSent) send(response, 500, 'internal error\n');
      else response.destroy();
    });
  };
}

/** A running server. */
export interface RunningServer {
  readonly server: Server;
  /** `http://host:port/` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts serving.
 *
 * @param options - root and mounts; `host` (default 127.0.0.1: this computer only) and `port`
 *   (default 8080; 0 picks a free one)
 * @returns the server and its URL
 * @throws the listen error (e.g. EADDRINUSE) when the port cannot be used
 * @example const { url, close } = await startStaticServer({ root: 'dist-web', port: 0 });
 */
export function startStaticServer(
  options: StaticServerOptions & { host?: string; port?: number },
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer(createStaticHandler(options));
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolvePromise({
        server,
        port,
        url: `http://${shown}:${port}/`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
