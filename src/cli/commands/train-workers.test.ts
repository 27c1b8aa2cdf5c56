import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeDataset } from '../../data/dataset-format.js';
import { ensureBuilt } from '../../test-support/built-cli.js';
import { repoRoot } from '../../test-support/shared-data.js';
import { makeTinyDataset } from '../../test-support/fixtures.js';

const bin = join(repoRoot, 'bin', 'howl.js');
function howl(args: readonly string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd, timeout: 60_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const FAST = ['--batch', '4', '--length', '10', '--val-crops', '2', '--backend', 'cpu', '--warmup', '0'];

let dir: string;
let data: string;
beforeAll(() => {
  ensureBuilt(join('node', 'gradient-worker.js'));
  dir = mkdtempSync(join(tmpdir(), 'howl-train-workers-'));
  data = join(dir, 'tiny.howl');
  writeFileSync(data, encodeDataset(makeTinyDataset({ trainNotes: [30, 40], validationNotes: [20] })));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const weightsOf = (run: string): Buffer => readFileSync(join(run, 'checkpoint', 'weights.bin'));

describe('howl train --workers', () => {
  test('2 worker threads: the same checkpoint as 1 thread with the same split; resume keeps the workers', () => {
    const two = join(dir, 'two');
    const a = howl(['train', data, '--out', two, '--steps', '2', '--workers', '2', ...FAST], dir);
    expect(a.stderr).not.toMatch(/howl:|Error/);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/batch 4 × 10 notes on 2 worker threads/);
    const config = JSON.parse(readFileSync(join(two, 'checkpoint', 'config.json'), 'utf8'));
    expect(config.training).toMatchObject({ workers: 2, microBatchSteps: 20 }); // 2 passes of 2 crops
    const one = join(dir, 'one');
    const b = howl(['train', data, '--out', one, '--steps', '2', '--micro-batch-steps', '20', ...FAST], dir);
    expect(b.code).toBe(0);
    const x = new Float32Array(weightsOf(two).buffer.slice(0));
    const y = new Float32Array(weightsOf(one).buffer.slice(0));
    expect(x.length).toBe(y.length);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    expect(worst).toBeLessThanOrEqual(1e-5);
    const resumed = howl(['train', data, '--resume', two, '--steps', '3'], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/on 2 worker threads.*from step 2/);
    const bad = howl(['train', data, '--workers', 'two', '--steps', '1', ...FAST], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--workers two is not a whole number >= 1/);
  });
});
