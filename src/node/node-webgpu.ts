import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { BackendUnavailableError } from '../model/kernels/backend.js';
import { webGpuOf } from '../model/kernels/webgpu.js';

/**
 * WebGPU for Node: the optional `webgpu` npm package (Dawn, its binary in the tarball; not a
 * dependency of Howl: `npm i webgpu` where a GPU is) provides `navigator.gpu`, which TensorFlow.js's
 * webgpu backend then uses as in a browser.
 *
 * Dawn prints its own warnings to stderr when it finds no GPU (several lines about Vulkan), so the
 * adapter is first looked for in a short-lived child process: where there is none, the caller gets
 * one line with Dawn's first reason, and this process stays quiet.
 */

/** What the probe prints: the adapter's description, or why there is none. */
interface Probe {
  readonly adapter: string | null;
}

const PROBE = `
const { create } = await import(process.argv[1]);
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
const info = adapter?.info ?? {};
const name = [info.vendor, info.architecture, info.description || info.device].filter(Boolean).join(' ');
process.stdout.write(JSON.stringify({ adapter: adapter ? name || 'unnamed adapter' : null }));
`;

/** Where the `webgpu` package's entry is, as a file URL; `undefined` when it is not installed. */
function webGpuPackage(): string | undefined {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return undefined;
  }
}

/** Dawn's first warning, shortened to one line (`Couldn't load Vulkan: libvulkan.so.1: …`). */
function dawnReason(stderr: string): string | undefined {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^(Warning|Error):/i.test(l));
  return line?.replace(/^(Warning|Error):\s*/i, '').slice(0, 200);
}

function probe(entry: string): Promise<{ probe?: Probe; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '--eval', PROBE, entry],
      { timeout: 60_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        try {
          resolve({ probe: JSON.parse(stdout) as Probe, stderr });
        } catch {
          resolve({ stderr, error: error ?? new Error('no answer') });
        }
      },
    );
  });
}

let installed: Promise<string> | undefined;

/**
 * Gives this Node process `navigator.gpu` from the `webgpu` package, once there is a GPU adapter
 * (left alone where `navigator.gpu` already exists). Idempotent.
 *
 * @returns the adapter's description (vendor, architecture, name), or `'navigator.gpu'` when it
 *   was already there
 * @throws BackendUnavailableError in one line: the package is not installed, or Dawn finds no
 *   adapter (with Dawn's reason)
 * @example await installNodeWebGpu(); await setupBackend('webgpu');
 */
export function installNodeWebGpu(): Promise<string> {
  installed ??= install();
  installed.catch(() => (installed = undefined));
  return installed;
}

async function install(): Promise<string> {
  if (webGpuOf() !== undefined) return 'navigator.gpu';
  const entry = webGpuPackage();
  if (entry === undefined) {
    throw new BackendUnavailableError(
      'webgpu',
      'Node has no WebGPU of its own: install the `webgpu` package (npm i webgpu, Dawn) on a machine with a GPU and its Vulkan driver, or use the default backend',
    );
  }
  const found = await probe(entry);
  if (found.probe?.adapter == null) {
    const reason = dawnReason(found.stderr) ?? found.error?.message.split('\n')[0];
    throw new BackendUnavailableError(
      'webgpu',
      `no WebGPU adapter: Dawn (the \`webgpu\` package) finds no GPU here${reason ? ` (${reason})` : ''}; it needs a GPU and its Vulkan driver (Metal on macOS, D3D12 on Windows), or use the default backend`,
    );
  }
  const { create, globals } = (await import(entry)) as {
    create(options: string[]): unknown;
    globals: Record<string, unknown>;
  };
  // WebGPU's constants and classes (GPUBufferUsage, …), as a browser has them, then navigator.gpu.
  for (const [key, value] of Object.entries(globals)) {
    if (!(key in globalThis))
      Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
  }
  const gpu = create([]);
  const holder = globalThis as { navigator?: object };
  if (holder.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  }
  Object.defineProperty(holder.navigator!, 'gpu', { value: gpu, configurable: true, writable: true });
  return found.probe.adapter;
}
