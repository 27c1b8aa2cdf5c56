import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createComposer, type Note } from '../../src/public/index.js';
import { firstNoteInRange, pitchIntoRange, syncComposer } from './composer-session.js';
import { plainNote } from './editor-state.js';
import { decodeModel, networkOf } from './model-loader.js';

const modelDir = join(import.meta.dirname, '../../models/piano-lstm192');
const model = decodeModel((file) => new Uint8Array(readFileSync(join(modelDir, file))), 'piano-lstm192');

describe('syncComposer', () => {
  it('rolls back to the first edited note and then writes what a fresh composer would', () => {
    const composer = createComposer(networkOf(model), { seed: 3 });
    for (let i = 0; i < 20; i++) composer.next();
    const edited: Note[] = composer.notes.map(plainNote).filter((_, i) => i !== 10); // a note deleted
    expect(syncComposer(composer, edited)).toEqual({ kept: 10, fed: 9 });
    expect(composer.notes.map(plainNote)).toEqual(edited);
    expect(syncComposer(composer, edited)).toEqual({ kept: 19, fed: 0 }); // nothing to do

    const fresh = createComposer(networkOf(model), { seed: 99 });
    fresh.append(edited);
    composer.setRng(5);
    fresh.setRng(5);
    const next = (c: typeof composer): Note[] => Array.from({ length: 8 }, () => plainNote(c.next()));
    // Generated notes carry the network's own float32 delay; the fresh composer recomputes delays
    // from onsets in float64, so the two agree to within float32 rounding, not bit for bit.
    const [a, b] = [next(composer), next(fresh)];
    expect(a.map((n) => n.pitch)).toEqual(b.map((n) => n.pitch));
    a.forEach((n, i) => {
      expect(n.time).toBeCloseTo(b[i]!.time, 3);
      expect(n.duration).toBeCloseTo(b[i]!.duration, 3);
    });
  });

  it('follows a piece that grew, shrank or was replaced', () => {
    const composer = createComposer(networkOf(model), { seed: 1 });
    const notes: Note[] = [0, 1, 2, 3].map((i) => ({
      pitch: 60 + i,
      velocity: 80,
      time: i * 0.25,
      duration: 0.2,
    }));
    expect(syncComposer(composer, notes)).toEqual({ kept: 0, fed: 4 });
    expect(syncComposer(composer, notes.slice(0, 2))).toEqual({ kept: 2, fed: 0 });
    expect(composer.notes).toHaveLength(2);
    expect(syncComposer(composer, [])).toEqual({ kept: 0, fed: 0 });
    expect(composer.notes).toHaveLength(0);
  });

  it('writes the same notes again from the same seed, after rolling back', () => {
    const composer = createComposer(networkOf(model), { seed: 1 });
    const write = (): Note[] => {
      composer.setRng(42);
      return Array.from({ length: 12 }, () => plainNote(composer.next()));
    };
    const first = write();
    syncComposer(composer, []);
    expect(write()).toEqual(first);
  });
});

describe('the pitch range and the first note', () => {
  it('moves a pitch by octaves into the range, or clamps it to a range under an octave', () => {
    expect(pitchIntoRange(60, 0, 119)).toBe(60);
    expect(pitchIntoRange(50, 70, 90)).toBe(74);
    expect(pitchIntoRange(80, 21, 60)).toBe(56);
    expect(pitchIntoRange(50, 70, 72)).toBe(70);
    expect(pitchIntoRange(100, 70, 72)).toBe(72);
  });

  it("keeps an empty piece's random first note in the person's range", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const composer = createComposer(networkOf(model), { seed, sampling: { minPitch: 84, maxPitch: 96 } });
      composer.next();
      const first = firstNoteInRange(composer);
      expect(first.pitch).toBeGreaterThanOrEqual(84);
      expect(first.pitch).toBeLessThanOrEqual(96);
      expect(plainNote(composer.notes[0]!)).toEqual(first);
      for (let i = 0; i < 10; i++) {
        const { pitch } = composer.next();
        expect(pitch >= 84 && pitch <= 96).toBe(true);
      }
    }
  });
});
