/**
 * The composer's Web Worker: holds the model and the composer, so the page stays responsive while
 * notes are written. Notes go back in small batches (the first one at once, then about every
 * 16 ms); a `stop` message is seen between batches.
 */
import {
  createComposer,
  createRng,
  cutAroundGap,
  gapWriter,
  type Composer,
  type Note,
  type OrderedStepNetwork,
  type RepetitionConfig,
  type SamplingOptions,
} from '../../src/public/index.js';
import { firstNoteInRange, syncComposer } from './composer-session.js';
import { plainNote } from './editor-state.js';
import {
  decodeModelRepetition,
  decodeModelSampling,
  MODEL_REPETITION_FILE,
  MODEL_SAMPLING_FILE,
} from './model-sampling.js';
import { decodeModel, fetchModel, networkOf, pickCheckpoint, type BrowserModel } from './model-loader.js';
import {
  yieldToEvents,
  type ComposerReply,
  type ComposerRequest,
  type WorkerScope,
} from './worker-protocol.js';

const scope = self as unknown as WorkerScope<ComposerRequest, ComposerReply>;
const post = (reply: ComposerReply): void => scope.postMessage(reply);

let composer: Composer | null = null;
/** The generation running now, and whether it was asked to stop. */
let running: { id: number; stop: boolean } | null = null;
/** Requests are handled one at a time, in order. */
let queue: Promise<void> = Promise.resolve();

function install(
  model: BrowserModel,
  started: number,
  sampling: SamplingOptions = {},
  repetition?: RepetitionConfig,
): void {
  const network = networkOf(model);
  // The repetition cache, when the model has one, is fed the piece and mixed in at the sampling's
  // `repetition` strength (each generation's `setSampling`).
  composer = createComposer(network, {
    seed: (Math.random() * 2 ** 31) >>> 0,
    ...(repetition === undefined ? {} : { repetition }),
  });
  post({
    type: 'loaded',
    name: model.name,
    summary: model.summary,
    ms: performance.now() - started,
    timing: network.kind === 'ordered',
    sampling,
    repetition: repetition ?? null,
  });
}

async function generate(request: Extract<ComposerRequest, { type: 'generate' }>): Promise<void> {
  const started = performance.now();
  const job = { id: request.id, stop: false };
  running = job;
  let made = 0;
  let kept = 0;
  let fed = 0;
  try {
    if (composer === null) throw new Error('no model is loaded');
    composer.setSampling(request.sampling);
    if (request.seed !== undefined) composer.setRng(request.seed);
    ({ kept, fed } = syncComposer(composer, request.prefix));
    let batch: Note[] = [];
    let sent = performance.now();
    const until = request.until ?? Infinity;
    while (made < request.count && !job.stop) {
      const fresh = composer.notes.length === 0;
      const note = composer.next();
      if (!fresh && note.time > until) {
        composer.truncate(composer.notes.length - 1); // drawn, not kept: the answer ends before it
        break;
      }
      batch.push(fresh ? firstNoteInRange(composer) : plainNote(note));
      made++;
      const now = performance.now();
      if (made === 1 || now - sent > 16 || made === request.count) {
        post({ type: 'notes', id: job.id, notes: batch });
        batch = [];
        sent = now;
        await yieldToEvents();
      }
    }
    if (batch.length > 0) post({ type: 'notes', id: job.id, notes: batch });
    post({ type: 'done', id: job.id, made, kept, fed, ms: performance.now() - started, stopped: job.stop });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    post({
      type: 'done',
      id: job.id,
      made,
      kept,
      fed,
      ms: performance.now() - started,
      stopped: true,
      error: message,
    });
  } finally {
    running = null;
  }
}

/** The gap-filling model, fetched on the first fill (by its URL). */
let infill: { base: string; network: OrderedStepNetwork; repetition: RepetitionConfig | undefined } | null =
  null;

