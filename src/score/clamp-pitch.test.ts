import { describe, expect, it } from 'vitest';
import { clampPitch } from './clamp-pitch.js';

describe('clampPitch', () => {
  it('keeps pitches already in 0..119', () => {
    for (let p = 0; p < 120; p++) expect(clampPitch(p)).toBe(p);
  });
  it('moves high pitches down into octave 8 keeping the pitch class', () => {
    expect(clampPitch(127)).toBe(115);
    expect(clampPitch(120)).toBe(108);
    expect(clampPitch(71 + 1200)).toBe(119); // B4 + 100 octaves -> B8 (docs/original-system.md §2)
  });
  it('moves low pitches up into octave -1', () => {
    expect(clampPitch(60 - 1200)).toBe(0); // C4 - 100 octaves -> C-1 (docs/original-system.md §2)
    expect(clampPitch(-1)).toBe(11);
  });
});
