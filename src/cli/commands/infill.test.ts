import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillGap } from '../../generate/infill.js';
import { DEFAULT_SAMPLING } from '../../generate/sampling.js';
import { createStepNetwork } from '../../inference/create-step-network.js';
import { readMidi } from '../../midi/read-midi.js';
import { writeMidi } from '../../midi/write-midi.js';
import { weightMapOf } from '../../model/checkpoint/weight-map.js';
import { presetConfig, type OrderedRnnConfig } from '../../model/config.js';
import { createModel } from '../../model/create-model.js';
import { setupBackend } from '../../model/kernels/backend.js';
import { saveSafetensorsModel } from '../../node/safetensors-folder.js';
import type { Note } from '../../score/note.js';
import { runCli as howl } from '../../test-support/run-cli.js';
import { fixturesDir } from '../../test-support/shared-data.js';
import { barToTicks, readTimeSignatures } from './infill-bars.js';

const dir = mkdtempSync(join(tmpdir(), 'howl-infill-'));
const modelDir = join(dir, 'model');
const plainDir = join(dir, 'plain');
const input = join(dir, 'piece.mid');

const TINY: OrderedRnnConfig = {
  ...(presetConfig('ordered-lstm') as OrderedRnnConfig),
  units: 16,
  denseUnits: 12,
  blocks: 1,
  headUnits: 8,
  infill: true,
};

/** Notes every 0.25 s for 20 s, climbing through an octave. */
const notes: Note[] = Array.from({ length: 80 }, (_, i) => ({
  pitch: 60 + (i % 12),
  velocity: 60 + (i % 7),
  time: i * 0.25,
  duration: 0.2,
}));

