import { describe, expect, test } from 'vitest';
import { TIME_BINS, VELOCITY_BINS } from '../encoding/grid.js';
import type { V1Row } from '../encoding/v1.js';
import { NeighbourVote } from './neighbour-vote.js';
import { validateRepetitionConfig, type NeighbourConfig } from './repetition-config.js';

const config: NeighbourConfig = {
  recent: 4,
  duration: { decay: 0.9, pitchScale: 2, width: 0.001, lambda: 0.1 },
  velocity: { decay: 0.5, pitchScale: 1000, width: 0.001, lambda: 0.2 },
};

/** A note as a V1 row: 0.1 s after the last, `duration` seconds long, MIDI velocity `velocity`. */
const row = (pitch: number, duration: number, velocity: number): V1Row => [
  0.1,
  duration,
  velocity / 127,
  pitch - 60,
];

function fed(rows: readonly V1Row[], c: NeighbourConfig = config): NeighbourVote {
  const vote = new NeighbourVote(c);
  for (const r of rows) vote.push(r);
  return vote;
}

describe('NeighbourVote', () => {
  test('the notes near in pitch vote for the duration, the nearer the more', () => {
    // A left hand (C2, 1 s notes) and a right hand (C5, 0.1 s notes).
    const vote = fed([row(36, 1, 40), row(72, 0.1, 90), row(38, 1, 40), row(74, 0.1, 90)]);
    const q = new Float64Array(TIME_BINS);
    expect(vote.probabilities('duration', 73, q)).toBe(true);
    expect(q.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // Near C5 the short notes carry nearly all the weight: e^(-35/2) is nothing.
    expect(q[10]!).toBeGreaterThan(0.99);
    expect(vote.probabilities('duration', 37, q)).toBe(true);
    expect(q[100]!).toBeGreaterThan(0.99);
    // One bin, as scoring asks, equals the whole row's.
    expect(vote.probability('duration', 37, 100)).toBeCloseTo(q[100]!, 12);
  });

  test('older notes weigh less (decay), and only the last `recent` vote', () => {
    // Velocities 20, 40, 60, 80, 100 (bins 5, 10, 15, 20, 25); pitch does not matter (scale 1000).
    const vote = fed([20, 40, 60, 80, 100].map((v) => row(60, 0.5, v)));
    const q = new Float64Array(VELOCITY_BINS);
    vote.probabilities('velocity', 60, q);
    // Weights 1, 0.5, 0.25, 0.125 for the last four (nearly: the pitch factor is e^0): 8/15, 4/15 ...
    expect(q[25]!).toBeCloseTo(8 / 15, 2);
    expect(q[20]!).toBeCloseTo(4 / 15, 2);
    expect(q[5]!).toBeLessThan(1e-6); // the first note is 5 back: out of the window of 4
  });

  test('separate: notes before the break never vote; clear forgets', () => {
    const vote = fed([row(60, 0.5, 64)]);
    vote.separate();
    expect(vote.probability('velocity', 60, 16)).toBeNull();
    expect(vote.probabilities('velocity', 60, new Float64Array(VELOCITY_BINS))).toBe(false);
    vote.push(row(60, 0.5, 64));
    expect(vote.probability('velocity', 60, 16)!).toBeGreaterThan(0.9);
    vote.clear();
    expect(vote.probability('duration', 60, 50)).toBeNull();
  });

  test('the config is checked, naming what is wrong', () => {
    const base = {
      orders: [2],
      lambda: { delay: [0.1], pitch: [0.1], duration: [0.1], velocity: [0.1] },
      width: { delay: 0.05, duration: 0.05, velocity: 0.05 },
    };
    expect(validateRepetitionConfig({ ...base, neighbours: config }).neighbours).toEqual(config);
    expect(() => validateRepetitionConfig({ ...base, neighbours: { ...config, recent: 0 } })).toThrow(
      /neighbours.recent/,
    );
    const badDecay = { ...config, velocity: { ...config.velocity, decay: 0 } };
    expect(() => validateRepetitionConfig({ ...base, neighbours: badDecay })).toThrow(
      /neighbours.velocity.decay/,
    );
    const badLambda = { ...config, duration: { ...config.duration, lambda: 1 } };
    expect(() => validateRepetitionConfig({ ...base, neighbours: badLambda })).toThrow(
      /neighbours.duration.lambda/,
    );
  });
});
