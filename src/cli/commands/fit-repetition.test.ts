import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir, repoRoot } from '../../test-support/shared-data.js';
import { runCli as howl } from '../../test-support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'howl-fit-repetition-'));
const model = join(dir, 'model');
const data = join(dir, 'pieces.howl');

beforeAll(async () => {
  // The six vendored piano-midi.de pieces (five train, one held out), and a copy of a shipped model.
  const imported = await howl('import', join(fixturesDir, 'piano-midi-de'), '-o', data, '--workers', '0');
  expect(imported.code).toBe(0);
  cpSync(join(repoRoot, 'models/piano-ordered-lstm'), model, { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('howl fit-repetition', () => {
  it('writes repetition.json, which howl eval then scores with (better than the network alone)', async () => {
    const fit = await howl('fit-repetition', '--model', model, '--data', data);
    expect(fit.err).toBe('');
    expect(fit.code).toBe(0);
    expect(fit.out).toMatch(
      /repetition\.json: fitted on 5 training pieces, \d+ notes \(\d+ % with an earlier match\)/,
    );
    const saved = JSON.parse(readFileSync(join(model, 'repetition.json'), 'utf8')) as {
      note: string;
      orders: number[];
      lambda: { pitch: number[] };
    };
    expect(saved.note).toMatch(/^Fitted by howl fit-repetition on 5 training pieces/);
    expect(saved.orders[0]).toBe(32);
    expect(Math.max(...saved.lambda.pitch)).toBeGreaterThan(0.3); // the pieces repeat themselves

    const out = join(dir, 'report');
    const run = await howl(
      'eval',
      '--model',
      model,
      '--data',
      data,
      '--out',
      out,
      '--pieces',
      '2',
      '--notes',
      '80',
    );
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      likelihood: {
        model: { total: number; pitch: number };
        withoutRepetition: { total: number; pitch: number };
      };
    };
    const { model: mixed, withoutRepetition: alone } = report.likelihood;
    expect(mixed.pitch).toBeLessThan(alone.pitch);
    expect(mixed.total).toBeLessThan(alone.total);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain(
      '| the network alone (no repetition cache) |',
    );
  });

  it('refuses a network without a distribution for every attribute, and a missing --data', async () => {
    const original = await howl(
      'fit-repetition',
      '--model',
      join(repoRoot, 'models/piano-lstm192'),
      '--data',
      data,
    );
    expect(original.code).toBe(1);
    expect(original.err).toMatch(
      /the repetition cache needs a network with a distribution for every attribute/,
    );
    const noData = await howl('fit-repetition', '--model', model);
    expect(noData.code).toBe(1);
    expect(noData.err).toMatch(/give the training data: --data DATA.howl/);
  });
});
