import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { encodeDataset } from '../../data/dataset-format.js';
import { runCli as howl } from '../../test-support/run-cli.js';
import { makeTinyDataset } from '../../test-support/fixtures.js';

// `howl train` on a full disk, injected: handles opened on a path that `inject.failOn` matches write
// half their bytes and fail with ENOSPC (no path on the error, as from write(2)); `appendFile` on
// such a path fails the same way. Everything else is the real file system, in this process.
const inject = vi.hoisted(() => ({ failOn: undefined as RegExp | undefined, code: 'ENOSPC' }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const { withInjectedWriteFailures } = await import('../../test-support/failing-fs.js');
  return withInjectedWriteFailures(await importOriginal<typeof import('node:fs/promises')>(), inject);
});

const FAST = ['--batch', '2', '--length', '10', '--val-crops', '2', '--backend', 'cpu', '--warmup', '0'];

let dir: string;
let data: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'howl-train-full-'));
  data = join(dir, 'tiny.howl');
  writeFileSync(data, encodeDataset(makeTinyDataset({ trainNotes: [30, 40], validationNotes: [20] })));
});
afterEach(() => {
  inject.failOn = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stepOf = (checkpoint: string): number =>
  (JSON.parse(readFileSync(join(checkpoint, 'state.json'), 'utf8')) as { step: number }).step;

describe('howl train on a full disk', () => {
  test('a checkpoint that cannot be written: one line naming the file, the last checkpoint kept, no temporary folder, exit 1', async () => {
    const out = join(dir, 'checkpoint-full');
    const first = await howl('train', data, '--out', out, '--steps', '2', '--val-every', '0', ...FAST);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(stepOf(join(out, 'checkpoint'))).toBe(2);

    inject.failOn = /checkpoint\.tmp-[\d-]+[/\\]weights\.bin$/;
    const full = await howl('train', '--resume', out, '--steps', '4');
    expect(full.code).toBe(1);
    expect(full.err).toBe(
      `howl: cannot write ${join(out, 'checkpoint', 'weights.bin')}: no space left on device; ` +
        `the last checkpoint saved is intact: make room, then continue with howl train --resume ${out}\n`,
    );
    expect(stepOf(join(out, 'checkpoint'))).toBe(2);
    expect(readdirSync(out).filter((name) => name.includes('.tmp-') || name.includes('.old-'))).toEqual([]);

    inject.failOn = undefined; // room again: the run goes on from the kept checkpoint
    const again = await howl('train', '--resume', out, '--steps', '4');
    expect(again.code).toBe(0);
    expect(stepOf(join(out, 'checkpoint'))).toBe(4);
  }, 120_000);

  test('metrics.jsonl that cannot be appended to: training stops with one line naming it', async () => {
    const out = join(dir, 'metrics-full');
    inject.failOn = /metrics\.jsonl$/;
    const { code, err } = await howl(
      'train',
      data,
      '--out',
      out,
      '--steps',
      '50',
      '--val-every',
      '0',
      ...FAST,
    );
    expect(code).toBe(1);
    expect(err).toBe(
      `howl: cannot write ${join(out, 'metrics.jsonl')}: no space left on device; ` +
        `the last checkpoint saved is intact: make room, then continue with howl train --resume ${out}\n`,
    );
    // It stopped at once (a step or two), with a checkpoint to continue from.
    expect(stepOf(join(out, 'checkpoint'))).toBeLessThan(5);
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(false);
  }, 120_000);
});
