import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { renderNotes } from '../render/render-notes.js';
import { SoundFontError } from '../render/soundfont.js';
import { encodeWav } from '../render/wav.js';
import { peakGain } from '../render/peak.js';
import type { Note } from '../score/note.js';
import { ReadFileError } from './read-input-file.js';
import { renderAudioFile, writeAudioFile } from './render-audio-file.js';
import { defaultSoundFontPath, loadSoundFontFile } from './soundfont-file.js';

const notes: Note[] = [
  { pitch: 60, velocity: 100, time: 0, duration: 0.3 },
  { pitch: 64, velocity: 90, time: 0.25, duration: 0.3 },
  { pitch: 67, velocity: 80, time: 0.5, duration: 0.5 },
];

describe('audio files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'howl-audio-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the default SoundFont is the shipped FluidR3Mono, never the GPL TimGM6mb', async () => {
    expect(defaultSoundFontPath()).toMatch(/@librescore[/\\]sf3[/\\]FluidR3Mono_GM\.sf3\.wasm$/);
    expect((await loadSoundFontFile()).name).toMatch(/FluidR3/);
  });

  it('writeAudioFile streams a peak-normalised 16-bit WAV, the same bytes as renderAudioFile and encodeWav', async () => {
    const path = join(dir, 'piece.wav');
    const summary = await writeAudioFile(notes, path, { tailSeconds: 0.5, threads: 0, chunkFrames: 4096 });
    expect(summary).toMatchObject({ format: 'wav', sampleRate: 44100 });
    const written = new Uint8Array(await readFile(path));
    expect(written.length).toBe(44 + 4 * summary.frames);
    expect(await readdir(dir)).toEqual(['piece.wav']); // the temporary files are gone
    const inMemory = await renderAudioFile(notes, 'x.wav', undefined, { tailSeconds: 0.5, threads: 0 });
    expect(Buffer.compare(inMemory, written)).toBe(0);
    const audio = await renderNotes(notes, await loadSoundFontFile(), { tailSeconds: 0.5 });
    expect(summary.gain).toBeCloseTo(peakGain(audio), 9);
    expect(Buffer.compare(encodeWav(audio, { gain: peakGain(audio) }), written)).toBe(0);
    const samples = new Int16Array(written.buffer, 44);
    const peak = samples.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(Math.abs(peak - Math.round(32767 * 10 ** (-1 / 20)))).toBeLessThanOrEqual(1);
  });

  it('writes MP3 and Ogg by the ending, and raw levels with peakDb null', async () => {
    const mp3 = join(dir, 'piece.mp3');
    await writeAudioFile(notes, mp3, { tailSeconds: 0.2 });
    expect((await readFile(mp3))[0]).toBe(0xff);
    const ogg = await renderAudioFile(notes, 'x.ogg', undefined, { tailSeconds: 0.2 });
    expect(String.fromCharCode(...ogg.subarray(0, 4))).toBe('OggS');
    const raw = await writeAudioFile(notes, join(dir, 'raw.wav'), { peakDb: null, tailSeconds: 0.2 });
    expect(raw.gain).toBe(1);
    await rm(mp3);
    await rm(join(dir, 'raw.wav'));
  });

  it('bad input fails before writing anything: no notes, unknown ending, missing or broken SoundFont', async () => {
    const path = join(dir, 'bad.wav');
    await expect(writeAudioFile([], path)).rejects.toThrow(new InvalidArgumentError('no notes to render'));
    await expect(writeAudioFile(notes, join(dir, 'bad.flac'))).rejects.toThrow(/unknown audio format/);
    await expect(writeAudioFile(notes, path, { soundFont: join(dir, 'none.sf2') })).rejects.toThrow(
      ReadFileError,
    );
    await expect(writeAudioFile(notes, path, { soundFont: path.replace('bad.wav', '') })).rejects.toThrow(
      /it is a folder/,
    );
    await expect(renderAudioFile(notes, 'x.wav', new URL(import.meta.url).pathname)).rejects.toThrow(
      SoundFontError,
    );
    await expect(writeAudioFile(notes, join(dir, 'missing', 'x.wav'))).rejects.toThrow(/cannot write/);
    expect(await readdir(dir)).toEqual(['piece.wav']);
  });
});
