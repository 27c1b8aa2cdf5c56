import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir, repoRoot } from '../../test-support/shared-data.js';
import { runCli as howl } from '../../test-support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'howl-eval-'));
const model = join(repoRoot, 'models/piano-lstm192');
const data = join(dir, 'pieces.howl');
const corpus = join(fixturesDir, 'piano-midi-de');

beforeAll(async () => {
  // The six vendored piano-midi.de pieces: five for training, one held out (by content hash).
  const imported = await howl('import', corpus, '-o', data, '--workers', '0');
  expect(imported.code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('howl eval (shipped model)', () => {
  it('writes the report: Markdown, two figures and JSON; prints the headline numbers', async () => {
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
      '60',
      '--fit-notes',
      '3000',
    );
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^nats\/note {2}pitch \d+\.\d{3} {2}delay \d+\.\d{3} .* total \d+\.\d{3}$/m);
    expect(run.out).toMatch(/^baselines {2}pitch \d+\.\d{3} \(bigram; unigram \d+\.\d{3}\)/m);
    expect(run.out).toMatch(
      /^verdict {4}The model beats the bigram pitch baseline by \d+\.\d{3} nats\/note\.$/m,
    );
    expect(run.out).toMatch(/^music {6}mean overlapped area 0\.\d{3} \(2 pieces × 60 notes\)/m);
    expect(run.out).toContain(join(out, 'report.md'));
    for (const name of ['report.md', 'report.json', 'nll.svg', 'histograms.svg']) {
      expect(existsSync(join(out, name)), name).toBe(true);
    }
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      format: string;
      split: string;
      likelihood: { pieces: number; notes: number; beatsBigram: boolean; fit: { notes: number } };
      music: { pieces: number; seeds: number[]; meanOverlappedArea: number };
    };
    expect(report.format).toBe('howl-eval');
    expect(report.split).toBe('validation');
    expect(report.likelihood.pieces).toBe(1);
    expect(report.likelihood.notes).toBeGreaterThan(1000);
    expect(report.likelihood.beatsBigram).toBe(true);
    expect(report.likelihood.fit.notes).toBeGreaterThanOrEqual(3000);
    expect(report.music.seeds).toEqual([1, 2]);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('# howl eval: piano-lstm192');
    expect(md).toContain('--pieces 2 --notes 60 --fit-notes 3000');
  });

  it("generates with the model folder's sampling.json, the flags over it, and says so in the report", async () => {
    const sampling = async (...flags: string[]) => {
      const out = join(dir, `sampling-${flags.length}`);
      const ordered = join(repoRoot, 'models/piano-asap-ordered-lstm');
      const args = ['--model', ordered, '--data', data, '--pieces', '1', '--notes', '30', '--out', out];
      expect((await howl('eval', ...args, ...flags)).code).toBe(0);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
        music: { sampling: Record<string, number> };
      };
      const md = readFileSync(join(out, 'report.md'), 'utf8');
      return { ...report.music.sampling, line: /\(seeds 1–1; (.*?)\), generated at/.exec(md)?.[1] };
    };
    expect(await sampling()).toMatchObject({
      topP: 1,
      delayTemperature: 1,
      durationTemperature: 1,
      velocityTemperature: 1,
      repetition: 2,
      line: 'temperature 1, repetition cache × 2',
    });
    expect(await sampling('--top-p', '0.9', '--timing-temperature', '0.9,1,1')).toMatchObject({
      topP: 0.9,
      delayTemperature: 0.9,
      durationTemperature: 1,
      line: 'temperature 1, top-p 0.9, timing temperatures 0.9 / 1 / 1 (delay / duration / velocity), repetition cache × 2',
    });
  });

  it('bad input: one clear line, exit 1, no report', async () => {
    const out = join(dir, 'never');
    const garbage = join(dir, 'garbage.howl');
    writeFileSync(garbage, 'not a dataset');
    const trainOnly = join(dir, 'train-only.howl');
    expect((await howl('import', corpus, '-o', trainOnly, '--workers', '0', '--validation', '0')).code).toBe(
      0,
    );
    const cases: [string[], RegExp][] = [
      [['--model', join(dir, 'no-model'), '--data', data], /no-model: no such model folder/],
      [['--model', dir, '--data', data], /config\.json|checkpoint/],
      [['--model', model, '--data', join(dir, 'missing.howl')], /cannot read .*missing\.howl: no such file/],
      [['--model', model, '--data', garbage], /garbage\.howl: not a Howl dataset/],
      [
        ['--model', model, '--data', trainOnly],
        /train-only\.howl: the validation split has no pieces to score/,
      ],
      [['--model', model, '--data', data, '--split', 'test'], /--split test is not validation or train/],
      [
        ['--model', model, '--data', data, '--pieces', '-1'],
        /--pieces -1 is not a whole number from 0 to 1024/,
      ],
      [['--model', model, '--data', data, '--top-p', '2'], /--top-p 2 is not a number in \(0, 1\]/],
      [
        ['--model', model, '--data', data, '--timing-temperature', '0'],
        /--timing-temperature 0 is not a number > 0/,
      ],
      [
        ['--model', model, '--data', data, '--timing-temperature', '0.8'],
        /--timing-temperature: this model predicts timing as one value/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await howl('eval', ...args, '--out', out);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.err).toMatch(message);
      expect(run.err.trim().split('\n')).toHaveLength(1);
      expect(run.out).toBe('');
      expect(existsSync(out)).toBe(false);
    }
    const noData = await howl('eval', '--model', model);
    expect(noData.code).toBe(1);
    expect(noData.err).toMatch(/required option '--data <file.howl>'/);
  });
});
