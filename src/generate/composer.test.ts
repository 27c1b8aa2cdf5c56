import { beforeAll, describe, expect, test } from 'vitest';
import { createStepNetwork } from '../inference/create-step-network.js';
import type { StepNetwork } from '../inference/step-network.js';
import { setupBackend } from '../model/kernels/backend.js';
import {
  presetConfig,
  type ModelConfig,
  type OrderedRnnConfig,
  type TransformerConfig,
} from '../model/config.js';
import { createModel } from '../model/create-model.js';
import { weightMapOf } from '../model/checkpoint/weight-map.js';
import type { Note } from '../score/note.js';
import { TINY_MODEL } from '../test-support/fixtures.js';
import { generateCandidates } from './candidates.js';
import { createComposer } from './composer.js';

// Every test runs on each kind of step network: the original's (regression timing), the ordered
// recurrent one (every attribute drawn from a distribution over the grid's bins) and the
// transformer (the same heads; its state is a key/value cache it rewinds itself).
const configs: readonly ModelConfig[] = [
  { ...TINY_MODEL, units: 24, denseUnits: 16 },
  {
    ...(presetConfig('ordered-lstm') as OrderedRnnConfig),
    units: 24,
    denseUnits: 16,
    blocks: 2,
    headUnits: 12,
  },
  {
    ...(presetConfig('ordered-transformer') as TransformerConfig),
    layers: 2,
    modelUnits: 16,
    heads: 2,
    ffUnits: 24,
    window: 16,
    headUnits: 12,
  },
];
const networks = new Map<string, (batch: number) => StepNetwork>();

beforeAll(async () => {
  await setupBackend('cpu');
  for (const config of configs) {
    const model = createModel(config, { seed: 11 });
    const weights = weightMapOf(model);
    model.dispose();
    networks.set(config.type, (batch) => createStepNetwork(config, weights, batch));
  }
});

const primer: Note[] = [60, 64, 67, 72, 71, 67].map((pitch, i) => ({
  pitch,
  velocity: 90,
  time: 1 + i * 0.25,
  duration: 0.3,
}));

const plain = (notes: readonly Note[]) =>
  notes.map(({ pitch, velocity, time, duration }) => ({ pitch, velocity, time, duration }));

async function collect<T extends Note>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const note of iterator) out.push(note);
  return out;
}

