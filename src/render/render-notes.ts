import { InvalidArgumentError } from '../errors.js';
import type { Note } from '../score/note.js';
import { createDryRenderer, type DryChunk } from './dry-renderer.js';
import { createHallReverb } from './hall-reverb.js';
import { BLOCK_FRAMES } from './note-schedule.js';
import type { SoundFont } from './soundfont.js';

/** Default sample rate: 44.1 kHz. */
export const DEFAULT_SAMPLE_RATE = 44100;
/** Default seconds rendered after the last note ends, for the piano's release and the reverb. */
export const DEFAULT_TAIL_SECONDS = 2;
/** Default frames per chunk: 2^16, 1.49 s at 44.1 kHz, 512 KiB of stereo float. */
export const DEFAULT_CHUNK_FRAMES = 65536;

/** Options of `renderNotes` and `renderNoteChunks`. */
export interface RenderOptions {
  /** Frames per second, an integer in 8000..192000. Default 44100. */
  sampleRate?: number;
  /** Seconds rendered after the last note ends, 0..60. Default 2. */
  tailSeconds?: number;
  /** Add the hall reverb (spessasynth_core's default, GS "Hall 2"). Default true. */
  reverb?: boolean;
  /** Frames per chunk, a multiple of 128. Default 65536. */
  chunkFrames?: number;
}

/** Options after defaults and checks. */
export interface ResolvedRenderOptions {
  readonly sampleRate: number;
  readonly tailSeconds: number;
  readonly reverb: boolean;
  readonly chunkFrames: number;
}

/** Stereo audio as two float channels, nominally in -1..1. */
export interface StereoAudio {
  readonly sampleRate: number;
  readonly left: Float32Array;
  readonly right: Float32Array;
}

/**
 * Applies the defaults of `RenderOptions` and checks the values.
 *
 * @throws {InvalidArgumentError} "sample rate 1000 is not an integer in 8000..192000"
 */
export function resolveRenderOptions(options: RenderOptions = {}): ResolvedRenderOptions {
  const sampleRate = options.sampleRate ?? DEFAULT_SAMPLE_RATE;
  const tailSeconds = options.tailSeconds ?? DEFAULT_TAIL_SECONDS;
  const chunkFrames = options.chunkFrames ?? DEFAULT_CHUNK_FRAMES;
  if (!(Number.isInteger(sampleRate) && sampleRate >= 8000 && sampleRate <= 192000)) {
    throw new InvalidArgumentError(`sample rate ${sampleRate} is not an integer in 8000..192000`);
  }
  if (!(Number.isFinite(tailSeconds) && tailSeconds >= 0 && tailSeconds <= 60)) {
    throw new InvalidArgumentError(`tail ${tailSeconds} s is not a number of seconds in 0..60`);
  }
  if (!(Number.isInteger(chunkFrames) && chunkFrames > 0 && chunkFrames % BLOCK_FRAMES === 0)) {
    throw new InvalidArgumentError(
      `chunk of ${chunkFrames} frames is not a positive multiple of ${BLOCK_FRAMES}`,
    );
  }
  return { sampleRate, tailSeconds, reverb: options.reverb ?? true, chunkFrames };
}

/** @throws {InvalidArgumentError} "no notes to render" */
export function checkHasNotes(notes: readonly Note[]): void {
  if (notes.length === 0) throw new InvalidArgumentError('no notes to render');
}

/** A zeroed chunk buffer. */
export function createDryChunk(frames: number): DryChunk & { frames: number } {
  return {
    frames,
    left: new Float32Array(frames),
    right: new Float32Array(frames),
    send: new Float32Array(frames),
  };
}

/**
 * Renders notes with a piano from a SoundFont, one chunk of stereo audio at a time, so that memory
 * stays bounded however long the piece. Every note plays on program 0 of the bank (its piano) with
 * its own velocity; durations are taken as given (the sustain pedal is already in them when the
 * notes come from `readMidi`). The render runs to the last note's end plus `tailSeconds`, and adds
 * spessasynth_core's default hall reverb unless `reverb: false`. The output is not normalised: a
 * piano piece peaks somewhere between 0.05 and 0.5 (see `peakGain`).
 *
 * The yielded arrays are fresh for each chunk; the last chunk may be shorter.
 *
 * @param notes - the notes, in any order; at least one
 * @param soundFont - from `loadSoundFont`
 * @param options - sample rate, tail, reverb, chunk size
 * @returns an async generator of stereo chunks
 * @throws {InvalidArgumentError} "no notes to render", a bad note field or option.
 * @example
 * for await (const chunk of renderNoteChunks(score.notes, soundFont)) player.enqueue(chunk.left, chunk.right);
 */
export async function* renderNoteChunks(
  notes: readonly Note[],
  soundFont: SoundFont,
  options: RenderOptions = {},
): AsyncGenerator<StereoAudio> {
  const { sampleRate, tailSeconds, reverb: withReverb, chunkFrames } = resolveRenderOptions(options);
  checkHasNotes(notes);
  const dry = await createDryRenderer(soundFont, notes, { sampleRate, tailSeconds });
  const reverb = createHallReverb(sampleRate);
  for (;;) {
    const chunk = createDryChunk(chunkFrames);
    const frames = dry.renderInto(chunk, chunkFrames);
    if (frames === 0) return;
    if (withReverb) reverb.process(chunk.send, chunk.left, chunk.right, 0, frames);
    yield {
      sampleRate,
      left: frames === chunkFrames ? chunk.left : chunk.left.slice(0, frames),
      right: frames === chunkFrames ? chunk.right : chunk.right.slice(0, frames),
    };
  }
}

/**
 * Renders notes to one stereo buffer: `renderNoteChunks` put together. It holds the whole piece
 * (8 bytes a frame: 64 MB for three minutes at 44.1 kHz); for long pieces stream the chunks instead.
 *
 * @param notes - the notes; at least one
 * @param soundFont - from `loadSoundFont`
 * @param options - sample rate, tail, reverb
 * @returns the audio, not normalised
 * @throws {InvalidArgumentError} "no notes to render", a bad note field or option.
 * @example
 * const audio = await renderNotes(score.notes, soundFont);
 * const wav = encodeWav(audio, { gain: peakGain(audio) });
 */
export async function renderNotes(
  notes: readonly Note[],
  soundFont: SoundFont,
  options: RenderOptions = {},
): Promise<StereoAudio> {
  const resolved = resolveRenderOptions(options);
  const chunks: StereoAudio[] = [];
  for await (const chunk of renderNoteChunks(notes, soundFont, resolved)) chunks.push(chunk);
  const frames = chunks.reduce((sum, c) => sum + c.left.length, 0);
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  let at = 0;
  for (const chunk of chunks) {
    left.set(chunk.left, at);
    right.set(chunk.right, at);
    at += chunk.left.length;
  }
  return { sampleRate: resolved.sampleRate, left, right };
}
