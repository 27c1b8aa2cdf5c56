import { describe, expect, test } from 'vitest';
import { randomStepWeights } from '../test-support/random-step-weights.js';
import { TINY_MODEL, makeTinyDataset } from '../test-support/fixtures.js';
import { evaluateModel } from './evaluate.js';
import { REPORT_FORMAT, buildReport, reportJson, reportMarkdown, type ReportContext } from './report.js';

const dataset = makeTinyDataset({ trainNotes: [40, 40], validationNotes: [30] });
const result = evaluateModel(TINY_MODEL, randomStepWeights(TINY_MODEL, 2), dataset, { pieces: 2, notes: 30 });
const context: ReportContext = {
  modelName: 'tiny <model>',
  modelPath: 'runs/tiny',
  dataPath: 'data/tiny.howl',
  command: 'howl eval --model runs/tiny --data data/tiny.howl',
  created: '2026-01-02T03:04:05.000Z',
  training: { steps: 12, seconds: 60, bestLoss: null },
};

describe('the report', () => {
  test('four files: Markdown embedding two SVG figures, and JSON', () => {
    const files = buildReport(result, context);
    expect(files.map((f) => f.name).sort()).toEqual([
      'histograms.svg',
      'nll.svg',
      'report.json',
      'report.md',
    ]);
    const md = files.find((f) => f.name === 'report.md')!.content;
    expect(md).toContain('![nats per note, model against baselines](nll.svg)');
    expect(md).toContain('(histograms.svg)');
    for (const svg of files.filter((f) => f.name.endsWith('.svg'))) {
      expect(svg.content.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.content.trimEnd().endsWith('</svg>')).toBe(true);
      expect(svg.content).not.toMatch(/NaN|undefined|Infinity/);
    }
    expect(files.find((f) => f.name === 'histograms.svg')!.content).toContain('tiny &lt;model&gt;');
  });

  test('the Markdown states the verdict, the numbers and the run', () => {
    const md = reportMarkdown(result, context);
    expect(md).toMatch(/^# howl eval: tiny <model>$/m);
    expect(md).toContain(`**Verdict.** ${result.likelihood.verdict}`);
    expect(md).toContain('BROKEN');
    expect(md).toContain(`| **model** | **${result.likelihood.model.pitch.toFixed(3)}**`);
    expect(md).toContain('| **mean** |');
    expect(md).toContain('### Degeneration');
    expect(md).toContain(context.command);
    expect(md).not.toMatch(/NaN|undefined/);
  });

  test('the JSON holds every number; non-finite ones become null', () => {
    const parsed = JSON.parse(reportJson(result, context)) as Record<string, unknown>;
    expect(parsed['format']).toBe(REPORT_FORMAT);
    expect(parsed['likelihood']).toEqual(JSON.parse(JSON.stringify(result.likelihood)));
    const withNaN = {
      ...result,
      likelihood: { ...result.likelihood, model: { ...result.likelihood.model, delay: NaN } },
    };
    const back = JSON.parse(reportJson(withNaN, context)) as { likelihood: { model: { delay: unknown } } };
    expect(back.likelihood.model.delay).toBeNull();
  });

  test('without generated music: no histograms figure, no music section', () => {
    const files = buildReport({ ...result, music: null }, context);
    expect(files.map((f) => f.name)).not.toContain('histograms.svg');
    expect(files.find((f) => f.name === 'report.md')!.content).not.toContain('## 2.');
  });
});
