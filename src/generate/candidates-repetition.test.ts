import { beforeAll, describe, expect, test } from 'vitest';
import { createStepNetwork } from '../inference/create-step-network.js';
import type { StepNetwork } from '../inference/step-network.js';
import { weightMapOf } from '../model/checkpoint/weight-map.js';
import { presetConfig, type OrderedRnnConfig } from '../model/config.js';
import { createModel } from '../model/create-model.js';
import { setupBackend } from '../model/kernels/backend.js';
import { generateCandidates } from './candidates.js';
import { createComposer } from './composer.js';
import { MAX_CACHED_PLAYS } from './next-note.js';
import type { RepetitionConfig } from './repetition-cache.js';

const config: OrderedRnnConfig = {
  ...(presetConfig('ordered-lstm') as OrderedRnnConfig),
  units: 12,
  denseUnits: 8,
  blocks: 1,
  headUnits: 8,
};
const strong: RepetitionConfig = {
  orders: [6, 3],
  lambda: { delay: [0.95, 0.9], pitch: [0.98, 0.95], duration: [0.9, 0.9], velocity: [0.9, 0.9] },
  width: { delay: 0.05, duration: 0.05, velocity: 0.05 },
};
const phrase = [60, 64, 67, 72, 71, 67, 62, 65, 69, 74];
const primer = Array.from({ length: 25 }, (_, i) => ({
  pitch: phrase[i % 10]!,
  velocity: 80,
  time: i * 0.25,
  duration: 0.2,
}));
let network: StepNetwork;
let single: StepNetwork;
let other: StepNetwork;

beforeAll(async () => {
  await setupBackend('cpu');
  const model = createModel(config, { seed: 3 });
  network = createStepNetwork(config, weightMapOf(model), 4);
  single = createStepNetwork(config, weightMapOf(model), 1);
  other = createStepNetwork(config, weightMapOf(model), 1);
  model.dispose();
});

/** Share of the generated notes whose pitch continues the primer's loop. */
function loopShare(repetition: number, withCache = true): number {
  const candidates = generateCandidates(network, {
    start: primer,
    count: 4,
    // The primer has played the phrase 2.5 times: 12 notes more stay under MAX_CACHED_PLAYS plays.
    notes: 12,
    seed: 11,
    sampling: { repetition },
    ...(withCache ? { repetition: strong } : {}),
  });
  let hits = 0;
  let total = 0;
  for (const c of candidates) {
    c.notes.forEach((n, k) => {
      total++;
      if (n.pitch === phrase[(25 + k) % 10]) hits++;
    });
  }
  return hits / total;
}

describe('generateCandidates with a repetition cache', () => {
  test('a strong cache carries a looped primer on; strength 0 or no cache leaves the network alone', () => {
    const cached = loopShare(1);
    expect(cached).toBeGreaterThan(0.8);
    const off = loopShare(0);
    expect(off).toBeLessThan(0.3);
    expect(loopShare(1, false)).toBe(off); // strength 0 draws exactly what no cache draws
  });

  test('a figure already played MAX_CACHED_PLAYS times in a row is not carried on by the cache', () => {
    // A four-note figure played four times: the cache stops carrying it, so the network (whose own
    // choices rarely continue it) takes over; played twice, the cache carries it on.
    const figure = [70, 91, 79, 87];
    const looped = (times: number) =>
      Array.from({ length: 4 * times }, (_, i) => ({
        pitch: figure[i % 4]!,
        velocity: 80,
        time: i * 0.25,
        duration: 0.2,
      }));
    const share = (times: number): number => {
      const candidates = generateCandidates(network, {
        start: looped(times),
        count: 4,
        notes: 4,
        seed: 3,
        sampling: { repetition: 1 },
        repetition: strong,
      });
      let hits = 0;
      for (const c of candidates) c.notes.forEach((n, k) => (hits += n.pitch === figure[k % 4] ? 1 : 0));
      return hits / 16;
    };
    expect(MAX_CACHED_PLAYS).toBe(4);
    expect(share(2)).toBeGreaterThan(0.8);
    expect(share(4)).toBeLessThan(0.5);
  });

  test('the delay is carried on too: the primer plays every 0.25 s', () => {
    const [c] = generateCandidates(network, {
      start: primer,
      count: 4,
      notes: 10,
      seed: 11,
      sampling: { repetition: 1, delayTemperature: 0.5 },
      repetition: strong,
    });
    let previous = primer[primer.length - 1]!.time;
    const delays = c!.notes.map((n) => {
      const d = n.time - previous;
      previous = n.time;
      return d;
    });
    const near = delays.filter((d) => Math.abs(d - 0.25) < 0.05).length;
    expect(near).toBeGreaterThanOrEqual(7);
  });
});

describe('a composer with a repetition cache', () => {
  const strip = (notes: readonly { pitch: number; time: number }[]): [number, number][] =>
    notes.map((n) => [n.pitch, Math.round(n.time * 1e6)]);

  test('writes what the candidate of its seed writes', async () => {
    const composer = createComposer(single, { seed: 11, sampling: { repetition: 1 }, repetition: strong });
    composer.append(primer);
    const written = [];
    for await (const note of composer.generate({ notes: 20 })) written.push(note);
    const [candidate] = generateCandidates(single, {
      start: primer,
      count: 1,
      notes: 20,
      seed: 11,
      sampling: { repetition: 1 },
      repetition: strong,
    });
    expect(strip(written)).toEqual(strip(candidate!.notes));
  });

  test('after an edit (truncate) the cache holds only the notes kept', async () => {
    const edited = createComposer(single, { seed: 4, sampling: { repetition: 1 }, repetition: strong });
    edited.append(primer);
    for await (const _ of edited.generate({ notes: 20 })) void _;
    const kept = edited.notes.slice(0, primer.length + 5);
    edited.truncate(kept.length);
    const fresh = createComposer(other, { seed: 4, sampling: { repetition: 1 }, repetition: strong });
    fresh.append(kept);
    fresh.setRng(edited.getRngState());
    const a = [];
    for await (const note of edited.generate({ notes: 12 })) a.push(note);
    const b = [];
    for await (const note of fresh.generate({ notes: 12 })) b.push(note);
    expect(strip(a)).toEqual(strip(b));
  });
});

