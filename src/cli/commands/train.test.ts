import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { encodeDataset } from '../../data/dataset-format.js';
import { ensureBuilt } from '../../test-support/built-cli.js';
import { repoRoot } from '../../test-support/shared-data.js';
import { makeTinyDataset } from '../../test-support/fixtures.js';
import { main } from '../main.js';
import { planTrain } from './train-settings.js';

const bin = join(repoRoot, 'bin', 'howl.js');
function howl(args: readonly string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd, timeout: 60_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Small and fast: batch 2 of 10-note crops on the cpu backend. */
const FAST = ['--batch', '2', '--length', '10', '--val-crops', '2', '--backend', 'cpu', '--warmup', '0'];

let dir: string;
let data: string;
beforeAll(() => {
  ensureBuilt('cli/commands/train.js');
  dir = mkdtempSync(join(tmpdir(), 'howl-train-cli-'));
  data = join(dir, 'tiny.howl');
  writeFileSync(data, encodeDataset(makeTinyDataset({ trainNotes: [30, 40], validationNotes: [20] })));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stateOf = (checkpoint: string): { step: number } =>
  JSON.parse(readFileSync(join(checkpoint, 'state.json'), 'utf8')) as { step: number };

describe('howl train', () => {
  test('bad input gives one clear line, not a stack trace (in-process)', async () => {
    const cases: [string[], RegExp][] = [
      [['train', join(dir, 'missing.howl')], /cannot read .*missing.howl: no such file/],
      [['train', join(dir, 'garbage.howl'), '--steps', '1'], /not a Howl dataset \(wrong magic bytes\)/],
      [['train', data, '--arch', 'lstm-7'], /unknown architecture 'lstm-7'; known: lstm-192/],
      [['train', data, '--steps', 'ten'], /--steps ten is not a whole number >= 1/],
      [['train', data, '--time', '5 parsecs'], /not a duration/],
      [['train', data, '--backend', 'abacus'], /unknown backend 'abacus'/],
      [['train', data, '--resume', dir, '--arch', 'gru-512'], /cannot be combined with --arch/],
      [['train', data, '--resume', join(dir, 'nothing')], /no checkpoint there/],
      [['train'], /give the dataset to train on \(howl train DATA\.howl\), or --resume RUN/],
      [['train', data, '--augment', 'lots'], /--augment: "lots" is not one of: v1, performance, none/],
      [['train', data, '--source-weight', 'asap'], /--source-weight: "asap" is not TAG=WEIGHT/],
      [['train', data, '--time-scale', '1.2'], /--time-scale: "1.2" is not LOW,HIGH/],
      [['train', data, '--time-scale', '1.2,0.9'], /--time-scale: "1.2,0.9" is not LOW,HIGH/],
      [['train', data, '--source-weight', 'asap=-1'], /"asap=-1" is not TAG=WEIGHT with a weight >= 0/],
      [['train', data, '--resume', dir, '--augment', 'none'], /cannot be combined with --augment/],
    ];
    writeFileSync(join(dir, 'garbage.howl'), 'not a dataset at all');
    for (const [args, message] of cases) {
      let stderr = '';
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
        stderr += String(chunk);
        return true;
      });
      let code: number;
      try {
        code = await main(args);
      } finally {
        spy.mockRestore();
      }
      expect(code, args.join(' ')).toBe(1);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  test("default batch: 32 × 256 for Howl's networks, the published 64 × 768 for the original's", async () => {
    const shape = async (arch?: string) => {
      const plan = await planTrain(data, { ...(arch ? { arch } : {}), steps: '1', out: join(dir, 'unused') });
      return [
        plan.trainOptions.batchSize,
        plan.trainOptions.length,
        plan.trainOptions.checkpointEverySeconds,
      ];
    };
    expect(await shape()).toEqual([32, 256, 600]);
    expect(await shape('ordered-transformer')).toEqual([32, 256, 600]);
    expect(await shape('lstm-192')).toEqual([64, 768, 600]);
    expect(await shape('gru-512')).toEqual([64, 768, 600]);
  });

  test('a new run on the CPU splits each step between the cores; a GPU backend, --workers or one core does not', async () => {
    const saved = process.env['HOWL_THREADS'];
    const plan = async (cores: string, extra: Record<string, string> = {}) => {
      process.env['HOWL_THREADS'] = cores;
      const { trainOptions } = await planTrain(data, { steps: '1', out: join(dir, 'unused'), ...extra });
      return [trainOptions.workers, trainOptions.microBatchSteps];
    };
    try {
      expect(await plan('2')).toEqual([2, 16 * 256]); // 2 passes of 16 crops
      expect(await plan('4', { batch: '16' })).toEqual([2, 8 * 256]);
      expect(await plan('1')).toEqual([1, undefined]);
      expect(await plan('2', { workers: '1' })).toEqual([1, undefined]);
      expect(await plan('2', { backend: 'webgpu' })).toEqual([1, undefined]);
    } finally {
      if (saved === undefined) delete process.env['HOWL_THREADS'];
      else process.env['HOWL_THREADS'] = saved;
    }
  });

  test('trains for a few steps: checkpoints, metrics.jsonl and loss.svg', () => {
    const out = join(dir, 'run1');
    const { code, stdout, stderr } = howl(
      ['train', data, '--out', out, '--steps', '4', '--val-every', '2', ...FAST],
      dir,
    );
    expect(stderr).not.toMatch(/howl:|Error/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/validation \d+\.\d+ \(best\)/);
    expect(stdout).toMatch(/done \(reached 4 steps/);
    expect(stateOf(join(out, 'checkpoint')).step).toBe(4);
    expect(existsSync(join(out, 'best', 'weights.bin'))).toBe(true);
    const records = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.filter((r) => r.type === 'step')).toHaveLength(4);
    expect(records.filter((r) => r.type === 'validation')).toHaveLength(2);
    expect(readFileSync(join(out, 'loss.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    const config = JSON.parse(readFileSync(join(out, 'checkpoint', 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      format: 'howl-checkpoint',
      version: 1,
      encoding: 'v1',
      model: { type: 'ordered-rnn', units: 192, pitchEncoding: 'one-hot' }, // the default --arch, ordered-lstm
    });
    expect(config.training.dataset).toMatchObject({ trainFiles: 2, validationFiles: 1 });
    // A resume on other data is refused, naming both.
    const other = join(dir, 'other.howl');
    writeFileSync(other, encodeDataset(makeTinyDataset({ trainNotes: [35], validationNotes: [20] })));
    const wrong = howl(['train', other, '--resume', out, '--steps', '6'], dir);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /other\.howl is not the data this run trained on \(2 training and 1 validation files/,
    );
    // The run folder is not overwritten by mistake.
    expect(howl(['train', data, '--out', out, '--steps', '1', ...FAST], dir).stderr).toMatch(
      /already holds a training run/,
    );
  });

  test('--arch ordered-transformer trains, and `howl generate` plays the run', () => {
    const out = join(dir, 'transformer');
    const trained = howl(
      [
        'train',
        data,
        '--arch',
        'ordered-transformer',
        '--out',
        out,
        '--steps',
        '2',
        '--val-every',
        '2',
        ...FAST,
      ],
      dir,
    );
    expect(trained.stderr).not.toMatch(/howl:|Error/);
    expect(trained.stdout).toMatch(/^training transformer 2 × 128 on 2 training files/);
    const config = JSON.parse(readFileSync(join(out, 'checkpoint', 'config.json'), 'utf8'));
    expect(config.model).toMatchObject({ type: 'transformer', layers: 2, modelUnits: 128, window: 256 });
    const midi = join(dir, 'transformer.mid');
    const played = howl(
      ['generate', '--model', join(out, 'best'), '--notes', '40', '--no-audio', '--out', midi],
      dir,
    );
    expect(played.stderr).not.toMatch(/howl:|Error/);
    expect(played.stdout).toMatch(/: 40 notes/);
    expect(readFileSync(midi).subarray(0, 4).toString()).toBe('MThd');
  });

  test('--resume RUN alone: continues with its dataset and settings; a finished run says so; --steps extends it; each step logged once', () => {
    const out = join(dir, 'resume');
    const first = howl(
      ['train', data, '--out', out, '--steps', '3', '--val-every', '0', '--checkpoint-every', '2s', ...FAST],
      dir,
    );
    expect(first.stderr).not.toMatch(/howl:|Error/);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toEqual({
      dataset: '../tiny.howl',
      backend: 'cpu',
    });
    // Off a terminal, a plain progress line shows the run is alive (after the first step, then every 30 s).
    expect(first.stdout).toMatch(
      /^step 1\/3 \(\d+%\) loss \d+\.\d+ [\d,]+ notes\/s [\d.]+ s\/step elapsed \d+s/m,
    );

    // At its limit: one line naming the flag that extends it, exit 0, nothing written.
    const finished = howl(['train', '--resume', out], dir);
    expect(finished.stderr).toBe('');
    expect(finished.code).toBe(0);
    expect(finished.stdout).toBe(
      `${out} has already trained 3 steps (its limit: --steps 3); to train on, give a higher total, e.g. howl train --resume ${out} --steps 6\n`,
    );

    // A kill after the checkpoint at step 3 left steps 4 and 5 (and a cut line) in the log.
    const metrics = join(out, 'metrics.jsonl');
    const logged = readFileSync(metrics, 'utf8');
    const stepLine = logged.split('\n').find((l) => l.includes('"type":"step"'))!;
    for (const step of [4, 5])
      appendFileSync(metrics, stepLine.replace(/"step":\d+/, `"step":${step}`) + '\n');
    appendFileSync(metrics, '{"type":"step","st');

    const extended = howl(['train', '--resume', out, '--steps', '6'], tmpdir()); // from any working folder
    expect(extended.stderr).not.toMatch(/howl:|Error/);
    expect(extended.code).toBe(0);
    expect(extended.stdout).toMatch(/^resuming .*from step 3\n/);
    expect(extended.stdout).toMatch(/done \(reached 6 steps/);
    expect(stateOf(join(out, 'checkpoint')).step).toBe(6);
    const records = readFileSync(metrics, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step: number });
    expect(records.filter((r) => r.type === 'step').map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    // The saved settings hold on resume: the checkpoint interval, the batch, the backend.
    const config = JSON.parse(readFileSync(join(out, 'checkpoint', 'config.json'), 'utf8'));
    expect(config.training).toMatchObject({ checkpointEverySeconds: 2, batchSize: 2, length: 10, steps: 6 });
    // A run folder from before run.json: the dataset must be named.
    rmSync(join(out, 'run.json'));
    const unnamed = howl(['train', '--resume', out, '--steps', '7'], dir);
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toBe(
      `howl: ${out} does not record its dataset (it was made by an older Howl); name it: howl train DATA.howl --resume ${out}\n`,
    );
  }, 120_000);

  test('SIGKILL mid-run, then --resume continues from the last checkpoint; SIGTERM saves and exits 143', async () => {
    const out = join(dir, 'run2');
    const child = spawn(
      process.execPath,
      [
        bin,
        'train',
        data,
        '--out',
        out,
        '--steps',
        '100000',
        '--checkpoint-every',
        '0.3s',
        '--val-every',
        '0',
        ...FAST,
      ],
      { cwd: dir, stdio: 'ignore' },
    );
    const checkpoint = join(out, 'checkpoint');
    const deadline = Date.now() + 60_000;
    while (!(existsSync(join(checkpoint, 'state.json')) && stateOf(checkpoint).step >= 3)) {
      if (Date.now() > deadline) throw new Error('no checkpoint within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 150)); // kill at an arbitrary moment, maybe mid-save
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    // Whatever the moment of the kill, a complete checkpoint is there.
    const resumed = howl(['train', data, '--resume', out, '--steps', '1'], dir);
    const killedAt = Number(/already trained (\d+) steps/.exec(resumed.stdout)?.[1]);
    expect(killedAt).toBeGreaterThanOrEqual(3);
    expect(resumed.code).toBe(0); // --steps 1 is already reached: it says so, and trains nothing
    const target = killedAt + 3;
    const again = howl(['train', '--resume', out, '--steps', String(target)], dir); // its own dataset
    expect(again.stderr).not.toMatch(/howl:|Error/);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`from step ${killedAt}`));
    expect(stateOf(checkpoint).step).toBe(target);
    const events = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === 'event' && e.message === 'resumed')).toHaveLength(1);
    // The steps the killed run logged after its last checkpoint are trained again, and logged once.
    const steps = events.filter((e) => e.type === 'step').map((e) => e.step as number);
    expect(steps).toEqual(Array.from({ length: target }, (_, i) => i + 1));
    expect(readdirSync(out).sort()).toEqual(['best', 'checkpoint', 'loss.svg', 'metrics.jsonl', 'run.json']);

    const term = spawn(process.execPath, [bin, 'train', data, '--resume', out, '--steps', '100000'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    term.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const metrics = join(out, 'metrics.jsonl');
    const before = readFileSync(metrics, 'utf8').length;
    while (readFileSync(metrics, 'utf8').slice(before).split('"type":"step"').length < 4) {
      if (Date.now() > deadline + 30_000) throw new Error('the resumed run did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    term.kill('SIGTERM');
    const code = await new Promise((r) => term.on('exit', (c) => r(c)));
    expect(code).toBe(143);
    expect(stderr).toMatch(/terminated at step (\d+); checkpoint saved; continue with: howl train --resume /);
    const stoppedAt = Number(/terminated at step (\d+)/.exec(stderr)?.[1]);
    expect(stateOf(checkpoint).step).toBe(stoppedAt);
    expect(stoppedAt).toBeGreaterThan(target);
  }, 120_000);
});
