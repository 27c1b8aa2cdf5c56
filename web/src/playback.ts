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
  const send = (request: AudioRequest): void => worker.postMessage(request);
  let ready: Promise<void> | null = null;
  let readyHandlers: { resolve: () => void; reject: (error: Error) => void } | null = null;
  let audio: { context: AudioContext; output: AudioNode } | null = null;
  let nextId = 1;
  let current: {
    id: number;
    from: Seconds;
    startAt: number | null;
    queuedFrames: number;
    sampleRate: number;
    done: boolean;
    sources: AudioBufferSourceNode[];
    requested: number;
    started: () => void;
    timer: number;
  } | null = null;
  const wavWaiters = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();

  const context = (): { context: AudioContext; output: AudioNode } => {
    if (audio === null) {
      const ctx = new AudioContext({ latencyHint: 'interactive' });
      const gain = ctx.createGain();
      gain.gain.value = OUTPUT_GAIN;
      const limiter = ctx.createDynamicsCompressor();
      limiter.threshold.value = -3;
      limiter.ratio.value = 20;
      limiter.attack.value = 0.002;
      limiter.release.value = 0.1;
      gain.connect(limiter).connect(ctx.destination);
      audio = { context: ctx, output: gain };
    }
    return audio;
  };

  const finish = (): void => {
    if (current === null) return;
    const job = current;
    current = null;
    clearInterval(job.timer);
    for (const source of job.sources) {
      try {
        source.stop();
      } catch {
        // not started yet
      }
    }
    send({ type: 'cancel', id: job.id });
    job.started();
    playback.onEnd();
  };

  worker.onmessage = (event: MessageEvent<AudioReply>) => {
    const started = performance.now();
    handle(event.data);
    const spent = performance.now() - started;
    playback.stats.messages++;
    playback.stats.handlerMs += spent;
    playback.stats.slowestHandlerMs = Math.max(playback.stats.slowestHandlerMs, spent);
  };

  const handle = (reply: AudioReply): void => {
    switch (reply.type) {
      case 'soundfont-ready':
        readyHandlers?.resolve();
        break;
      case 'soundfont-error':
        readyHandlers?.reject(new Error(reply.message));
        break;
      case 'chunk': {
        const job = current;
        if (job === null || job.id !== reply.id) return;
        const { context: ctx, output } = context();
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
          job.sources = job.sources.filter((s) => s !== source);
        };
        break;
      }
      case 'render-done':
        if (current?.id === reply.id) {
          current.done = true;
          if (reply.error !== undefined) {
            console.error(`playback: ${reply.error}`);
            finish();
          }
        }
        break;
      case 'wav': {
        const waiter = wavWaiters.get(reply.id);
        wavWaiters.delete(reply.id);
        if (reply.bytes) waiter?.resolve(reply.bytes);
        else waiter?.reject(new Error(reply.error ?? 'the WAV render failed'));
        break;
      }
    }
  };

  const playback: Playback = {
    preload() {
      if (ready === null) {
        ready = new Promise<void>((resolve, reject) => (readyHandlers = { resolve, reject }));
        ready.catch(() => {});
        send({ type: 'load-soundfont', url: soundFontUrl });
      }
      return ready;
    },
    async play(notes, from) {
      finish();
      playback.lastStartMs = null;
      playback.stats.starts++;
      const { context: ctx } = context();
      if (ctx.state !== 'running') await ctx.resume();
      await playback.preload();
      const shifted = notesFrom(notes, from);
      if (shifted.length === 0) return;
      const id = nextId++;
      let started = (): void => {};
      const whenStarted = new Promise<void>((resolve) => (started = resolve));
      current = {
        id,
        from,
        startAt: null,
        queuedFrames: 0,
        sampleRate: ctx.sampleRate,
        done: false,
        sources: [],
        requested: performance.now(),
        started,
        timer: window.setInterval(() => {
          const job = current;
          if (job === null || job.startAt === null) return;
          const played = ctx.currentTime - job.startAt;
          send({ type: 'position', id: job.id, seconds: played });
          if (job.done && played > job.queuedFrames / job.sampleRate) finish();
        }, 200),
      };
      send({ type: 'render', id, notes: shifted, sampleRate: ctx.sampleRate, chunkFrames: CHUNK_FRAMES });
      await whenStarted;
    },
    stop: finish,
    get playing() {
      return current !== null;
    },
    position() {
      if (current === null || audio === null) return null;
      if (current.startAt === null) return current.from;
      return current.from + Math.max(0, audio.context.currentTime - current.startAt);
    },
    async renderWav(notes) {
      await playback.preload();
      const id = nextId++;
      const bytes = new Promise<Uint8Array>((resolve, reject) => wavWaiters.set(id, { resolve, reject }));
      send({ type: 'wav', id, notes: notes.map((n) => ({ ...n })) });
      return bytes;
    },
    onEnd: () => {},
    lastStartMs: null,
    stats: { starts: 0, messages: 0, handlerMs: 0, slowestHandlerMs: 0 },
  };
  return playback;
}
