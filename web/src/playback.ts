import type { BeatGrid, Note, Seconds } from '../../src/public/index.js';
import { plainNote, type TimeRange } from './editor-state.js';
import { clicksBetween, pieceTime, timelineFrom, timelineNotes, type Timeline } from './play-timeline.js';
import type { AudioReply, AudioRequest } from './worker-protocol.js';

export { notesFrom } from './play-timeline.js';

/** How to play: a range to repeat, and the metronome's grid (read as it plays: null, no click). */
export interface PlayOptions {
  readonly loop?: TimeRange | null;
  readonly click?: () => BeatGrid | null;
}

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
  /**
   * Plays from `from` (notes already sounding there start with it), or round a loop (from its
   * start when `from` is outside it), with or without a click; resolves when the sound has started.
   */
  play(notes: readonly Note[], from: Seconds, options?: PlayOptions): Promise<void>;
  /**
   * Adds notes (piece time) to what is playing: the model's, written while it plays. They are
   * rendered on their own and mixed in on the audio clock; notes less than 0.15 s ahead of the
   * sound are left out. Returns how many will be heard, or null when nothing can be added now
   * (not playing, the first sound not there yet, or a loop playing).
   */
  add(notes: readonly Note[]): number | null;
  stop(): void;
  readonly playing: boolean;
  /** Where the sound is now, in the piece's seconds; null when not playing. */
  position(): Seconds | null;
  /** The whole piece as a 16-bit WAV file, peak-normalised. */
  renderWav(notes: readonly Note[]): Promise<Uint8Array>;
  /** Called when playback ends by itself or is stopped. */
  onEnd: () => void;
  /** Time the page's thread spends on the audio worker's messages (chunks), in ms. */
  readonly stats: {
    starts: number;
    messages: number;
    handlerMs: number;
    slowestHandlerMs: number;
    /** Metronome clicks scheduled. */
    clicks: number;
    /** Notes added while playing (`add`), and the renders that carried them. */
    added: number;
    addedRenders: number;
  };
  /** Milliseconds from the last `play` to its first sound being scheduled. */
  lastStartMs: number | null;
}

/** Frames per rendered chunk: 0.37 s at 44.1 kHz, short enough for a quick first sound. */
const CHUNK_FRAMES = 16384;
/** Gain applied before a limiter: the renderer's output is not normalised (a forte note peaks near 0.1). */
const OUTPUT_GAIN = 2.5;

/** The metronome is scheduled this far ahead of the sound (seconds). */
const CLICK_AHEAD = 0.6;
/** Notes added while playing must start at least this far ahead of the sound (seconds). */
const ADD_LEAD = 0.15;

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
    clicked: () => playback.stats.clicks++,
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
    async play(notes, from, options = {}) {
      finish(s);
      playback.lastStartMs = null;
      playback.stats.starts++;
      const { context: ctx } = audioOutput(s);
      if (ctx.state !== 'running') await ctx.resume();
      await playback.preload();
      const timeline = timelineFrom(from, options.loop ?? null);
      const shifted = timelineNotes(notes, timeline);
      if (shifted.length === 0) return;
      await startJob(s, ctx, shifted, timeline, options.click ?? (() => null));
    },
    add(notes) {
      const job = s.current;
      if (job === null || job.startAt === null || s.audio === null || job.timeline.loop !== null) return null;
      const soon = s.audio.context.currentTime - job.startAt + ADD_LEAD;
      const { from } = job.timeline;
      const ahead = notes.filter((n) => n.time - from >= soon);
      if (ahead.length === 0) return 0;
      const offset = Math.min(...ahead.map((n) => n.time - from));
      const id = s.nextId++;
      job.overlays.set(id, { offset, queuedFrames: 0, done: false });
      const moved = ahead.map((n) => ({ ...plainNote(n), time: n.time - from - offset }));
      s.send({ type: 'render', id, notes: moved, sampleRate: job.sampleRate, chunkFrames: CHUNK_FRAMES });
      playback.stats.added += ahead.length;
      playback.stats.addedRenders++;
      return ahead.length;
    },
    stop: () => finish(s),
    get playing() {
      return s.current !== null;
    },
    position() {
      const { current, audio } = s;
      if (current === null || audio === null) return null;
      if (current.startAt === null) return current.timeline.from;
      return pieceTime(current.timeline, audio.context.currentTime - current.startAt);
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
    stats: {
      starts: 0,
      messages: 0,
      handlerMs: 0,
      slowestHandlerMs: 0,
      clicks: 0,
      added: 0,
      addedRenders: 0,
    },
  };
  return playback;
}

/** The Web Audio graph the chunks play through: a gain, then a limiter. */
interface AudioOutput {
  context: AudioContext;
  output: AudioNode;
}

