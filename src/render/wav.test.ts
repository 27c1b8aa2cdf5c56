import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { audioFormatOfPath, checkEncodable, createAudioEncoder } from './audio-encoder.js';
import { peakAmplitude, peakGain } from './peak.js';
import { encodeWav, wavHeader } from './wav.js';

/** Reads the fields of a WAV file we care about. */
function parseWav(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  expect(text(0)).toBe('RIFF');
  expect(view.getUint32(4, true)).toBe(bytes.length - 8);
  expect(text(8)).toBe('WAVE');
  const chunks = new Map<string, { at: number; size: number }>();
  for (let at = 12; at + 8 <= bytes.length;) {
    const size = view.getUint32(at + 4, true);
    chunks.set(text(at), { at: at + 8, size });
    at += 8 + size + (size & 1);
  }
  const fmt = chunks.get('fmt ')!;
  const data = chunks.get('data')!;
  return {
    format: view.getUint16(fmt.at, true),
    channels: view.getUint16(fmt.at + 2, true),
    sampleRate: view.getUint32(fmt.at + 4, true),
    byteRate: view.getUint32(fmt.at + 8, true),
    bits: view.getUint16(fmt.at + 14, true),
    fact: chunks.has('fact') ? view.getUint32(chunks.get('fact')!.at, true) : undefined,
    data: bytes.slice(data.at, data.at + data.size),
  };
}

const audio = {
  sampleRate: 48000,
  left: Float32Array.from([0, 0.5, -0.5, 1, -1.5]),
  right: Float32Array.from([0.25, -0.25, 0, 2, 0.1]),
};

describe('encodeWav', () => {
  it('writes 16-bit stereo PCM: interleaved, scaled by 32767, rounded, clipped to full scale', () => {
    const wav = parseWav(encodeWav(audio));
    expect(wav).toMatchObject({ format: 1, channels: 2, sampleRate: 48000, byteRate: 48000 * 4, bits: 16 });
    const samples = new Int16Array(wav.data.buffer);
    // Halves round up (Math.round): 0.5 → 16383.5 → 16384, -0.5 → -16383.
    expect(Array.from(samples)).toEqual([0, 8192, 16384, -8192, -16383, 0, 32767, 32767, -32767, 3277]);
  });

  it('writes 32-bit float with the fact chunk, gain applied', () => {
    const wav = parseWav(encodeWav(audio, { format: 'float32', gain: 2 }));
    expect(wav).toMatchObject({ format: 3, channels: 2, bits: 32, fact: 5 });
    expect(Array.from(new Float32Array(wav.data.buffer))).toEqual(
      [0, 0.5, 1, -0.5, -1, 0, 2, 4, -3, 0.2].map(Math.fround),
    );
  });

  it('refuses lengths past 4 GiB', () => {
    expect(() => wavHeader(2 ** 30, 44100, 'int16')).toThrow(InvalidArgumentError);
  });
});

describe('peak normalisation', () => {
  it('finds the largest absolute sample and the gain that puts it at -1 dBFS', () => {
    expect(peakAmplitude(audio.left, audio.right)).toBe(2);
    expect(peakGain(audio)).toBeCloseTo(10 ** (-1 / 20) / 2, 12);
    expect(peakGain(0.5, 0)).toBe(2);
    expect(peakGain(0)).toBe(1); // silence stays silence
  });
});

describe('audio encoders', () => {
  it('picks the format from the file ending, case-insensitively', () => {
    expect(audioFormatOfPath('a/b/Piece.WAV')).toBe('wav');
    expect(audioFormatOfPath('x.mp3')).toBe('mp3');
    expect(audioFormatOfPath('x.ogg')).toBe('ogg');
    expect(() => audioFormatOfPath('x.flac')).toThrow(
      'x.flac: unknown audio format (use .wav, .mp3 or .ogg)',
    );
    expect(() => audioFormatOfPath('dir.wav/x')).toThrow(/unknown audio format/);
    expect(() => checkEncodable('mp3', 96000)).toThrow(/MP3 cannot store 96000 Hz/);
  });

  it('streams WAV: the first piece carries the header, the pieces make the same file as encodeWav', async () => {
    const encoder = await createAudioEncoder('wav', { sampleRate: 48000, frames: 5, gain: 1 });
    const pieces = [
      encoder.encode(audio.left.subarray(0, 2), audio.right.subarray(0, 2)),
      encoder.encode(audio.left.subarray(2), audio.right.subarray(2)),
      encoder.finish(),
    ];
    const joined = new Uint8Array(pieces.flatMap((p) => Array.from(p)));
    expect(joined).toEqual(encodeWav(audio));
  });

  it('encodes MP3 (MPEG frame sync) and Ogg Vorbis (OggS pages) offline', async () => {
    const frames = 44100;
    const left = Float32Array.from(
      { length: frames },
      (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 44100),
    );
    for (const [format, check] of [
      ['mp3', (b: Uint8Array) => b[0] === 0xff && (b[1]! & 0xe0) === 0xe0],
      ['ogg', (b: Uint8Array) => String.fromCharCode(...b.subarray(0, 4)) === 'OggS'],
    ] as const) {
      const encoder = await createAudioEncoder(format, { sampleRate: 44100, frames, gain: 1 });
      const bytes = [...encoder.encode(left, left), ...encoder.finish()];
      expect(bytes.length).toBeGreaterThan(2000);
      expect(check(Uint8Array.from(bytes))).toBe(true);
    }
  });
});
