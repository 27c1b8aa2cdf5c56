import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HowlError } from '../errors.js';
import type { DryChunk } from '../render/dry-renderer.js';
import { createHallReverb } from '../render/hall-reverb.js';
import { BLOCK_FRAMES, partitionByPitch, scheduleNotes } from '../render/note-schedule.js';
import {
  checkHasNotes,
  renderNoteChunks,
  resolveRenderOptions,
  type RenderOptions,
  type StereoAudio,
} from '../render/render-notes.js';
import type { SoundFont } from '../render/soundfont.js';
import type { Note } from '../score/note.js';
import type { FromRenderWorker, RenderWorkerData, ToRenderWorker } from './render-worker.js';

/** Options of `renderNoteChunksThreaded`. */
export interface ThreadedRenderOptions extends RenderOptions {
  /**
   * Worker threads that synthesise voices, each a share of the pitches; the calling thread adds
   * their output and runs the reverb meanwhile. 0 renders everything on the calling thread.
   * Default: `defaultRenderThreads()`.
   */
  threads?: number;
}

/** Pieces shorter than this render on the calling thread by default: starting workers costs more. */
const MIN_THREADED_SECONDS = 20;
/** Chunks each worker may render ahead of the calling thread. */
const AHEAD = 2;

/** A render worker failed. */
export class RenderWorkerError extends HowlError {
  constructor(message: string) {
    super('render-worker', `audio render failed in a worker thread: ${message}`);
  }
}

/**
 * The default number of voice threads for a piece: none below 20 s of music (a worker costs about
 * 0.3 s to start: it parses the SoundFont itself) or on one or two cores (the calling thread is
 * busy too, adding the shares, running the reverb and encoding, and with two cores the gain is small
 * when idle and a loss when another process is running); else one fewer than the cores, at most 4.
 *
 * @param seconds - length of the piece
 * @returns the thread count
 * @example defaultRenderThreads(180); // 0 on 2 cores, 3 on 4 cores, 4 on 8 cores
 */
export function defaultRenderThreads(seconds: number): number {
  const cores = availableParallelism();
  if (seconds < MIN_THREADED_SECONDS || cores <= 2) return 0;
  return Math.min(4, cores - 1);
}

/** One worker's chunks, in order, with at most `AHEAD` requested and not yet taken. */
interface WorkerFeed {
  worker: Worker;
  chunks: FromRenderWorker[];
  waiting: ((message: FromRenderWorker) => void) | undefined;
  requested: number;
}

function startWorker(data: RenderWorkerData): Promise<WorkerFeed> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./render-worker.js', import.meta.url), { workerData: data });
    const feed: WorkerFeed = { worker, chunks: [], waiting: undefined, requested: 0 };
    let ready = false;
    const deliver = (message: FromRenderWorker): void => {
      const waiting = feed.waiting;
      feed.waiting = undefined;
      if (waiting) waiting(message);
      else feed.chunks.push(message);
    };
    worker.on('message', (message: FromRenderWorker) => {
      if (!ready) {
        ready = true;
        if (message.type === 'ready') resolve(feed);
        else reject(new RenderWorkerError(message.type === 'error' ? message.message : 'no ready message'));
        return;
      }
      deliver(message);
    });
    const lost = (why: string): void => {
      if (!ready) {
        ready = true;
        reject(new RenderWorkerError(why));
      } else deliver({ type: 'error', message: why });
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => lost(`the worker exited (code ${code})`));
  });
}

function nextChunk(feed: WorkerFeed): Promise<FromRenderWorker> {
  const ready = feed.chunks.shift();
  if (ready !== undefined) return Promise.resolve(ready);
  return new Promise((resolve) => (feed.waiting = resolve));
}

function request(feed: WorkerFeed): void {
  feed.requested++;
  feed.worker.postMessage({ type: 'next' } satisfies ToRenderWorker);
}

function columnsOf(
  notes: readonly Note[],
): Pick<RenderWorkerData, 'pitch' | 'velocity' | 'time' | 'duration'> {
  return {
    pitch: Float64Array.from(notes, (n) => n.pitch),
    velocity: Float64Array.from(notes, (n) => n.velocity),
    time: Float64Array.from(notes, (n) => n.time),
    duration: Float64Array.from(notes, (n) => n.duration),
  };
}

