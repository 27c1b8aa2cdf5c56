import { describe, expect, test } from 'vitest';
import { TIME_BINS } from '../encoding/grid.js';
import type { V1Row } from '../encoding/v1.js';
import { ReleaseVote } from './release-vote.js';
import { validateRepetitionConfig, type ReleaseConfig } from './repetition-config.js';

const config: ReleaseConfig = { recent: 4, width: 0.002, lambda: [0.5, 0.4, 0.3] };

/** A note as a V1 row: delay and duration in seconds, pitch 60. */
const row = (delay: number, duration: number): V1Row => [delay, duration, 0.5, 0];

function fed(rows: readonly V1Row[], c: ReleaseConfig = config): ReleaseVote {
  const vote = new ReleaseVote(c);
  for (const r of rows) vote.push(r);
  return vote;
}

describe('ReleaseVote', () => {
  test('offers the durations that end the next note with a note still sounding', () => {
    // Onsets 0, 0.5, 1.0; ends 2.0 (held by the pedal), 0.9 (over before 1.2), 2.0.
    const vote = fed([row(0, 2), row(0.5, 0.4), row(0.5, 1)]);
    // The next note at 1.2 s: the notes ending at 2.0 s are 0.8 s on (bin 80); the one that ended at 0.9 does not vote.
    expect(vote.candidates(0.2)).toEqual([80]);
    const q = new Float64Array(TIME_BINS);
    expect(vote.probabilities(0.2, q)).toBe(1);
    expect(q[80]).toBeGreaterThan(0.99);
    expect(vote.probability(0.2, 80).probability).toBeCloseTo(q[80]!, 12);
    // A note ending within 20 ms of the next onset does not vote; nothing sounding, no vote.
    expect(vote.candidates(0.99)).toEqual([]);
    expect(vote.probability(1.5, 10)).toEqual({ probability: 0, votes: 0 });
  });

  test('only the last `recent` notes count, and only the latest end is voted for', () => {
    const vote = fed([row(0, 10), row(0.1, 0.05), row(0.1, 3), row(0.1, 0.05), row(0.1, 0.05), row(0.1, 2)]);
    // The first note (ending at 10 s) is 5 notes back: out of the window of 4. Of the ends 3.2 s and
    // 2.5 s still ahead of the onset at 0.6 s, the later one.
    expect(vote.candidates(0.1)).toEqual([260]);
    expect(vote.weight(1)).toBe(0.5);
  });

  test('separate: notes before the break never vote; clear forgets', () => {
    const vote = fed([row(0, 5)]);
    vote.separate();
    expect(vote.candidates(0.1)).toEqual([]);
    vote.push(row(0, 1));
    expect(vote.candidates(0.5)).toEqual([50]);
    vote.clear();
    expect(vote.candidates(0.1)).toEqual([]);
  });

  test('the config is checked, naming what is wrong', () => {
    const base = {
      orders: [2],
      lambda: { delay: [0.1], pitch: [0.1], duration: [0.1], velocity: [0.1] },
      width: { delay: 0.05, duration: 0.05, velocity: 0.05 },
    };
    expect(validateRepetitionConfig({ ...base, release: config }).release).toEqual(config);
    expect(() => validateRepetitionConfig({ ...base, release: { ...config, recent: 0 } })).toThrow(
      /release.recent/,
    );
    expect(() => validateRepetitionConfig({ ...base, release: { ...config, lambda: [1] } })).toThrow(
      /release.lambda\[0\]/,
    );
  });
});
