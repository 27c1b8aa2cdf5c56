import type { Note, RepetitionConfig, SamplingOptions } from '../../src/public/index.js';
import type { PickedFile } from './model-loader.js';
import type { ComposerReply, ComposerRequest } from './worker-protocol.js';

/** A model in place: its name and summary, how long it took, and what the worker found of it. */
export type Loaded = Omit<Extract<ComposerReply, { type: 'loaded' }>, 'type'>;

/** The page's side of the composer worker. */
export interface ComposerClient {
  /**
   * Loads the model served at `base` (a folder URL ending in '/'), with its repetition cache (its
   * `repetition.json`) when it has one.
   */
  loadUrl(base: string, name: string, repetition?: RepetitionConfig): Promise<Loaded>;
  /** Loads a model from files the person picked. */
  loadFiles(files: readonly PickedFile[], name: string): Promise<Loaded>;
  /**
   * Generates `count` notes after `prefix`, calling `onNotes` with each batch as it arrives.
   * Resolves when done or stopped.
   */
  generate(options: {
    prefix: readonly Note[];
    count: number;
    /** Stop before the first note starting after this time (piece seconds). */
    until?: number;
    sampling: SamplingOptions;
    seed?: number;
    onNotes: (notes: readonly Note[]) => void;
  }): Promise<Extract<ComposerReply, { type: 'done' }>>;
  /**
   * Fills the gap `[from, to)` of `notes` with the gap-filling model served at `model.base` (fetched
   * on the first fill); the notes inside the gap that are sent are kept and written around.
   * `onNotes` gets the written notes in batches; resolves when done or stopped.
   */
  fill(options: {
    model: { base: string; name: string };
    notes: readonly Note[];
    from: number;
    to: number;
    sampling: SamplingOptions;
    seed: number;
    onNotes: (notes: readonly Note[]) => void;
  }): Promise<Extract<ComposerReply, { type: 'done' }>>;
  /** Stops the generation or fill in progress (the promise of `generate` or `fill` then resolves). */
  stop(): void;
}

export function createComposerClient(): ComposerClient {
  const worker = new Worker(new URL('./composer-worker.ts', import.meta.url), { type: 'module' });
  const send = (request: ComposerRequest, transfer: Transferable[] = []): void =>
    worker.postMessage(request, transfer);
  let loading: {
    resolve: (r: Loaded) => void;
    reject: (e: Error) => void;
  } | null = null;
  const jobs = new Map<
    number,
    {
      onNotes: (notes: readonly Note[]) => void;
      resolve: (r: Extract<ComposerReply, { type: 'done' }>) => void;
    }
  >();
  let nextId = 1;

  worker.onmessage = (event: MessageEvent<ComposerReply>) => {
    const reply = event.data;
    switch (reply.type) {
      case 'loaded':
        loading?.resolve(reply);
        loading = null;
        break;
      case 'load-error':
        loading?.reject(new Error(reply.message));
        loading = null;
        break;
      case 'notes':
        jobs.get(reply.id)?.onNotes(reply.notes);
        break;
      case 'done':
        jobs.get(reply.id)?.resolve(reply);
        jobs.delete(reply.id);
        break;
    }
  };
  worker.onerror = (event) => {
    loading?.reject(new Error(`the composer worker failed: ${event.message}`));
    loading = null;
  };

  const load = (request: ComposerRequest, transfer: Transferable[] = []) =>
    new Promise<Loaded>((resolve, reject) => {
      loading?.reject(new Error('another model was asked for'));
      loading = { resolve, reject };
      send(request, transfer);
    });

  const client: ComposerClient = {
    loadUrl: (base, name, repetition) =>
      load({ type: 'load-url', base, name, ...(repetition === undefined ? {} : { repetition }) }),
    loadFiles: (files, name) => load({ type: 'load-files', files, name }),
    generate({ prefix, count, until, sampling, seed, onNotes }) {
      client.stop();
      const id = nextId++;
      return new Promise((resolve) => {
        jobs.set(id, { onNotes, resolve });
        const limits = { ...(until === undefined ? {} : { until }), ...(seed === undefined ? {} : { seed }) };
        send({ type: 'generate', id, prefix, count, sampling, ...limits });
      });
    },
    fill({ onNotes, ...request }) {
      client.stop();
      const id = nextId++;
      return new Promise((resolve) => {
        jobs.set(id, { onNotes, resolve });
        send({ type: 'fill', id, ...request });
      });
    },
    stop() {
      for (const id of jobs.keys()) send({ type: 'stop', id });
    },
  };
  return client;
}
