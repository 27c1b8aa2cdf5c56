/**
 * The audio Web Worker: parses the SoundFont once and renders the piece with the same piano as
 * `howl render` (spessasynth_core, FluidR3Mono's grand piano, hall reverb), in chunks that the page
 * queues on Web Audio. It renders only a few seconds ahead of what has been played, so a long piece
 * costs little memory, and stops as soon as playback stops. It also renders whole pieces to WAV.
 */
import {
  encodeWav,
  loadSoundFont,
  peakGain,
  renderNoteChunks,
  renderNotes,
  type SoundFont,
} from '../../src/public/index.js';
import { yieldToEvents, type AudioReply, type AudioRequest, type WorkerScope } from './worker-protocol.js';

const scope = self as unknown as WorkerScope<AudioRequest, AudioReply>;
const post = (reply: AudioReply, transfer: Transferable[] = []): void => scope.postMessage(reply, transfer);

/** Seconds rendered ahead of the playback position before the worker waits. */
const AHEAD_SECONDS = 6;

let soundFont: Promise<SoundFont> | null = null;
interface Job {
  readonly id: number;
  played: number;
  cancelled: boolean;
  wake: () => void;
}
const jobs = new Map<number, Job>();

async function render(request: Extract<AudioRequest, { type: 'render' }>): Promise<void> {
  const job: Job = { id: request.id, played: 0, cancelled: false, wake: () => {} };
  jobs.set(job.id, job);
  try {
    if (soundFont === null) throw new Error('the SoundFont is not loaded');
    const bank = await soundFont;
    let rendered = 0;
    const chunks = renderNoteChunks(request.notes, bank, {
      sampleRate: request.sampleRate,
      chunkFrames: request.chunkFrames,
      tailSeconds: 1.5,
    });
    for await (const chunk of chunks) {
      if (job.cancelled) break;
      const { left, right, sampleRate } = chunk;
      post({ type: 'chunk', id: job.id, left, right, sampleRate }, [left.buffer, right.buffer]);
      rendered += left.length / sampleRate;
      await yieldToEvents();
      while (!job.cancelled && rendered - job.played > AHEAD_SECONDS) {
        await new Promise<void>((resolve) => (job.wake = resolve));
      }
    }
    post({ type: 'render-done', id: job.id });
  } catch (error) {
    post({ type: 'render-done', id: job.id, error: error instanceof Error ? error.message : String(error) });
  } finally {
    jobs.delete(job.id);
  }
}

async function wav(request: Extract<AudioRequest, { type: 'wav' }>): Promise<void> {
  try {
    if (soundFont === null) throw new Error('the SoundFont is not loaded');
    const audio = await renderNotes(request.notes, await soundFont);
    const bytes = encodeWav(audio, { gain: peakGain(audio) });
    post({ type: 'wav', id: request.id, bytes }, [bytes.buffer]);
  } catch (error) {
    post({ type: 'wav', id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
}

async function load(url: string): Promise<SoundFont> {
  const started = performance.now();
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch the SoundFont ${url}: HTTP ${response.status}`);
  const bank = loadSoundFont(new Uint8Array(await response.arrayBuffer()), { file: url });
  post({ type: 'soundfont-ready', name: bank.name, ms: performance.now() - started });
  return bank;
}

scope.onmessage = (event) => {
  const request = event.data;
  switch (request.type) {
    case 'load-soundfont':
      soundFont = load(request.url);
      soundFont.catch((error: unknown) =>
        post({ type: 'soundfont-error', message: error instanceof Error ? error.message : String(error) }),
      );
      break;
    case 'render':
      void render(request);
      break;
    case 'position': {
      const job = jobs.get(request.id);
      if (job) {
        job.played = request.seconds;
        job.wake();
      }
      break;
    }
    case 'cancel': {
      const job = jobs.get(request.id);
      if (job) {
        job.cancelled = true;
        job.wake();
      }
      break;
    }
    case 'wav':
      void wav(request);
      break;
  }
};
