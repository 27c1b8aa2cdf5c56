import type { Note, RepetitionConfig, SamplingOptions } from '../../src/public/index.js';
import type { PickedFile } from './model-loader.js';

/**
 * Messages between the page and its two workers. Everything is plain data (structured clone);
 * audio and file bytes are transferred, not copied.
 */

/** Page → composer worker. */
export type ComposerRequest =
  | {
      readonly type: 'load-url';
      readonly base: string;
      readonly name: string;
      /** The model's repetition cache (its `repetition.json`, read by the page), if it has one. */
      readonly repetition?: RepetitionConfig;
    }
  | { readonly type: 'load-files'; readonly files: readonly PickedFile[]; readonly name: string }
  | {
      readonly type: 'generate';
      readonly id: number;
      /** The notes before the generation point; the worker rolls its composer back to match them. */
      readonly prefix: readonly Note[];
      readonly count: number;
      /** Stop before the first note starting after this time (piece seconds), if given. */
      readonly until?: number;
      readonly sampling: SamplingOptions;
      /** Re-seed before generating (otherwise the generator goes on). */
      readonly seed?: number;
    }
  | {
      readonly type: 'fill';
      readonly id: number;
      /** Where the gap-filling model is served (a folder URL ending in '/'), and its name for messages. */
      readonly model: { readonly base: string; readonly name: string; readonly repetition?: boolean };
      /** The piece without the gap's notes, but with the gap's locked notes (kept, written around). */
      readonly notes: readonly Note[];
      /** The gap `[from, to)`, piece seconds. */
      readonly from: number;
      readonly to: number;
      readonly sampling: SamplingOptions;
      readonly seed: number;
    }
  | { readonly type: 'stop'; readonly id: number };

/** Composer worker → page. */
export type ComposerReply =
  | {
      readonly type: 'loaded';
      readonly name: string;
      readonly summary: string;
      readonly ms: number;
      /** The model draws timing and velocity from distributions (the timing temperature applies). */
      readonly timing: boolean;
      /** Picked files: the folder's `sampling.json`, if picked with them (`{}`: none; URLs: always `{}`). */
      readonly sampling: SamplingOptions;
      /**
       * The repetition cache the composer was made with (`load-url`: the request's; picked files:
       * the folder's `repetition.json`, if picked with them; an ordered network's composer mixes it
       * in, others ignore it), or null for none.
       */
      readonly repetition: RepetitionConfig | null;
    }
  | { readonly type: 'load-error'; readonly message: string }
  | { readonly type: 'notes'; readonly id: number; readonly notes: readonly Note[] }
  | {
      readonly type: 'done';
      readonly id: number;
      readonly made: number;
      /** Prefix notes the composer had to (re-)read after rolling back. */
      readonly fed: number;
      /** Prefix notes it kept from before (no work). */
      readonly kept: number;
      readonly ms: number;
      readonly stopped: boolean;
      readonly error?: string;
    };

/** Page → audio worker. */
export type AudioRequest =
  | { readonly type: 'load-soundfont'; readonly url: string }
  | {
      readonly type: 'render';
      readonly id: number;
      readonly notes: readonly Note[];
      readonly sampleRate: number;
      readonly chunkFrames: number;
    }
  /** How far playback has got (seconds of this render), so the worker renders only a little ahead. */
  | { readonly type: 'position'; readonly id: number; readonly seconds: number }
  | { readonly type: 'cancel'; readonly id: number }
  | { readonly type: 'wav'; readonly id: number; readonly notes: readonly Note[] };

/** Audio worker → page. */
export type AudioReply =
  | { readonly type: 'soundfont-ready'; readonly name: string; readonly ms: number }
  | { readonly type: 'soundfont-error'; readonly message: string }
  | {
      readonly type: 'chunk';
      readonly id: number;
      readonly left: Float32Array;
      readonly right: Float32Array;
      readonly sampleRate: number;
    }
  | { readonly type: 'render-done'; readonly id: number; readonly error?: string }
  | { readonly type: 'wav'; readonly id: number; readonly bytes?: Uint8Array; readonly error?: string };

/** The part of a dedicated worker's global scope the workers use (the page's lib is DOM, not WebWorker). */
export interface WorkerScope<In, Out> {
  onmessage: ((event: MessageEvent<In>) => void) | null;
  postMessage(message: Out, transfer?: Transferable[]): void;
}

/** Lets queued messages in (a macrotask, without setTimeout's 4 ms clamp). */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
