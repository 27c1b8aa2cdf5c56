import { open, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  audioFormatOfPath,
  checkEncodable,
  createAudioEncoder,
  type AudioFormat,
} from '../render/audio-encoder.js';
import { DEFAULT_PEAK_DB, peakAmplitude, peakGain } from '../render/peak.js';
import { resolveRenderOptions, type StereoAudio } from '../render/render-notes.js';
import type { SoundFont } from '../render/soundfont.js';
import type { Note } from '../score/note.js';
import { removeStaleTempFilesOnce, writeFileAtomicStream, WriteFileError } from './atomic-write.js';
import { describeFsError } from './file-system-errors.js';
import { renderNoteChunksThreaded, type ThreadedRenderOptions } from './render-threads.js';
import { loadSoundFontFile } from './soundfont-file.js';

/** Options of `renderAudioFile` and `writeAudioFile`. */
export interface AudioFileOptions extends ThreadedRenderOptions {
  /** The SoundFont: a path, or one already parsed. Default: the shipped FluidR3Mono (`defaultSoundFontPath`). */
  soundFont?: string | SoundFont;
  /** The file format. Default: from the path's ending (`.wav`, `.mp3`, `.ogg`). */
  format?: AudioFormat;
  /**
   * Peak normalisation: the loudest sample is brought to this many dB full scale (`peakGain`).
   * `null` keeps the synthesizer's raw level. Default -1.
   */
  peakDb?: number | null;
}

/** What `writeAudioFile` did. */
export interface AudioFileSummary {
  readonly format: AudioFormat;
  readonly sampleRate: number;
  /** Stereo frames written. */
  readonly frames: number;
  /** Peak amplitude of the raw render, before normalisation. */
  readonly peak: number;
  /** The gain applied. */
  readonly gain: number;
  /** Seconds spent rendering (synthesis and reverb), and in all. */
  readonly renderSeconds: number;
  readonly totalSeconds: number;
}

let spillCounter = 0;

function soundFontOf(option: string | SoundFont | undefined): Promise<SoundFont> {
  return typeof option === 'object' ? Promise.resolve(option) : loadSoundFontFile(option);
}

function gainFor(peak: number, peakDb: number | null | undefined): number {
  return peakDb === null ? 1 : peakGain(peak, peakDb ?? DEFAULT_PEAK_DB);
}

/**
 * Renders notes with a SoundFont piano and encodes them as an audio file in memory, normalised to
 * -1 dBFS peak by default; the caller writes the bytes (with `writeFileAtomic`). It holds the whole
 * piece as float and as encoded bytes (about 12 bytes a frame for WAV, 95 MB for three minutes): for
 * long pieces, `writeAudioFile` streams with bounded memory.
 *
 * @param notes - the notes (`readMidi(bytes).notes`, or generated); at least one
 * @param path - the output file's name, whose ending picks the format (`.wav`, `.mp3`, `.ogg`)
 * @param soundFontPath - a `.sf2`/`.sf3` file; default the shipped FluidR3Mono
 * @param options - render, thread and normalisation options
 * @returns the file's bytes
 * @throws {InvalidArgumentError} No notes, a bad note or option, an unknown file ending.
 * @throws {ReadFileError | SoundFontError} When the SoundFont cannot be read or parsed.
 * @example await writeFileAtomic('piece.wav', await renderAudioFile(notes, 'piece.wav'));
 */
