import { beforeAll, describe, expect, test } from 'vitest';
import { createStepNetwork } from '../inference/create-step-network.js';
import type { StepNetwork } from '../inference/step-network.js';
import { setupBackend } from '../model/kernels/backend.js';
import { presetConfig, type ModelConfig, type OrderedRnnConfig } from '../model/config.js';
import { createModel } from '../model/create-model.js';
import { weightMapOf } from '../model/checkpoint/weight-map.js';
import { createRng } from '../random/rng.js';
import { TINY_MODEL } from '../test-support/fixtures.js';
import { lastOnset, nextNote } from './next-note.js';
import { resolveSampling } from './sampling.js';

const note = (pitch: number, time: number) => ({ pitch, velocity: 80, time, duration: 0.5 });

describe('lastOnset', () => {
  test('the chord is the notes each within one grid bin (10 ms) of the one before, reaching into earlier notes', () => {
    expect(lastOnset([note(60, 1), note(64, 1.004), note(67, 1.012)])).toEqual({
      time: 1.012,
      pitches: [67, 64, 60],
    });
    expect(lastOnset([note(60, 1), note(64, 1.5)])).toEqual({ time: 1.5, pitches: [64] });
    expect(lastOnset([note(67, 2)], [note(55, 1), note(60, 2), note(64, 2)])).toEqual({
      time: 2,
      pitches: [67, 64, 60],
    });
    expect(lastOnset([], [note(48, 3)])).toEqual({ time: 3, pitches: [48] });
    expect(() => lastOnset([])).toThrow(/no notes/);
  });
});

const configs: readonly ModelConfig[] = [
  TINY_MODEL,
  {
    ...(presetConfig('ordered-lstm') as OrderedRnnConfig),
    units: 12,
    denseUnits: 8,
    blocks: 1,
    headUnits: 8,
  },
];
const networks = new Map<string, StepNetwork>();

beforeAll(async () => {
  await setupBackend('cpu');
  for (const config of configs) {
    const model = createModel(config, { seed: 3 });
    networks.set(config.type, createStepNetwork(config, weightMapOf(model), 1));
    model.dispose();
  }
});

describe.each(configs.map((c) => c.type))('nextNote, %s', (type) => {
  /** The network after one note, its next delay forced to under 10 ms (a note joining the chord). */
  const joining = (): StepNetwork => {
    const network = networks.get(type)!;
    network.reset();
    network.step([[0, 0.5, 0.5, 0]]);
    if (network.kind === 'ordered') network.delayLogits[0] = 1e4;
    else network.regression[0] = 0.001;
    return network;
  };

  test('a note joining a chord never repeats one of its pitches', () => {
    const struck = Array.from({ length: 117 }, (_, i) => i + 2).filter((p) => p !== 50);
    const previous = { time: 1, pitches: struck };
    const rng = createRng(5);
    const drawn = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const { note: made } = nextNote(joining(), 0, previous, resolveSampling({}), rng);
      expect(made.time - 1).toBeLessThan(0.01);
      drawn.add(made.pitch);
    }
    // Only (and all of) the four pitches the chord has not struck.
    expect([...drawn].sort((a, b) => a - b)).toEqual([0, 1, 50, 119]);
  });

  test.runIf(type !== 'original-lstm')(
    'a delay drawn in bin 0 starts with the note before (chords together) or within 10 ms (rolled)',
    () => {
      const rng = createRng(8);
      const chord = { time: 2.5, pitches: [60] };
      for (let i = 0; i < 50; i++) {
        const together = resolveSampling({ chords: 'together' });
        const { note: made, row } = nextNote(joining(), 0, chord, together, rng);
        expect(made.time).toBe(2.5);
        expect(row[0]).toBe(0);
        const rolled = nextNote(joining(), 0, chord, resolveSampling({}), rng).note.time - 2.5;
        expect(rolled).toBeGreaterThan(0);
        expect(rolled).toBeLessThan(0.01);
      }
    },
  );

  test('when the chord has struck every allowed pitch, the rule gives way', () => {
    const sampling = resolveSampling({ minPitch: 60, maxPitch: 60 });
    const { note: made } = nextNote(joining(), 0, { time: 1, pitches: [60] }, sampling, createRng(1));
    expect(made.pitch).toBe(60);
  });
});

describe('nextNote: per-head timing temperatures', () => {
  /**
   * An ordered network with known outputs: delay bins 10 and 30, duration bins 20 and 50 and
   * velocity bins 16 and 20, each pair at logits 1 and 0 (p = 0.731 for the first at temperature
   * 1, 0.881 at 0.5), pitch 60 only.
   */
  const known = (): StepNetwork => {
    const two = (count: number, first: number, second: number) => {
      const logits = new Float32Array(count).fill(-1e4);
      logits[first] = 1;
      logits[second] = 0;
      return logits;
    };
    const pitch = two(120, 60, 61);
    pitch[61] = -1e4;
    const duration = two(401, 20, 50);
    const velocity = two(32, 16, 20);
    const fake = {
      kind: 'ordered',
      batch: 1,
      delayLogits: two(401, 10, 30),
      pitchLogitsGiven: () => pitch,
      restLogitsGiven: () => ({ duration, velocity }),
    };
    return fake as unknown as StepNetwork;
  };

  /** Shares of the first bin of each head over 4,000 notes. */
  const shares = (options: Parameters<typeof resolveSampling>[0]) => {
    const network = known();
    const sampling = resolveSampling(options);
    const rng = createRng(11);
    let delay = 0;
    let duration = 0;
    let velocity = 0;
    const draws = 4000;
    for (let i = 0; i < draws; i++) {
      const { note: made } = nextNote(network, 0, { time: 1, pitches: [48] }, sampling, rng);
      expect(made.pitch).toBe(60);
      if (made.time - 1 < 0.2) delay++; // bin 10: [0.10, 0.11) s; bin 30: [0.30, 0.31)
      if (made.duration < 0.3) duration++; // bin 20: [0.20, 0.21) s; bin 50: [0.50, 0.51)
      if (made.velocity < 80) velocity++; // bin 16: 64..67; bin 20: 80..83
    }
    return [delay / draws, duration / draws, velocity / draws];
  };

  test('each head is drawn at its own temperature; the timing temperature sets all three', () => {
    const near = (got: number[], want: number[]) =>
      got.forEach((g, i) => expect(Math.abs(g - want[i]!), `head ${i}: ${g}`).toBeLessThan(0.025));
    near(shares({}), [0.731, 0.731, 0.731]);
    near(shares({ delayTemperature: 0.5 }), [0.881, 0.731, 0.731]);
    near(shares({ durationTemperature: 0.5 }), [0.731, 0.881, 0.731]);
    near(shares({ velocityTemperature: 0.5 }), [0.731, 0.731, 0.881]);
    near(shares({ timingTemperature: 0.5, velocityTemperature: 1 }), [0.881, 0.881, 0.731]);
  });
});
