import { beforeAll, describe, expect, test } from 'vitest';
import { TIME_BINS, VELOCITY_BINS } from '../encoding/grid.js';
import type { InfillInput } from '../encoding/infill-input.js';
import type { V1Row } from '../encoding/v1.js';
import { createStepNetwork } from '../inference/create-step-network.js';
import type { OrderedStepNetwork } from '../inference/step-network.js';
import { weightMapOf } from '../model/checkpoint/weight-map.js';
import { presetConfig, type OrderedRnnConfig } from '../model/config.js';
import { createModel } from '../model/create-model.js';
import { setupBackend } from '../model/kernels/backend.js';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import { PITCH_COUNT } from '../score/clamp-pitch.js';
import type { Note } from '../score/note.js';
import { cutAroundGap, fillGap, gapContextRows, gapRepetitionCache } from './infill.js';
import type { RepetitionConfig } from './repetition-cache.js';

const TINY: OrderedRnnConfig = {
  ...(presetConfig('ordered-lstm') as OrderedRnnConfig),
  units: 16,
  denseUnits: 12,
  blocks: 1,
  headUnits: 8,
  infill: true,
};

/**
 * A stand-in network whose next delay is always `delay` seconds (one bin holds all the mass but a
 * trace), pitch 60; it records what it reads.
 */
function fixedDelayNetwork(
  delay: number,
): OrderedStepNetwork & { fed: V1Row[]; infill: (InfillInput | null)[] } {
  const delayLogits = new Float32Array(TIME_BINS).fill(-30);
  delayLogits[Math.round(delay / 0.01)] = 0;
  const pitch = new Float32Array(PITCH_COUNT).fill(-30);
  pitch[60] = 0;
  const rest = {
    duration: new Float32Array(TIME_BINS).fill(0),
    velocity: new Float32Array(VELOCITY_BINS).fill(0),
  };
  const fed: V1Row[] = [];
  const infill: (InfillInput | null)[] = [];
  let current: InfillInput | null = null;
  return {
    kind: 'ordered',
    config: TINY,
    batch: 1,
    stateSize: 1,
    delayLogits,
    fed,
    infill,
    pitchLogitsGiven: () => pitch,
    restLogitsGiven: () => rest,
    step(rows) {
      fed.push(rows[0]!);
      infill.push(current);
    },
    saveState: () => new Float32Array(1),
    loadState: () => undefined,
    reset() {
      fed.length = 0;
      infill.length = 0;
      current = null;
    },
    setInfill(_row, input) {
      current = input;
    },
  };
}

/** Notes every 0.25 s from 0 to 20 s, climbing through an octave. */
const piece: Note[] = Array.from({ length: 81 }, (_, i) => ({
  pitch: 60 + (i % 12),
  velocity: 64 + (i % 5),
  time: i * 0.25,
  duration: 0.2,
}));

let weights: WeightMap;
beforeAll(async () => {
  await setupBackend('cpu');
  const model = createModel(TINY, { seed: 3 });
  weights = weightMapOf(model);
  model.dispose();
});