describe('generateCandidates with a chord cache', () => {
  // Four chords played twice, their notes in another order the second time, then the first two again.
  const progression = [
    [48, 52, 55],
    [53, 57, 60],
    [43, 55, 59],
    [45, 52, 57],
  ];
  const orders = [
    [0, 1, 2],
    [2, 0, 1],
    [1, 2, 0],
  ];
  const played = [...progression, ...progression, ...progression.slice(0, 2)].flatMap((chord, c) =>
    orders[c % 3]!.map((i, k) => ({
      pitch: chord[i]!,
      velocity: 80,
      time: c * 0.5 + k * 0.01,
      duration: 0.4,
    })),
  );
  const strongChords = {
    delay: [0.95, 0.9],
    pitch: [0.98, 0.95],
    duration: [0.9, 0.9],
    velocity: [0.9, 0.9],
  };
  const chordsOnly: RepetitionConfig = {
    orders: [6, 3],
    lambda: { delay: [0, 0], pitch: [0, 0], duration: [0, 0], velocity: [0, 0] },
    width: { delay: 0.05, duration: 0.05, velocity: 0.05 },
    chords: {
      chordBins: 3,
      orders: [5, 2],
      longContext: 12,
      lambda: { afterNone: strongChords, afterShort: strongChords, afterLong: strongChords },
      width: { delay: 0.05, duration: 0.05, velocity: 0.05 },
    },
  };
  /** Share of the first 6 notes drawn that are notes of the progression's third and fourth chords. */
  const share = (repetition: number): number => {
    const expected = new Set([...progression[2]!, ...progression[3]!]);
    const candidates = generateCandidates(network, {
      start: played,
      count: 4,
      notes: 6,
      seed: 5,
      sampling: { repetition },
      repetition: chordsOnly,
    });
    const pitches = candidates.flatMap((c) => c.notes.map((n) => n.pitch));
    return pitches.filter((p) => expected.has(p)).length / pitches.length;
  };

  test('carries on a progression whose chords are played in another order each time', () => {
    expect(share(1)).toBeGreaterThan(0.8);
    expect(share(0)).toBeLessThan(0.3);
  });
});

describe('generateCandidates with the release vote', () => {
  // Four notes held by a pedal until 3 s.
  const held = [0, 0.25, 0.5, 0.75].map((time, i) => ({
    pitch: 60 + 4 * i,
    velocity: 70,
    time,
    duration: 3 - time,
  }));
  const releaseOnly: RepetitionConfig = {
    ...strong,
    lambda: { delay: [0, 0], pitch: [0, 0], duration: [0, 0], velocity: [0, 0] },
    release: { recent: 8, width: 0.002, lambda: [0.95, 0.95, 0.95] },
  };
  /** Share of the drawn notes starting before 2.9 s that end within 20 ms of 3 s. */
  const together = (repetition: number): number => {
    const notes = generateCandidates(network, {
      start: held,
      count: 4,
      notes: 3,
      seed: 8,
      sampling: { repetition },
      repetition: releaseOnly,
    })
      .flatMap((c) => c.notes)
      .filter((n) => n.time < 2.9);
    expect(notes.length).toBeGreaterThan(3);
    return notes.filter((n) => Math.abs(n.time + n.duration - 3) < 0.02).length / notes.length;
  };

  test('a new note ends with the notes still sounding; strength 0 leaves the network alone', () => {
    expect(together(1)).toBeGreaterThan(0.7);
    expect(together(0)).toBeLessThan(0.3);
  });
});

describe('generateCandidates with a neighbour vote', () => {
  // A primer played at one touch, velocity 30 (bin 7), which a random network does not know.
  const soft = primer.map((n) => ({ ...n, velocity: 30 }));
  const neighboursOnly: RepetitionConfig = {
    ...strong,
    lambda: { delay: [0, 0], pitch: [0, 0], duration: [0, 0], velocity: [0, 0] },
    neighbours: {
      recent: 16,
      duration: { decay: 0.95, pitchScale: 1000, width: 0.02, lambda: 0 },
      velocity: { decay: 0.95, pitchScale: 1000, width: 0.02, lambda: 0.95 },
    },
  };
  /** Share of the drawn notes played at the primer's touch (velocity 28-31). */
  const atTouch = (sampling: { repetition: number; neighbours?: number }): number => {
    const notes = generateCandidates(network, {
      start: soft,
      count: 4,
      notes: 6,
      seed: 9,
      sampling,
      repetition: neighboursOnly,
    }).flatMap((c) => c.notes);
    return notes.filter((n) => n.velocity >= 28 && n.velocity <= 31).length / notes.length;
  };

  test('new notes keep the touch of the notes before them; strength 0 leaves the network alone', () => {
    expect(atTouch({ repetition: 1 })).toBeGreaterThan(0.7);
    expect(atTouch({ repetition: 1, neighbours: 0 })).toBeLessThan(0.3);
    expect(atTouch({ repetition: 0 })).toBeLessThan(0.3);
  });
});
