import { describe, expect, it } from 'vitest';
import { notesFrom } from './playback.js';

describe('notesFrom', () => {
  it('moves the notes after the start to 0, and keeps what is left of notes already sounding', () => {
    const notes = [
      { pitch: 60, velocity: 90, time: 0, duration: 0.5 }, // over before 1 s
      { pitch: 62, velocity: 80, time: 0.5, duration: 1 }, // sounds until 1.5 s
      { pitch: 64, velocity: 70, time: 1, duration: 0.25 },
      { pitch: 65, velocity: 60, time: 2, duration: 1 },
    ];
    expect(notesFrom(notes, 1)).toEqual([
      { pitch: 62, velocity: 80, time: 0, duration: 0.5 },
      { pitch: 64, velocity: 70, time: 0, duration: 0.25 },
      { pitch: 65, velocity: 60, time: 1, duration: 1 },
    ]);
    expect(notesFrom(notes, 5)).toEqual([]);
  });
});
