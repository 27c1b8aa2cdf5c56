import type { Note, Seconds } from '../../src/public/index.js';
import type { AudioReply, AudioRequest } from './worker-protocol.js';

/**
 * Playing the piece with a real piano: the audio worker renders it in chunks (spessasynth_core and
 * the SoundFont `howl render` uses) and each chunk is queued, gap-free, as a Web Audio buffer. The
 * playhead is the audio clock, so it is where the sound is. Rendering in chunks was chosen over a
 * synthesizer in an AudioWorklet: the same renderer as the CLI, no clicks when the page is busy (the
 * audio is computed seconds ahead) and the first sound comes after one short chunk.
 */
export interface Playback {
  /** Fetches and parses the SoundFont in the worker (done once; `play` waits for it). */
  preload(): Promise<void>;
  /** Plays from `from` (notes already sounding there start with it); resolves when the sound has started. */
  play(notes: readonly Note[], from: Seconds): Promise<void>;
  stop(): void;
  readonly playing: boolean;
  /** Where the sound is now, in the piece's seconds; null when not playing. */
  position(): Seconds | null;
  /** The whole piece as a 16-bit WAV file, peak-normalised. */
  renderWav(notes: readonly Note[]): Promise<Uint8Array>;
  /** Called when playback ends by itself or is stopped. */
  onEnd: () => void;
  /** Time the page's thread spends on the audio worker's messages (chunks), in ms. */
  readonly stats: { starts: number; messages: number; handlerMs: number; slowestHandlerMs: number };
  /** Milliseconds from the last `play` to its first sound being scheduled. */
  lastStartMs: number | null;
}

/** Frames per rendered chunk: 0.37 s at 44.1 kHz, short enough for a quick first sound. */
const CHUNK_FRAMES = 16384;
/** Gain applied before a limiter: the renderer's output is not normalised (a forte note peaks near 0.1). */
const OUTPUT_GAIN = 2.5;

/**
 * The notes heard when playing from `from`, moved so that `from` is 0: those starting later, and
 * those already sounding at `from` (shortened to what is left of them).
 */
export function notesFrom(notes: readonly Note[], from: Seconds): Note[] {
  const heard: Note[] = [];
  for (const n of notes) {
    const end = n.time + n.duration;
    if (n.time >= from)
      heard.push({ pitch: n.pitch, velocity: n.velocity, time: n.time - from, duration: n.duration });
    else if (end > from) heard.push({ pitch: n.pitch, velocity: n.velocity, time: 0, duration: end - from });
  }
  return heard;
}

export function createPlayback(soundFontUrl: string): Playback {
  const worker = new Worker(new URL('./audio-worker.ts', import.meta.url), { type: 'module' });
  const s: PlaybackState = {
    send: (request) => worker.postMessage(request),
    ready: null,
    readyHandlers: null,
    audio: null,
    nextId: 1,
    current: null,
    wavWaiters: new Map(),
    onEnd: () => playback.onEnd(),
  };

  worker.onmessage = (event: MessageEvent<AudioReply>) => {
    const started = performance.now();
    handleReply(s, playback, event.data);
    const spent = performance.now() - started;
    playback.stats.messages++;
    playback.stats.handlerMs += spent;
    playback.stats.slowestHandlerMs = Math.max(playback.stats.slowestHandlerMs, spent);
  };

  const playback: Playback = {
    preload() {
      if (s.ready === null) {
        s.ready = new Promise<void>((resolve, reject) => (s.readyHandlers = { resolve, reject }));
        s.ready.catch(() => {});
        s.send({ type: 'load-soundfont', url: soundFontUrl });
      }
      return s.ready;
    },
    async play(notes, from) {
      finish(s);
      playback.lastStartMs = null;
      playback.stats.starts++;
      const { context: ctx } = audioOutput(s);
      if (ctx.state !== 'running') await ctx.resume();
      await playback.preload();
      const shifted = notesFrom(notes, from);
      if (shifted.length === 0) return;
      await startJob(s, ctx, shifted, from);
    },
    stop: () => finish(s),
    get playing() {
      return s.current !== null;
    },
    position() {
      const { current, audio } = s;
      if (current === null || audio === null) return null;
      if (current.startAt === null) return current.from;
      return current.from + Math.max(0, audio.context.currentTime - current.startAt);
    },
    async renderWav(notes) {
      await playback.preload();
      const id = s.nextId++;
      const bytes = new Promise<Uint8Array>((resolve, reject) => s.wavWaiters.set(id, { resolve, reject }));
      s.send({ type: 'wav', id, notes: notes.map((n) => ({ ...n })) });
      return bytes;
    },
    onEnd: () => {},
    lastStartMs: null,
    stats: { starts: 0, messages: 0, handlerMs: 0, slowestHandlerMs: 0 },
  };
  return playback;
}

/** The Web Audio graph the chunks play through: a gain, then a limiter. */
interface AudioOutput {
  context: AudioContext;
  output: AudioNode;
}

