import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../test-support/built-cli.js';
import { repoRoot } from '../test-support/shared-data.js';
import { renderNotes, type StereoAudio } from '../render/render-notes.js';
import type { Note } from '../score/note.js';
import { defaultRenderThreads, renderNoteChunksThreaded } from './render-threads.js';
import { loadSoundFontFile } from './soundfont-file.js';

/** Three seconds of a dense pattern over four octaves, with repeated and overlapping notes. */
const notes: Note[] = Array.from({ length: 60 }, (_, i) => ({
  pitch: 36 + ((i * 7) % 48),
  velocity: 40 + ((i * 13) % 80),
  time: i * 0.05,
  duration: 0.1 + ((i * 3) % 7) * 0.1,
}));

async function collect(chunks: AsyncIterable<StereoAudio>): Promise<{ left: number[]; right: number[] }> {
  const left: number[] = [];
  const right: number[] = [];
  for await (const chunk of chunks) {
    left.push(...chunk.left);
    right.push(...chunk.right);
  }
  return { left, right };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};

describe('renderNoteChunksThreaded', () => {
  it('renders on the calling thread by default for short pieces and on two cores', () => {
    expect(defaultRenderThreads(5)).toBe(0);
    const cores = availableParallelism();
    expect(defaultRenderThreads(180)).toBe(cores <= 2 ? 0 : Math.min(4, cores - 1));
  });

  it('from TypeScript sources, where workers cannot start, falls back to the calling thread: same audio', async () => {
    const soundFont = await loadSoundFontFile();
    const inline = await renderNotes(notes, soundFont, { tailSeconds: 0.5 });
    const threaded = await collect(
      renderNoteChunksThreaded(notes, soundFont, { threads: 1, tailSeconds: 0.5 }),
    );
    expect(threaded.left.length).toBe(inline.left.length);
    expect(maxAbsDiff(threaded.left, inline.left)).toBe(0);
  });

  describe('on worker threads (the built dist/)', () => {
    beforeAll(() => ensureBuilt(join('node', 'render-worker.js')));

    it('the sum of 2 threads equals the one-thread render to float rounding', async () => {
      expect(existsSync(join(repoRoot, 'dist', 'node', 'render-worker.js'))).toBe(true);
      const built = (await import(
        join(repoRoot, 'dist', 'node', 'render-threads.js')
      )) as typeof import('./render-threads.js');
      const soundFont = await loadSoundFontFile();
      const options = { tailSeconds: 0.5, chunkFrames: 32768 };
      const inline = await collect(
        built.renderNoteChunksThreaded(notes, soundFont, { ...options, threads: 0 }),
      );
      const peak = inline.left.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expect(peak).toBeGreaterThan(0.05);
      for (const threads of [2]) {
        const threaded = await collect(
          built.renderNoteChunksThreaded(notes, soundFont, { ...options, threads }),
        );
        expect(threaded.left.length).toBe(inline.left.length);
        expect(maxAbsDiff(threaded.left, inline.left)).toBeLessThan(1e-6 * peak);
        expect(maxAbsDiff(threaded.right, inline.right)).toBeLessThan(1e-6 * peak);
      }
    });
  });
});