async function infillNetwork(model: {
  base: string;
  name: string;
  repetition?: boolean;
}): Promise<{ network: OrderedStepNetwork; repetition: RepetitionConfig | undefined }> {
  if (infill?.base === model.base) return infill;
  const network = networkOf(await fetchModel(model.base, model.name));
  if (network.kind !== 'ordered' || network.setInfill === undefined)
    throw new Error(`${model.name} does not fill gaps`);
  let repetition: RepetitionConfig | undefined;
  if (model.repetition === true) {
    const response = await fetch(new URL(MODEL_REPETITION_FILE, model.base));
    if (!response.ok) throw new Error(`${model.name}: ${MODEL_REPETITION_FILE}: HTTP ${response.status}`);
    repetition = decodeModelRepetition(await response.text(), `${model.name}: ${MODEL_REPETITION_FILE}`);
  }
  infill = { base: model.base, network, repetition };
  return infill;
}

/**
 * Fills a gap (`src/generate/infill.ts`): the notes inside it that came with the request are the
 * person's locked ones, kept and written around. Written notes stream back as a generation's do.
 */
async function fill(request: Extract<ComposerRequest, { type: 'fill' }>): Promise<void> {
  const started = performance.now();
  const job = { id: request.id, stop: false };
  running = job;
  let made = 0;
  try {
    const { network, repetition } = await infillNetwork(request.model);
    const { from, to } = request;
    const parts = cutAroundGap(request.notes, from, to);
    if (parts.before.length === 0) throw new Error('the range needs notes before it to lead on from');
    const steps = gapWriter(network, parts, {
      from,
      to,
      // No note after the range: nothing to lead into, so the model continues up to its end.
      mode: parts.after.length === 0 ? 'prefix' : 'infill',
      keep: parts.inside,
      sampling: request.sampling,
      rng: createRng(request.seed),
      ...(repetition === undefined ? {} : { repetition }),
    });
    let batch: Note[] = [];
    let sent = performance.now();
    while (!job.stop) {
      const step = steps.next();
      if (step.done === true) break;
      batch.push(plainNote(step.value));
      made++;
      const now = performance.now();
      if (made === 1 || now - sent > 16) {
        post({ type: 'notes', id: job.id, notes: batch });
        batch = [];
        sent = now;
        await yieldToEvents();
      }
    }
    if (batch.length > 0) post({ type: 'notes', id: job.id, notes: batch });
    const ms = performance.now() - started;
    post({ type: 'done', id: job.id, made, kept: 0, fed: 0, ms, stopped: job.stop });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const ms = performance.now() - started;
    post({ type: 'done', id: job.id, made, kept: 0, fed: 0, ms, stopped: true, error: message });
  } finally {
    running = null;
  }
}

scope.onmessage = (event) => {
  const request = event.data;
  if (request.type === 'stop') {
    if (running?.id === request.id) running.stop = true;
    return;
  }
  queue = queue.then(async () => {
    const started = performance.now();
    try {
      if (request.type === 'load-url')
        install(await fetchModel(request.base, request.name), started, {}, request.repetition);
      else if (request.type === 'load-files') {
        const { folder, read } = pickCheckpoint(request.files);
        const name = `${request.name}${folder ? ` (${folder.replace(/\/$/, '')})` : ''}`;
        // The sampling measured for the weights, when the person picked it with them.
        const tuned = read(MODEL_SAMPLING_FILE);
        const sampling =
          tuned === undefined ? {} : decodeModelSampling(tuned, `${folder}${MODEL_SAMPLING_FILE}`);
        // And its repetition cache, likewise (a broken one fails the load, as a broken sampling.json does).
        const cache = read(MODEL_REPETITION_FILE);
        const repetition =
          cache === undefined ? undefined : decodeModelRepetition(cache, `${folder}${MODEL_REPETITION_FILE}`);
        install(decodeModel(read, name), started, sampling, repetition);
      } else if (request.type === 'fill') await fill(request);
      else await generate(request);
    } catch (error) {
      post({ type: 'load-error', message: error instanceof Error ? error.message : String(error) });
    }
  });
};