/** One `play`: the chunks queued so far, from the render request `id`. */
interface PlayJob {
  id: number;
  /** Where in the piece it started. */
  from: Seconds;
  /** The audio clock's time of the first chunk (null until it arrives). */
  startAt: number | null;
  queuedFrames: number;
  sampleRate: number;
  /** The worker has sent its last chunk. */
  done: boolean;
  sources: AudioBufferSourceNode[];
  /** `performance.now()` at the request. */
  requested: number;
  /** Resolves `play` (at the first chunk, or when stopped before). */
  started: () => void;
  timer: number;
}

/** What `createPlayback`'s methods share. */
interface PlaybackState {
  readonly send: (request: AudioRequest) => void;
  ready: Promise<void> | null;
  readyHandlers: { resolve: () => void; reject: (error: Error) => void } | null;
  /** Made at the first `play` (browsers want a gesture before audio starts). */
  audio: AudioOutput | null;
  nextId: number;
  current: PlayJob | null;
  readonly wavWaiters: Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>;
  /** Calls the playback's `onEnd` (which the page replaces). */
  readonly onEnd: () => void;
}

/** The audio graph, made on first use. */
function audioOutput(s: PlaybackState): AudioOutput {
  if (s.audio === null) {
    const ctx = new AudioContext({ latencyHint: 'interactive' });
    const gain = ctx.createGain();
    gain.gain.value = OUTPUT_GAIN;
    const limiter = ctx.createDynamicsCompressor();
    limiter.threshold.value = -3;
    limiter.ratio.value = 20;
    limiter.attack.value = 0.002;
    limiter.release.value = 0.1;
    gain.connect(limiter).connect(ctx.destination);
    s.audio = { context: ctx, output: gain };
  }
  return s.audio;
}

/** Stops the current job, if any: its sound, its timer, the worker's rendering; then `onEnd`. */
function finish(s: PlaybackState): void {
  if (s.current === null) return;
  const job = s.current;
  s.current = null;
  clearInterval(job.timer);
  for (const source of job.sources) {
    try {
      source.stop();
    } catch {
      // not started yet
    }
  }
  s.send({ type: 'cancel', id: job.id });
  job.started();
  s.onEnd();
}

/** Asks the worker to render `notes` (moved to start at 0); resolves at the first sound. */
function startJob(s: PlaybackState, ctx: AudioContext, notes: Note[], from: Seconds): Promise<void> {
  const id = s.nextId++;
  let started = (): void => {};
  const whenStarted = new Promise<void>((resolve) => (started = resolve));
  s.current = {
    id,
    from,
    startAt: null,
    queuedFrames: 0,
    sampleRate: ctx.sampleRate,
    done: false,
    sources: [],
    requested: performance.now(),
    started,
    // Tells the worker how far the sound is (it renders at most 6 s ahead), and ends the job
    // once the last chunk has been heard.
    timer: window.setInterval(() => {
      const job = s.current;
      if (job === null || job.startAt === null) return;
      const played = ctx.currentTime - job.startAt;
      s.send({ type: 'position', id: job.id, seconds: played });
      if (job.done && played > job.queuedFrames / job.sampleRate) finish(s);
    }, 200),
  };
  s.send({ type: 'render', id, notes, sampleRate: ctx.sampleRate, chunkFrames: CHUNK_FRAMES });
  return whenStarted;
}

/** Queues a rendered chunk right after the ones before it (the first starts 50 ms from now). */
function queueChunk(s: PlaybackState, playback: Playback, reply: AudioReply & { type: 'chunk' }): void {
  const job = s.current;
  if (job === null || job.id !== reply.id) return;
  const { context: ctx, output } = audioOutput(s);
  const buffer = ctx.createBuffer(2, reply.left.length, reply.sampleRate);
  buffer.copyToChannel(reply.left as Float32Array<ArrayBuffer>, 0);
  buffer.copyToChannel(reply.right as Float32Array<ArrayBuffer>, 1);
  const source = ctx.createBufferSource();
  source.buffer = buffer;
  source.connect(output);
  if (job.startAt === null) {
    job.startAt = ctx.currentTime + 0.05;
    playback.lastStartMs = performance.now() - job.requested;
    job.started();
  }
  source.start(job.startAt + job.queuedFrames / reply.sampleRate);
  job.queuedFrames += reply.left.length;
  job.sampleRate = reply.sampleRate;
  job.sources.push(source);
  source.onended = () => {
    job.sources = job.sources.filter((x) => x !== source);
  };
}

function handleReply(s: PlaybackState, playback: Playback, reply: AudioReply): void {
  switch (reply.type) {
    case 'soundfont-ready':
      s.readyHandlers?.resolve();
      break;
    case 'soundfont-error':
      s.readyHandlers?.reject(new Error(reply.message));
      break;
    case 'chunk':
      queueChunk(s, playback, reply);
      break;
    case 'render-done':
      if (s.current?.id === reply.id) {
        s.current.done = true;
        if (reply.error !== undefined) {
          console.error(`playback: ${reply.error}`);
          finish(s);
        }
      }
      break;
    case 'wav': {
      const waiter = s.wavWaiters.get(reply.id);
      s.wavWaiters.delete(reply.id);
      if (reply.bytes) waiter?.resolve(reply.bytes);
      else waiter?.reject(new Error(reply.error ?? 'the WAV render failed'));
      break;
    }
  }
}