describe('filling a gap', () => {
  test('the sampler stops at the gap’s end: the note drawn past it is dropped', () => {
    const net = fixedDelayNetwork(0.5);
    // Gap [5.1, 7.3): the prefix ends at 5.0; delays in the 0.50-0.51 s bin put notes at about 5.5,
    // 6.0, 6.5 and 7.0; the next, at about 7.5, is past the end.
    const filled = fillGap(net, piece, { from: 5.1, to: 7.3, seed: 1 });
    expect(filled.ended).toBe('gap-end');
    const times = filled.written.map((n) => n.time);
    expect(times).toHaveLength(4);
    times.forEach((t, i) => expect(t - (5.5 + 0.5 * i)).toBeGreaterThanOrEqual(0));
    times.forEach((t, i) => expect(t - (5.5 + 0.5 * i)).toBeLessThan(0.01 * (i + 1)));
    expect(filled.replaced).toHaveLength(9); // 5.25 .. 7.25
    expect(filled.notes.filter((n) => n.time < 5.1)).toEqual(piece.filter((n) => n.time < 5.1));
    expect(filled.notes.filter((n) => n.time >= 7.3)).toEqual(piece.filter((n) => n.time >= 7.3));
    // Each written note was fed with the time left to the gap's end.
    const middle = net.infill.filter((i) => i?.segment === 'middle').map((i) => i!.untilEnd);
    expect(middle).toEqual(times.map((t) => 7.3 - t));
    expect(net.infill.filter((i) => i?.segment === 'middle').every((i) => i!.summary !== undefined)).toBe(
      true,
    );
  });

  test('the first note waits for the gap’s start; a guard on the number of notes', () => {
    // The prefix's last note is at 5.0 and the gap starts at 5.77: the 0.1 s delays that would land
    // before it are masked, so the first written note starts at the gap's start or later.
    const filled = fillGap(fixedDelayNetwork(0.1), piece, { from: 5.77, to: 6.5, seed: 2 });
    expect(filled.written[0]!.time).toBeGreaterThanOrEqual(5.77);
    expect(filled.written.every((n) => n.time >= 5.77 && n.time < 6.5)).toBe(true);
    const limited = fillGap(fixedDelayNetwork(0.01), piece, { from: 5.1, to: 9, seed: 2, maxNotes: 10 });
    expect(limited.ended).toBe('note-limit');
    expect(limited.written).toHaveLength(10);
  });

  test('the network reads the suffix (from the gap’s end), then the prefix, as in training', () => {
    const parts = cutAroundGap(piece, 5.1, 7.3);
    const context = gapContextRows(parts, 5.1, 7.3, 'infill', { prefixNotes: 3, suffixNotes: 2 });
    // Suffix 7.5, 7.75 (the first delay from 7.3); prefix 4.5, 4.75, 5.0 (the first delay 0).
    expect(context.rows.map((r) => Number(r[0].toFixed(6)))).toEqual([0.2, 0.25, 0, 0.25, 0.25]);
    expect(context.inputs.map((i) => i!.segment)).toEqual(['suffix', 'suffix', 'prefix', 'prefix', 'prefix']);
    expect(context.inputs[4]!.untilStart).toBeCloseTo(0.1, 9);
    expect(context.inputs[4]!.untilEnd).toBeCloseTo(2.3, 9);
    const prefixOnly = gapContextRows(parts, 5.1, 7.3, 'prefix', { prefixNotes: 3 });
    expect(prefixOnly.inputs).toEqual([null, null, null]);
    expect(prefixOnly.summary).toBeUndefined();
  });

  test('kept notes in the gap are fed at their time, as if written, and the sampler writes around them', () => {
    const net = fixedDelayNetwork(0.5);
    // Gap [5.1, 7.3): drawn notes would fall at about 5.5, 6.0, 6.5, 7.0. Kept notes at 5.8 and
    // 6.9: the note drawn at about 6.0 would follow 5.8, so 5.8 is read instead and the next drawn
    // note comes 0.5 s after it (about 6.3); 6.8 is written, then 6.9 is read, and the next (7.4) ends it.
    const keep: Note[] = [
      { pitch: 72, velocity: 90, time: 5.8, duration: 0.3 },
      { pitch: 40, velocity: 50, time: 6.9, duration: 0.2 },
    ];
    const filled = fillGap(net, piece, { from: 5.1, to: 7.3, seed: 1, keep });
    expect(filled.ended).toBe('gap-end');
    const times = filled.written.map((n) => n.time);
    expect(times).toHaveLength(3);
    [5.5, 6.3, 6.8].forEach((t, i) => expect(times[i]! - t).toBeGreaterThanOrEqual(0));
    [5.5, 6.3, 6.8].forEach((t, i) => expect(times[i]! - t).toBeLessThan(0.01 * (i + 1)));
    // Both kept notes are in the piece, unchanged, between the written ones.
    const middle = filled.notes.filter((n) => n.time >= 5.1 && n.time < 7.3);
    expect(middle.map((n) => n.pitch)).toEqual([60, 72, 60, 60, 40]);
    expect(middle[1]).toEqual(keep[0]);
    expect(middle[4]).toEqual(keep[1]);
    // The network read each kept note as a middle note, with its delay from the note before.
    const fedMiddle = net.fed.slice(-5);
    expect(fedMiddle[1]![0]).toBeCloseTo(5.8 - times[0]!, 9);
    expect(fedMiddle[1]![3]).toBe(72 - 60);
    expect(fedMiddle[4]![0]).toBeCloseTo(6.9 - times[2]!, 9);
    const inputs = net.infill.slice(-5);
    expect(inputs.every((i) => i?.segment === 'middle')).toBe(true);
    expect(inputs[1]!.untilEnd).toBeCloseTo(7.3 - 5.8, 9);
    // Kept notes outside the gap are ignored; without keep, the same fill as before.
    const plain = fillGap(fixedDelayNetwork(0.5), piece, { from: 5.1, to: 7.3, seed: 1 });
    const outside = fillGap(fixedDelayNetwork(0.5), piece, {
      from: 5.1,
      to: 7.3,
      seed: 1,
      keep: [{ pitch: 50, velocity: 60, time: 8, duration: 0.1 }],
    });
    expect(outside.notes).toEqual(plain.notes);
    expect(filled.replaced).toHaveLength(9);
  });

  test('a real infill network: notes only inside the gap, the rest kept, the same seed the same fill', () => {
    const network = createStepNetwork(TINY, weights, 1);
    const a = fillGap(network, piece, { from: 8, to: 12, seed: 9 });
    const b = fillGap(network, piece, { from: 8, to: 12, seed: 9 });
    expect(a.notes).toEqual(b.notes);
    expect(a.written.every((n) => n.time >= 8 && n.time < 12)).toBe(true);
    expect(a.notes.length).toBe(piece.length - a.replaced.length + a.written.length);
    for (let i = 1; i < a.notes.length; i++)
      expect(a.notes[i]!.time).toBeGreaterThanOrEqual(a.notes[i - 1]!.time);
    // Without a suffix it continues the prefix up to the gap's end.
    const end = fillGap(network, piece, { from: 17, to: 25, seed: 9 });
    expect(end.written.every((n) => n.time >= 17 && n.time < 25)).toBe(true);
  });

  test('an ordinary network continues the prefix only; around the gap it is refused', () => {
    const plain: OrderedRnnConfig = { ...TINY };
    delete (plain as { infill?: true }).infill;
    const model = createModel(plain, { seed: 4 });
    const network = createStepNetwork(plain, weightMapOf(model), 1);
    model.dispose();
    expect(() => fillGap(network, piece, { from: 8, to: 12 })).toThrow(/does not fill gaps/);
    const continued = fillGap(network, piece, { from: 8, to: 12, mode: 'prefix', seed: 1 });
    expect(continued.written.every((n) => n.time >= 8 && n.time < 12)).toBe(true);
    expect(() => fillGap(network, piece, { from: 0, to: 2, mode: 'prefix' })).toThrow(/note before it/);
    expect(() => fillGap(network, piece, { from: 3, to: 3 })).toThrow(/before the end/);
  });
});