beforeAll(async () => {
  await setupBackend('cpu');
  const save = async (folder: string, config: OrderedRnnConfig): Promise<void> => {
    const model = createModel(config, { seed: 5 });
    await saveSafetensorsModel(folder, {
      config: { model: config, encoding: 'v1', training: {} },
      weights: weightMapOf(model),
      training: undefined,
    });
    model.dispose();
  };
  await save(modelDir, TINY);
  const plain: OrderedRnnConfig = { ...TINY };
  delete (plain as { infill?: true }).infill;
  await save(plainDir, plain);
  writeFileSync(input, writeMidi(notes, { timeSignature: { numerator: 3, denominator: 4 } }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const key = (n: Note): string => `${n.pitch}@${n.time.toFixed(3)}`;

describe('howl infill', () => {
  it('keeps the notes outside the gap and writes the model’s notes inside it', async () => {
    const out = join(dir, 'out.mid');
    const result = await howl(
      'infill',
      input,
      '--from',
      '5',
      '--to',
      '10',
      '-o',
      out,
      '--model',
      modelDir,
      '--seed',
      '3',
    );
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(
      new RegExp(
        `^${out.replace(/[.\\/]/g, '\\$&')}: \\d+ notes written in the gap 5\\.00 s-10\\.00 s \\(replacing 20\\)`,
      ),
    );
    expect(result.out).toContain('seed 3');

    const original = readMidi(readFileSync(input)).notes;
    const written = readMidi(readFileSync(out)).notes;
    const outside = (list: readonly Note[]) => list.filter((n) => n.time < 5 || n.time >= 10).map(key);
    expect(outside(written)).toEqual(outside(original));
    // Inside: exactly what the model writes for this gap and seed (times to the file's tick).
    const model = createModel(TINY, { seed: 5 });
    const network = createStepNetwork(TINY, weightMapOf(model), 1);
    model.dispose();
    const expected = fillGap(network, original, {
      from: 5,
      to: 10,
      seed: 3,
      sampling: DEFAULT_SAMPLING,
    }).written;
    const inside = written.filter((n) => n.time >= 5 && n.time < 10);
    expect(inside.length).toBe(expected.length);
    inside.forEach((n, i) => {
      expect(n.pitch).toBe(expected[i]!.pitch);
      expect(n.time).toBeCloseTo(expected[i]!.time, 2);
    });
    expect(inside.map(key)).not.toEqual(original.filter((n) => n.time >= 5 && n.time < 10).map(key));
  });

  it('--bars counts bars through the file’s tempo and time signature', async () => {
    const out = join(dir, 'bars.mid');
    // 3/4 at 120 bpm: a bar is 1.5 s, so bars 3 to 5 are 3 s to 6 s.
    const result = await howl(
      'infill',
      input,
      '--bars',
      '--from',
      '3',
      '--to',
      '5',
      '-o',
      out,
      '--model',
      modelDir,
      '--seed',
      '1',
    );
    expect(result.err).toBe('');
    expect(result.out).toContain('in the gap bars 3-5, 3.00 s-6.00 s (replacing 12)');
    const written = readMidi(readFileSync(out)).notes;
    expect(written.filter((n) => n.time < 3).map(key)).toEqual(notes.filter((n) => n.time < 3).map(key));
  });

  it('bars: time signatures read from the file, changes start new bars', () => {
    expect(readTimeSignatures(readFileSync(input))).toEqual([{ tick: 0, numerator: 3, denominator: 4 }]);
    expect(barToTicks(3, 480, [])).toBe(2 * 4 * 480);
    // 4/4 for two bars, then 6/8: bar 3 starts at the change, bar 4 one 6/8 bar later.
    const change = [{ tick: 2 * 1920, numerator: 6, denominator: 8 }];
    expect(barToTicks(3, 480, change)).toBe(3840);
    expect(barToTicks(4, 480, change)).toBe(3840 + 1440);
    expect(barToTicks(2.5, 480, change)).toBe(1920 + 960);
  });

  it('howl eval --infill prints the two figures and writes the report', async () => {
    const data = join(dir, 'pieces.howl');
    const imported = await howl('import', join(fixturesDir, 'piano-midi-de'), '-o', data, '--workers', '0');
    expect(imported.code).toBe(0);
    const out = join(dir, 'infill-eval');
    const run = await howl(
      'eval',
      '--infill',
      '--model',
      modelDir,
      '--data',
      data,
      '--gaps',
      '3',
      '--min-gap',
      '1',
      '--max-gap',
      '3',
      '--out',
      out,
    );
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(
      /^data {8}.*validation split: 3 gaps of 1-3 s in \d+ pieces?, \d+ notes in the gaps$/m,
    );
    expect(run.out).toMatch(/^around gap {2}pitch \d+\.\d{3} .* total \d+\.\d{3} {2}\(nats per gap note/m);
    expect(run.out).toMatch(
      /^gain {8}-?\d+\.\d{3} nats per note from reading the suffix \(by quarter of the gap: /m,
    );
    expect(run.out).toMatch(
      /^gap end {5}last written onset within 0\.5 s of the gap's end in \d+ % of 3 gaps/m,
    );
    expect(existsSync(join(out, 'infill.md'))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'infill.json'), 'utf8')) as {
      gaps: number;
      gain: number;
      infill: { total: number };
      prefix: { total: number };
      perGap: unknown[];
    };
    expect(report.gaps).toBe(3);
    expect(report.perGap).toHaveLength(3);
    expect(report.gain).toBeCloseTo(report.prefix.total - report.infill.total, 9);
    const ordinary = await howl('eval', '--model', plainDir, '--data', data, '--infill', '--gaps', '2');
    expect(ordinary.code).toBe(1);
    expect(ordinary.err).toContain('does not fill gaps');
    const mixed = await howl('eval', '--data', data, '--gaps', '2');
    expect(mixed.code).toBe(1);
    expect(mixed.err).toContain('--gaps go with --infill');
  }, 30_000);

  it('says what is wrong in one line', async () => {
    const bad = await howl('infill', input, '--from', '6', '--to', '5', '--model', modelDir);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--from 6 is not before --to 5');
    const plain = await howl('infill', input, '--from', '5', '--to', '6', '--model', plainDir);
    expect(plain.code).toBe(1);
    expect(plain.err).toContain('this model does not fill gaps');
    const early = await howl('infill', input, '--from', '0', '--to', '3', '--model', modelDir);
    expect(early.code).toBe(1);
    expect(early.err).toContain('no note starts before 0.00 s');
  });
});
