import { createMp3Encoder, createOggEncoder } from 'wasm-media-encoders';
import { InvalidArgumentError } from '../errors.js';
import { encodeWavSamples, wavHeader } from './wav.js';

/**
 * Audio file formats: 16-bit PCM WAV, 32-bit float WAV, MP3 (LAME, VBR quality 2, about 190 kb/s)
 * and Ogg Vorbis (quality 5, about 160 kb/s). MP3 and Ogg come from wasm-media-encoders (MIT, the
 * encoders compiled to WebAssembly and inlined in its JavaScript, so they work offline and in
 * browsers).
 */
export type AudioFormat = 'wav' | 'wav-float' | 'mp3' | 'ogg';

/** File-name endings and their formats. */
export const AUDIO_EXTENSIONS: Readonly<Record<string, AudioFormat>> = {
  '.wav': 'wav',
  '.wave': 'wav',
  '.mp3': 'mp3',
  '.ogg': 'ogg',
  '.oga': 'ogg',
};

/** Sample rates MP3 can store. */
const MP3_SAMPLE_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;

/**
 * The format a file name asks for, from its ending (case-insensitive).
 *
 * @param path - a file name or path
 * @returns the format
 * @throws {InvalidArgumentError} "piece.flac: unknown audio format (use .wav, .mp3 or .ogg)"
 * @example audioFormatOfPath('out/Piece.MP3'); // 'mp3'
 */
export function audioFormatOfPath(path: string): AudioFormat {
  const dot = path.lastIndexOf('.');
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const ending = dot > slash ? path.slice(dot).toLowerCase() : '';
  const format = AUDIO_EXTENSIONS[ending];
  if (format === undefined) {
    throw new InvalidArgumentError(`${path}: unknown audio format (use .wav, .mp3 or .ogg)`);
  }
  return format;
}

/**
 * Checks that a format can store audio at a sample rate (MP3 takes only its nine rates), so that a
 * long render is not wasted.
 *
 * @throws {InvalidArgumentError} "MP3 cannot store 96000 Hz audio (it takes 8000, ...)"
 * @example checkEncodable('mp3', 44100); // fine
 */
export function checkEncodable(format: AudioFormat, sampleRate: number): void {
  if (format === 'mp3' && !(MP3_SAMPLE_RATES as readonly number[]).includes(sampleRate)) {
    throw new InvalidArgumentError(
      `MP3 cannot store ${sampleRate} Hz audio (it takes ${MP3_SAMPLE_RATES.join(', ')})`,
    );
  }
}

/** Turns stereo float chunks into the bytes of an audio file, in order. */
export interface AudioEncoder {
  /** The file's MIME type. */
  readonly mimeType: string;
  /** Encodes the next chunk, after multiplying it by the encoder's gain; returns the bytes to append. */
  encode(left: Float32Array, right: Float32Array): Uint8Array;
  /** Flushes the encoder; returns the last bytes. Call once, after the last chunk. */
  finish(): Uint8Array;
}

/** Settings of `createAudioEncoder`. */
export interface AudioEncoderOptions {
  /** Hz. MP3 takes 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100 or 48000. */
  sampleRate: number;
  /** Stereo frames that will be encoded in all (needed by WAV's header). */
  frames: number;
  /** Factor applied to every sample. Default 1. */
  gain?: number;
}

/**
 * Creates a streaming encoder. The first bytes `encode` returns for WAV include the header.
 *
 * @param format - the file format
 * @param options - sample rate, total frames, gain
 * @returns the encoder
 * @throws {InvalidArgumentError} When MP3 cannot take the sample rate, or WAV the length.
 * @example
 * const encoder = await createAudioEncoder('mp3', { sampleRate: 44100, frames, gain });
 * for (const c of chunks) parts.push(encoder.encode(c.left, c.right));
 * parts.push(encoder.finish());
 */
export async function createAudioEncoder(
  format: AudioFormat,
  options: AudioEncoderOptions,
): Promise<AudioEncoder> {
  const { sampleRate, frames } = options;
  const gain = options.gain ?? 1;
  if (format === 'wav' || format === 'wav-float') {
    const sampleFormat = format === 'wav' ? 'int16' : 'float32';
    let header: Uint8Array | undefined = wavHeader(frames, sampleRate, sampleFormat);
    return {
      mimeType: 'audio/wav',
      encode(left, right) {
        const data = encodeWavSamples(left, right, sampleFormat, gain);
        if (header === undefined) return data;
        const out = new Uint8Array(header.length + data.length);
        out.set(header);
        out.set(data, header.length);
        header = undefined;
        return out;
      },
      finish: () => header ?? new Uint8Array(0),
    };
  }
  checkEncodable(format, sampleRate);
  let encoder: WasmEncoder;
  if (format === 'mp3') {
    const mp3 = await createMp3Encoder();
    mp3.configure({ sampleRate, channels: 2, vbrQuality: 2 });
    encoder = mp3;
  } else {
    const ogg = await createOggEncoder();
    ogg.configure({ sampleRate, channels: 2, vbrQuality: 5 });
    encoder = ogg;
  }
  return wrapWasmEncoder(encoder, gain);
}

/** What we use of a wasm-media-encoders encoder, once configured. */
interface WasmEncoder {
  readonly mimeType: string;
  encode(samples: readonly Float32Array[]): Uint8Array;
  finalize(): Uint8Array;
}

function wrapWasmEncoder(encoder: WasmEncoder, gain: number): AudioEncoder {
  let scratchLeft = new Float32Array(0);
  let scratchRight = new Float32Array(0);
  return {
    mimeType: encoder.mimeType,
    encode(left, right) {
      const n = Math.min(left.length, right.length);
      if (scratchLeft.length < n) {
        scratchLeft = new Float32Array(n);
        scratchRight = new Float32Array(n);
      }
      for (let i = 0; i < n; i++) {
        scratchLeft[i] = left[i]! * gain;
        scratchRight[i] = right[i]! * gain;
      }
      // The encoder returns a view of its own memory, reused by the next call: copy it.
      return encoder.encode([scratchLeft.subarray(0, n), scratchRight.subarray(0, n)]).slice();
    },
    finish: () => encoder.finalize().slice(),
  };
}