describe('filling a gap with a repetition cache', () => {
  const strong: RepetitionConfig = {
    orders: [6, 3],
    lambda: { delay: [0.95, 0.9], pitch: [0.98, 0.95], duration: [0.9, 0.9], velocity: [0.9, 0.9] },
    width: { delay: 0.05, duration: 0.05, velocity: 0.05 },
  };
  const phrase = [60, 64, 67, 72, 71, 67, 62, 65, 69, 74, 72, 67];
  const at = (pitches: readonly number[], start: number): Note[] =>
    pitches.map((pitch, i) => ({ pitch, velocity: 80, time: start + i * 0.25, duration: 0.2 }));
  // Unrelated notes, then the phrase's first 7 notes; the gap; the whole phrase after it.
  const before = [...at([50, 53, 49, 58, 44, 61], 0), ...at(phrase.slice(0, 7), 1.5)];
  const after = at(phrase, 6);

  test('the cache remembers the music after the gap, then before it, with no match across the break', () => {
    const withAfter = gapRepetitionCache(strong, { before, after }, 'infill');
    expect(withAfter.size).toBe(after.length + 1 + before.length);
    const match = withAfter.match()!;
    expect(match.order).toBe(0);
    expect(withAfter.pitchProbabilities(match)[phrase[7]!]).toBe(1);
    // Before alone: the phrase's start was never heard before, so nothing matches.
    expect(gapRepetitionCache(strong, { before, after }, 'prefix').match()).toBeNull();
  });

  test('the written notes carry on the phrase heard after the gap', () => {
    const network = createStepNetwork(TINY, weights, 1);
    const filled = fillGap(network, [...before, ...after], {
      from: 3.3,
      to: 5.9,
      seed: 5,
      sampling: { repetition: 1 },
      repetition: strong,
    });
    const pitches = filled.written.slice(0, 4).map((n) => n.pitch);
    expect(pitches).toEqual(phrase.slice(7, 11));
  });

  test('a pause remembered from elsewhere in the piece does not end the fill early', () => {
    // After the gap the phrase pauses 3 s after its 8th note; the network always plays on at 0.25 s.
    const paused = [...at(phrase.slice(0, 8), 6), ...at(phrase.slice(8), 6 + 7 * 0.25 + 3)];
    const filled = fillGap(fixedDelayNetwork(0.25), [...before, ...paused], {
      from: 3.25,
      to: 5.9,
      seed: 5,
      sampling: { repetition: 1 },
      repetition: strong,
    });
    expect(filled.written[0]!.pitch).toBe(phrase[7]); // the cache is at work
    // The cache's 3 s delay would land past the gap's end: dropped, so the fill plays on to it.
    expect(5.9 - filled.written.at(-1)!.time).toBeLessThan(0.3);
  });
});