describe.each(configs.map((c) => c.type))('%s', (type) => {
  const networkOf = (batch: number): StepNetwork => networks.get(type)!(batch);

  describe('createComposer', () => {
    test('generates valid notes: pitch in range, onsets rising, durations and velocities in range', async () => {
      const composer = createComposer(networkOf(1), { seed: 3, sampling: { minPitch: 48, maxPitch: 84 } });
      composer.append(primer);
      const made = await collect(composer.generate({ notes: 200 }));
      expect(made).toHaveLength(200);
      let previous = primer[primer.length - 1]!.time;
      for (const note of made) {
        expect(note.pitch).toBeGreaterThanOrEqual(48);
        expect(note.pitch).toBeLessThanOrEqual(84);
        expect(note.time).toBeGreaterThanOrEqual(previous);
        expect(note.time - previous).toBeLessThanOrEqual(4);
        expect(note.duration).toBeGreaterThan(0);
        expect(note.velocity).toBeGreaterThanOrEqual(1);
        expect(note.velocity).toBeLessThanOrEqual(127);
        previous = note.time;
      }
      expect(composer.notes).toHaveLength(206);
    });

    test('same seed, same piece; a pause (break) and a second call continue the same stream', async () => {
      const a = createComposer(networkOf(1), { seed: 9 });
      a.append(primer);
      const whole = await collect(a.generate({ notes: 60 }));
      const b = createComposer(networkOf(1), { seed: 9 });
      b.append(primer);
      const firstHalf: Note[] = [];
      for await (const note of b.generate({ notes: 1000 })) {
        firstHalf.push(note);
        if (firstHalf.length === 25) break; // pause
      }
      const secondHalf = await collect(b.generate({ notes: 35 }));
      expect(plain([...firstHalf, ...secondHalf])).toEqual(plain(whole));
    });

    test('after an edit, generation = a fresh composer primed on the edited notes', async () => {
      const edited = createComposer(networkOf(1), { seed: 4 });
      edited.append(primer);
      await collect(edited.generate({ notes: 80 }));
      const keep = edited.notes.slice(0, 40);
      const replacement: Note[] = [{ pitch: 50, velocity: 100, time: keep[39]!.time + 0.5, duration: 1 }];
      edited.replaceFrom(40, replacement);
      edited.setRng(77);
      const afterEdit = await collect(edited.generate({ notes: 50 }));

      const fresh = createComposer(networkOf(1), { seed: 77 });
      fresh.append([...plain(keep), ...replacement]);
      const fromScratch = await collect(fresh.generate({ notes: 50 }));
      expect(plain(afterEdit)).toEqual(plain(fromScratch));
      expect(edited.notes.map((n) => n.logProb)).toEqual(fresh.notes.map((n) => n.logProb));
    });

    test('truncate rolls back; truncate(0) starts over with a random first note', async () => {
      const composer = createComposer(networkOf(1), { seed: 2 });
      composer.append(primer);
      const first = plain(await collect(composer.generate({ notes: 30 })));
      composer.truncate(primer.length);
      composer.setRng(2);
      expect(plain(await collect(composer.generate({ notes: 30 })))).toEqual(first);
      composer.truncate(0);
      expect(composer.notes).toHaveLength(0);
      const start = composer.next();
      expect(start.time).toBe(0);
      expect(start.pitch).toBeGreaterThanOrEqual(48);
      expect(start.pitch).toBeLessThanOrEqual(84);
    });

    test('--seconds: no generated note starts later than the limit after the start', async () => {
      const composer = createComposer(networkOf(1), { seed: 1 });
      composer.append(primer);
      const made = await collect(composer.generate({ seconds: 5 }));
      const start = primer[primer.length - 1]!.time;
      expect(made.length).toBeGreaterThan(0);
      expect(made.every((n) => n.time - start <= 5)).toBe(true);
    });

    test('bad input: notes out of order, bad pitch, no limit', async () => {
      const composer = createComposer(networkOf(1));
      composer.append(primer);
      expect(() => composer.append([{ pitch: 60, velocity: 80, time: 0, duration: 1 }])).toThrow(
        'note 6 (0 of the notes added) starts at 0.000 s, before the previous note (2.250 s)',
      );
      expect(() => composer.append([{ pitch: 130, velocity: 80, time: 9, duration: 1 }])).toThrow(
        'pitch 130',
      );
      await expect(collect(composer.generate({}))).rejects.toThrow('give a number of notes or seconds');
      expect(() => createComposer(networkOf(2))).toThrow('a composer needs a network of batch 1, not 2');
    });
  });

  describe('generateCandidates', () => {
    test('candidate i = the composer seeded with seed + i; ranked by mean log-probability', async () => {
      const candidates = generateCandidates(networkOf(4), { start: primer, count: 4, notes: 40, seed: 20 });
      expect(candidates).toHaveLength(4);
      expect(candidates.map((c) => c.seed).sort()).toEqual([20, 21, 22, 23]);
      for (let i = 1; i < 4; i++)
        expect(candidates[i - 1]!.meanLogProb).toBeGreaterThanOrEqual(candidates[i]!.meanLogProb);
      for (const candidate of candidates) {
        const composer = createComposer(networkOf(1), { seed: candidate.seed });
        composer.append(primer);
        const alone = await collect(composer.generate({ notes: 40 }));
        const worst = Math.max(...alone.map((n, k) => Math.abs(n.time - candidate.notes[k]!.time)));
        expect(alone.map((n) => n.pitch)).toEqual(candidate.notes.map((n) => n.pitch));
        expect(worst).toBeLessThan(1e-9);
        expect(candidate.logProb).toBeCloseTo(
          alone.reduce((s, n) => s + (n.logProb ?? 0), 0),
          4,
        );
      }
    });

    test('no start: each candidate begins from its own random first note, as the original', () => {
      const candidates = generateCandidates(networkOf(3), {
        count: 3,
        notes: 10,
        seed: 5,
        sampling: { greedy: true },
      });
      for (const c of candidates) {
        expect(c.start).toHaveLength(1);
        expect(c.start[0]!.pitch).toBeGreaterThanOrEqual(48);
        expect(c.start[0]!.pitch).toBeLessThanOrEqual(84);
        expect(c.notes).toHaveLength(10);
      }
    });

    test('errors: batch mismatch, no limit, empty start', () => {
      expect(() => generateCandidates(networkOf(2), { count: 3, notes: 5 })).toThrow(
        'batch 2 is not the candidate count 3',
      );
      expect(() => generateCandidates(networkOf(1), {})).toThrow('give a number of notes or seconds');
      expect(() => generateCandidates(networkOf(1), { start: [], notes: 3 })).toThrow(
        'the start has no notes',
      );
    });
  });
});