/**
 * `renderNoteChunks` on worker threads: the notes are split by pitch (`partitionByPitch`), each
 * share is synthesised dry on its own thread on the common block grid, and the calling thread adds
 * the shares and runs the reverb on the summed send, while the workers render the next chunks.
 * Since voices of different pitches never interact and the reverb is linear, the result equals the
 * one-thread render up to float rounding (the tests check this). Chunks are requested at most two
 * ahead, so memory stays bounded.
 *
 * @param notes - the notes; at least one
 * @param soundFont - from `loadSoundFont` (its bytes are copied to each worker)
 * @param options - `RenderOptions` and `threads`
 * @returns an async generator of stereo chunks, as `renderNoteChunks`
 * @throws {InvalidArgumentError} "no notes to render", a bad note or option.
 * @throws {RenderWorkerError} When a worker fails.
 * @example for await (const chunk of renderNoteChunksThreaded(notes, soundFont, { threads: 2 })) ...
 */
export async function* renderNoteChunksThreaded(
  notes: readonly Note[],
  soundFont: SoundFont,
  options: ThreadedRenderOptions = {},
): AsyncGenerator<StereoAudio> {
  const resolved = resolveRenderOptions(options);
  checkHasNotes(notes);
  const { sampleRate, chunkFrames } = resolved;
  const schedule = scheduleNotes(notes, sampleRate); // checks every note before any thread starts
  const totalFrames =
    (schedule.lastBlock + Math.ceil((resolved.tailSeconds * sampleRate) / BLOCK_FRAMES)) * BLOCK_FRAMES;
  const threads = options.threads ?? defaultRenderThreads(totalFrames / sampleRate);
  if (threads <= 0) {
    yield* renderNoteChunks(notes, soundFont, resolved);
    return;
  }
  const shares = partitionByPitch(notes, threads).filter((share) => share.length > 0);
  const settled = await Promise.allSettled(
    shares.map((share) =>
      startWorker({
        howlRenderWorker: true,
        soundFont: soundFont.bytes,
        ...columnsOf(share),
        sampleRate,
        totalFrames,
        chunkFrames,
      }),
    ),
  );
  const feeds = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (feeds.length < shares.length) {
    // Workers cannot start here (e.g. running from TypeScript sources): render on this thread.
    await Promise.all(feeds.map((feed) => feed.worker.terminate()));
    yield* renderNoteChunks(notes, soundFont, resolved);
    return;
  }
  try {
    const chunkCount = Math.ceil(totalFrames / chunkFrames);
    for (const feed of feeds) for (let k = 0; k < Math.min(AHEAD, chunkCount); k++) request(feed);
    const reverb = createHallReverb(sampleRate);
    for (let k = 0; k < chunkCount; k++) {
      let sum: DryChunk | undefined;
      for (const feed of feeds) {
        const message = await nextChunk(feed);
        if (message.type === 'error') throw new RenderWorkerError(message.message);
        if (message.type !== 'chunk') throw new RenderWorkerError(`unexpected message ${message.type}`);
        if (feed.requested < chunkCount) request(feed);
        if (sum === undefined) sum = message;
        else {
          addInto(sum.left, message.left, sum.frames);
          addInto(sum.right, message.right, sum.frames);
          addInto(sum.send, message.send, sum.frames);
        }
      }
      if (sum === undefined) return;
      const frames = sum.frames;
      if (resolved.reverb) reverb.process(sum.send, sum.left, sum.right, 0, frames);
      yield {
        sampleRate,
        left: frames === chunkFrames ? sum.left : sum.left.slice(0, frames),
        right: frames === chunkFrames ? sum.right : sum.right.slice(0, frames),
      };
    }
  } finally {
    await Promise.all(feeds.map((feed) => feed.worker.terminate()));
  }
}

function addInto(target: Float32Array, source: Float32Array, frames: number): void {
  for (let i = 0; i < frames; i++) target[i]! += source[i]!;
}