export async function renderAudioFile(
  notes: readonly Note[],
  path: string,
  soundFontPath?: string,
  options: AudioFileOptions = {},
): Promise<Uint8Array> {
  const format = options.format ?? audioFormatOfPath(path);
  checkEncodable(format, resolveRenderOptions(options).sampleRate);
  const soundFont = await soundFontOf(soundFontPath ?? options.soundFont);
  const chunks: StereoAudio[] = [];
  let peak = 0;
  for await (const chunk of renderNoteChunksThreaded(notes, soundFont, options)) {
    chunks.push(chunk);
    peak = Math.max(peak, peakAmplitude(chunk.left, chunk.right));
  }
  const frames = chunks.reduce((sum, c) => sum + c.left.length, 0);
  const sampleRate = chunks[0]?.sampleRate ?? 44100;
  const encoder = await createAudioEncoder(format, {
    sampleRate,
    frames,
    gain: gainFor(peak, options.peakDb),
  });
  const parts = chunks.map((c) => encoder.encode(c.left, c.right));
  parts.push(encoder.finish());
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Renders notes and writes them as an audio file with bounded memory, whatever the length: the
 * render streams chunk by chunk into a temporary float file beside `path` while the peak is measured,
 * then a second pass reads it back, normalises, encodes and writes `path` atomically
 * (`writeFileAtomicStream`). Memory holds a few chunks (2^16 frames each), not the piece. The
 * temporary files are removed on success and on failure; `path` is never left half-written.
 *
 * @param notes - the notes; at least one
 * @param path - the file to write; its ending picks the format unless `options.format`
 * @param options - SoundFont, render, thread and normalisation options
 * @returns what was written
 * @throws {InvalidArgumentError} No notes, a bad note or option, an unknown file ending.
 * @throws {ReadFileError | SoundFontError} When the SoundFont cannot be read or parsed.
 * @throws {WriteFileError} When `path` cannot be written.
 * @example await writeAudioFile(readMidi(bytes).notes, 'piece.mp3', { threads: 2 });
 */
export async function writeAudioFile(
  notes: readonly Note[],
  path: string,
  options: AudioFileOptions = {},
): Promise<AudioFileSummary> {
  const began = performance.now();
  const format = options.format ?? audioFormatOfPath(path);
  checkEncodable(format, resolveRenderOptions(options).sampleRate);
  const soundFont = await soundFontOf(options.soundFont);
  await removeStaleTempFilesOnce(dirname(path)); // spills of killed renders, before making one
  const spillPath = join(dirname(path), `.${basename(path)}.${process.pid}.${++spillCounter}.render.tmp`);
  let spill: FileHandle | undefined;
  try {
    try {
      spill = await open(spillPath, 'w+');
    } catch (error) {
      throw new WriteFileError(
        path,
        `cannot create a temporary file beside it: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const lengths: number[] = [];
    let peak = 0;
    let sampleRate = 44100;
    for await (const chunk of renderNoteChunksThreaded(notes, soundFont, options)) {
      sampleRate = chunk.sampleRate;
      peak = Math.max(peak, peakAmplitude(chunk.left, chunk.right));
      lengths.push(chunk.left.length);
      try {
        await spill.writeFile(bytesOf(chunk.left)); // at the current position, all of it
        await spill.writeFile(bytesOf(chunk.right));
      } catch (error) {
        throw new WriteFileError(path, describeFsError(error, path), { cause: error }); // a full disk
      }
    }
    const rendered = performance.now();
    const frames = lengths.reduce((sum, n) => sum + n, 0);
    const gain = gainFor(peak, options.peakDb);
    const encoder = await createAudioEncoder(format, { sampleRate, frames, gain });
    const source = spill;
    async function* encoded(): AsyncGenerator<Uint8Array> {
      let position = 0;
      for (const length of lengths) {
        const left = new Float32Array(length);
        const right = new Float32Array(length);
        await readFully(source, bytesOf(left), position);
        await readFully(source, bytesOf(right), position + left.byteLength);
        position += left.byteLength + right.byteLength;
        yield encoder.encode(left, right);
      }
      yield encoder.finish();
    }
    await writeFileAtomicStream(path, encoded());
    return {
      format,
      sampleRate,
      frames,
      peak,
      gain,
      renderSeconds: (rendered - began) / 1000,
      totalSeconds: (performance.now() - began) / 1000,
    };
  } finally {
    await spill?.close();
    await rm(spillPath, { force: true });
  }
}

function bytesOf(samples: Float32Array): Uint8Array {
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

async function readFully(file: FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < into.length;) {
    const { bytesRead } = await file.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error('the temporary render file ended early');
    done += bytesRead;
  }
}
