import { InvalidArgumentError } from '../errors.js';
import type { StereoAudio } from './render-notes.js';

/** Sample format of a WAV file: 16-bit integer PCM, or 32-bit IEEE float. */
export type WavSampleFormat = 'int16' | 'float32';

/** Options of `encodeWav`. */
export interface EncodeWavOptions {
  /** Default `'int16'`. */
  format?: WavSampleFormat;
  /** Factor applied to every sample before encoding (e.g. from `peakGain`). Default 1. */
  gain?: number;
}

const CHANNELS = 2;
/** The largest data chunk a WAV file can describe (its sizes are 32-bit). */
const MAX_DATA_BYTES = 0xffffffff - 64;

function bytesPerSample(format: WavSampleFormat): number {
  return format === 'int16' ? 2 : 4;
}

/**
 * The header of a stereo WAV file: RIFF, `fmt ` (PCM, or IEEE float with a `fact` chunk as the
 * format asks for non-PCM data), and the `data` chunk's header. 44 bytes for int16, 58 for float32.
 *
 * @param frames - stereo frames in the data chunk that follows
 * @param sampleRate - in Hz
 * @param format - the sample format
 * @returns the header bytes
 * @throws {InvalidArgumentError} When the data would pass WAV's 4 GiB limit.
 * @example const header = wavHeader(44100, 44100, 'int16'); // one second of 16-bit stereo
 */
export function wavHeader(frames: number, sampleRate: number, format: WavSampleFormat): Uint8Array {
  const sampleBytes = bytesPerSample(format);
  const dataBytes = frames * CHANNELS * sampleBytes;
  if (dataBytes > MAX_DATA_BYTES) {
    throw new InvalidArgumentError(`${frames} frames do not fit in a WAV file (4 GiB at most)`);
  }
  const isFloat = format === 'float32';
  const fmtBytes = isFloat ? 18 : 16;
  const headerBytes = 12 + 8 + fmtBytes + (isFloat ? 12 : 0) + 8;
  const bytes = new Uint8Array(headerBytes);
  const view = new DataView(bytes.buffer);
  let at = 0;
  const ascii = (text: string): void => {
    for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
  };
  const u32 = (value: number): void => {
    view.setUint32(at, value, true);
    at += 4;
  };
  const u16 = (value: number): void => {
    view.setUint16(at, value, true);
    at += 2;
  };
  ascii('RIFF');
  u32(headerBytes - 8 + dataBytes);
  ascii('WAVE');
  ascii('fmt ');
  u32(fmtBytes);
  u16(isFloat ? 3 : 1); // WAVE_FORMAT_IEEE_FLOAT or WAVE_FORMAT_PCM
  u16(CHANNELS);
  u32(sampleRate);
  u32(sampleRate * CHANNELS * sampleBytes);
  u16(CHANNELS * sampleBytes);
  u16(sampleBytes * 8);
  if (isFloat) {
    u16(0); // cbSize: no extension
    ascii('fact');
    u32(4);
    u32(frames);
  }
  ascii('data');
  u32(dataBytes);
  return bytes;
}

/**
 * Interleaves and encodes stereo samples as WAV data: `left[i] * gain`, `right[i] * gain`, ... For
 * int16 each sample is clipped to -1..1 and scaled by 32767, rounded to nearest (no dither).
 *
 * @param left - left channel
 * @param right - right channel, as long as `left`
 * @param format - the sample format
 * @param gain - factor applied first
 * @returns the data bytes (little-endian)
 * @example const data = encodeWavSamples(chunk.left, chunk.right, 'int16', 2.5);
 */
export function encodeWavSamples(
  left: Float32Array,
  right: Float32Array,
  format: WavSampleFormat,
  gain = 1,
): Uint8Array {
  const frames = Math.min(left.length, right.length);
  if (format === 'float32') {
    const out = new Float32Array(frames * CHANNELS);
    for (let i = 0; i < frames; i++) {
      out[2 * i] = left[i]! * gain;
      out[2 * i + 1] = right[i]! * gain;
    }
    return littleEndianBytes(out);
  }
  const out = new Int16Array(frames * CHANNELS);
  const scale = 32767 * gain;
  for (let i = 0; i < frames; i++) {
    const l = left[i]! * scale;
    const r = right[i]! * scale;
    out[2 * i] = Math.round(l > 32767 ? 32767 : l < -32767 ? -32767 : l);
    out[2 * i + 1] = Math.round(r > 32767 ? 32767 : r < -32767 ? -32767 : r);
  }
  return littleEndianBytes(out);
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of a typed array in little-endian order (a view when the platform is little-endian). */
function littleEndianBytes(array: Int16Array | Float32Array): Uint8Array {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (littleEndian) return bytes;
  const size = array.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  return bytes;
}

/**
 * Encodes stereo audio as a WAV file.
 *
 * @param audio - the audio (`renderNotes` gives it)
 * @param options - sample format (default 16-bit PCM) and gain (default 1; `peakGain(audio)` normalises)
 * @returns the file's bytes
 * @throws {InvalidArgumentError} When the audio passes WAV's 4 GiB limit.
 * @example await writeFileAtomic('piece.wav', encodeWav(audio, { gain: peakGain(audio) }));
 */
export function encodeWav(audio: StereoAudio, options: EncodeWavOptions = {}): Uint8Array {
  const format = options.format ?? 'int16';
  const frames = Math.min(audio.left.length, audio.right.length);
  const header = wavHeader(frames, audio.sampleRate, format);
  const data = encodeWavSamples(audio.left, audio.right, format, options.gain ?? 1);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}