/** Notes added while playing: their own render, `offset` seconds into the play. */
interface Overlay {
  readonly offset: Seconds;
  queuedFrames: number;
  done: boolean;
}

/** One `play`: the chunks queued so far, from the render request `id` (and the overlays' renders). */
interface PlayJob {
  id: number;
  overlays: Map<number, Overlay>;
  /** Where in the piece it started, and the loop it goes round. */
  timeline: Timeline;
  /** The metronome's grid now (null: no click), and how far (seconds of playing) it is scheduled. */
  click: () => BeatGrid | null;
  clickedUntil: Seconds;
  /** The audio clock's time of the first chunk (null until it arrives). */
  startAt: number | null;
  queuedFrames: number;
  sampleRate: number;
  /** The worker has sent its last chunk. */
  done: boolean;
  sources: AudioScheduledSourceNode[];
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
  /** Counts a metronome click. */
  readonly clicked: () => void;
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
  for (const id of job.overlays.keys()) s.send({ type: 'cancel', id });
  job.started();
  s.onEnd();
}

/** Asks the worker to render `notes` (moved to start at 0); resolves at the first sound. */
function startJob(
  s: PlaybackState,
  ctx: AudioContext,
  notes: Note[],
  timeline: Timeline,
  click: () => BeatGrid | null,
): Promise<void> {
  const id = s.nextId++;
  let started = (): void => {};
  const whenStarted = new Promise<void>((resolve) => (started = resolve));
  s.current = {
    id,
    overlays: new Map(),
    timeline,
    click,
    clickedUntil: 0,
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
      let end = job.done ? job.queuedFrames / job.sampleRate : Infinity;
      for (const [id, o] of job.overlays) {
        s.send({ type: 'position', id, seconds: played - o.offset });
        end = Math.max(end, o.done ? o.offset + o.queuedFrames / job.sampleRate : Infinity);
      }
      scheduleClicks(s, job);
      if (played > end) finish(s);
    }, 200),
  };
  s.send({ type: 'render', id, notes, sampleRate: ctx.sampleRate, chunkFrames: CHUNK_FRAMES });
  return whenStarted;
}

/** Queues a rendered chunk right after the ones before it (the first starts 50 ms from now). */
function queueChunk(s: PlaybackState, playback: Playback, reply: AudioReply & { type: 'chunk' }): void {
  const job = s.current;
  const overlay = job?.overlays.get(reply.id);
  if (job === null || (job.id !== reply.id && (overlay === undefined || job.startAt === null))) return;
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
    scheduleClicks(s, job);
  }
  if (overlay !== undefined) {
    source.start(job.startAt + overlay.offset + overlay.queuedFrames / reply.sampleRate);
    overlay.queuedFrames += reply.left.length;
  } else {
    source.start(job.startAt + job.queuedFrames / reply.sampleRate);
    job.queuedFrames += reply.left.length;
    job.sampleRate = reply.sampleRate;
  }
  job.sources.push(source);
  source.onended = () => {
    job.sources = job.sources.filter((x) => x !== source);
  };
}

/**
 * Schedules the metronome's clicks for the next `CLICK_AHEAD` seconds on the audio clock: a short
 * sine blip a beat, higher on the first beat of a bar. Turning the click off stops them within
 * `CLICK_AHEAD` and turning it on starts them within a timer tick (0.2 s).
 */
function scheduleClicks(s: PlaybackState, job: PlayJob): void {
  const grid = job.click();
  if (s.audio === null || job.startAt === null) return;
  const ctx = s.audio.context;
  const now = Math.max(0, ctx.currentTime - job.startAt);
  const from = Math.max(job.clickedUntil, now);
  const until = now + CLICK_AHEAD;
  job.clickedUntil = until;
  if (grid === null) return;
  for (const click of clicksBetween(job.timeline, grid, from, until)) {
    const at = job.startAt + click.at;
    const tone = ctx.createOscillator();
    tone.frequency.value = click.downbeat ? 1760 : 1320;
    const envelope = ctx.createGain();
    envelope.gain.setValueAtTime(0, at);
    envelope.gain.linearRampToValueAtTime(click.downbeat ? 0.35 : 0.22, at + 0.002);
    envelope.gain.exponentialRampToValueAtTime(0.001, at + 0.06);
    tone.connect(envelope).connect(ctx.destination);
    tone.start(at);
    tone.stop(at + 0.07);
    job.sources.push(tone);
    s.clicked();
    tone.onended = () => {
      job.sources = job.sources.filter((x) => x !== tone);
    };
  }
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
      if (s.current?.overlays.has(reply.id)) s.current.overlays.get(reply.id)!.done = true;
      else if (s.current?.id === reply.id) {
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
