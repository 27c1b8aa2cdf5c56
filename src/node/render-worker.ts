/**
 * The worker thread of a threaded render (`render-threads.ts`): it parses the SoundFont, renders its
 * share of the notes dry (voices and reverb send, no reverb) on the common block grid, and posts
 * one chunk per request as transferable arrays.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Note } from '../score/note.js';
import { createDryRenderer, type DryRenderer } from '../render/dry-renderer.js';
import { loadSoundFont } from '../render/soundfont.js';

/** What a render worker is started with. */
export interface RenderWorkerData {
  readonly howlRenderWorker: true;
  readonly soundFont: Uint8Array;
  /** The worker's notes as columns: pitch, velocity, time, duration. */
  readonly pitch: Float64Array;
  readonly velocity: Float64Array;
  readonly time: Float64Array;
  readonly duration: Float64Array;
  readonly sampleRate: number;
  readonly totalFrames: number;
  readonly chunkFrames: number;
}

/** Messages to a worker: render the next chunk. */
export type ToRenderWorker = { type: 'next' };

/** Messages from a worker. */
export type FromRenderWorker =
  | { type: 'ready' }
  | { type: 'chunk'; frames: number; left: Float32Array; right: Float32Array; send: Float32Array }
  | { type: 'error'; message: string };

/** Rebuilds notes from columns. */
export function notesFromColumns(data: RenderWorkerData): Note[] {
  return Array.from(data.pitch, (pitch, i) => ({
    pitch,
    velocity: data.velocity[i]!,
    time: data.time[i]!,
    duration: data.duration[i]!,
  }));
}

async function runWorker(data: RenderWorkerData): Promise<void> {
  const port = parentPort!;
  let renderer: DryRenderer;
  try {
    const soundFont = loadSoundFont(data.soundFont);
    renderer = await createDryRenderer(soundFont, notesFromColumns(data), {
      sampleRate: data.sampleRate,
      tailSeconds: 0,
      totalFrames: data.totalFrames,
    });
  } catch (error) {
    port.postMessage({ type: 'error', message: (error as Error).message } satisfies FromRenderWorker);
    return;
  }
  port.postMessage({ type: 'ready' } satisfies FromRenderWorker);
  port.on('message', (message: ToRenderWorker) => {
    if (message.type !== 'next') return;
    try {
      const frames = data.chunkFrames;
      const chunk = {
        frames,
        left: new Float32Array(frames),
        right: new Float32Array(frames),
        send: new Float32Array(frames),
      };
      const written = renderer.renderInto(chunk, frames);
      const reply: FromRenderWorker = { type: 'chunk', ...chunk, frames: written };
      port.postMessage(reply, [chunk.left.buffer, chunk.right.buffer, chunk.send.buffer]);
    } catch (error) {
      port.postMessage({ type: 'error', message: (error as Error).message } satisfies FromRenderWorker);
    }
  });
}

if (!isMainThread && (workerData as RenderWorkerData | undefined)?.howlRenderWorker === true) {
  void runWorker(workerData as RenderWorkerData);
}
