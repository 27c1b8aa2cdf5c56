import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeDataset } from '../../data/dataset-format.js';
import { loadModel } from '../../node/load-model.js';
import { makeTinyDataset } from '../../test-support/fixtures.js';
import { runCli as howl } from '../../test-support/run-cli.js';
import { repoRoot } from '../../test-support/shared-data.js';

const FAST = ['--batch', '2', '--length', '12', '--val-crops', '2', '--backend', 'cpu', '--warmup', '0'];
const shipped = join(repoRoot, 'models/piano-ordered-lstm');

let dir: string;
let data: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'howl-train-infill-'));
  data = join(dir, 'tiny.howl');
  writeFileSync(data, encodeDataset(makeTinyDataset({ trainNotes: [40, 50], validationNotes: [30] })));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('howl train --infill --init-from', () => {
  test('fine-tunes a gap-filling network from an ordinary one', async () => {
    const out = join(dir, 'run');
    const run = await howl(
      'train',
      data,
      '--arch',
      'ordered-lstm',
      '--infill',
      '--init-from',
      shipped,
      '--steps',
      '2',
      '--out',
      out,
      ...FAST,
    );
    expect(run.code, run.err).toBe(0);
    expect(run.out + run.err).toContain(
      `starting from the weights of ${shipped} (1 input kernel widened with zero rows)`,
    );
    const trained = await loadModel(out);
    expect(trained.config.model).toMatchObject({ type: 'ordered-rnn', infill: true, units: 192 });
    const kernel = trained.weights.get('rnn/kernel')!;
    expect(kernel.shape).toEqual([152, 768]);
    const source = (await loadModel(shipped)).weights.get('rnn/kernel')!;
    // Two steps at a small learning rate: the old rows move a little, the new rows start from zero.
    let moved = 0;
    for (let i = 0; i < source.data.length; i++)
      moved = Math.max(moved, Math.abs(kernel.data[i]! - source.data[i]!));
    expect(moved).toBeLessThan(0.05);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
    expect(metrics).toContain('started; starting from the weights of');
  }, 60_000);

  test('--infill needs an ordered recurrent network; neither goes with --resume; the source must match', async () => {
    const transformer = await howl('train', data, '--arch', 'ordered-transformer', '--infill', ...FAST);
    expect(transformer.code).toBe(1);
    expect(transformer.err).toContain('--infill needs an ordered recurrent network');
    const resumed = await howl('train', data, '--resume', dir, '--infill');
    expect(resumed.code).toBe(1);
    expect(resumed.err).toMatch(/cannot be combined with --infill/);
    const other = await howl(
      'train',
      data,
      '--arch',
      'ordered-gru',
      '--init-from',
      shipped,
      '--steps',
      '1',
      '--out',
      join(dir, 'gru'),
      ...FAST,
    );
    expect(other.code).toBe(1);
    expect(other.err).toContain(`--init-from ${shipped}: its network (ordered-rnn: LSTM 192`);
  }, 60_000);
});
