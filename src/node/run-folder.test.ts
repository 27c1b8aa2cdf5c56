import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  metricsUpToStep,
  modelCheckpointDir,
  readRunRecord,
  recordedDataset,
  resumeTarget,
  runFolder,
  truncateMetrics,
  writeRunRecord,
} from './run-folder.js';

const dir = mkdtempSync(join(tmpdir(), 'howl-run-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (type: string, step: number): string => `{"type":"${type}","step":${step}}\n`;

describe('run folder', () => {
  it('metricsUpToStep keeps each record up to the checkpoint, and drops a cut line', () => {
    const text =
      line('event', 0) +
      line('step', 1) +
      line('step', 2) +
      line('validation', 2) +
      line('step', 3) +
      '{"type":"st';
    expect(metricsUpToStep(text, 2)).toEqual({
      text: line('event', 0) + line('step', 1) + line('step', 2) + line('validation', 2),
      dropped: 2,
    });
    expect(metricsUpToStep(line('step', 1), 5)).toEqual({ text: line('step', 1), dropped: 0 });
  });

  it('truncateMetrics rewrites the log only when it must', async () => {
    const run = runFolder(join(dir, 'metrics'));
    mkdirSync(run.dir);
    expect(await truncateMetrics(run, 3)).toBe(0); // no log yet
    writeFileSync(run.metrics, line('step', 1) + line('step', 2));
    expect(await truncateMetrics(run, 2)).toBe(0);
    expect(await truncateMetrics(run, 1)).toBe(1);
    expect(readFileSync(run.metrics, 'utf8')).toBe(line('step', 1));
  });

  it('run.json records the dataset relative to the folder; a folder without one has no record', async () => {
    const run = runFolder(join(dir, 'runs', 'a'));
    mkdirSync(run.dir, { recursive: true });
    expect(await readRunRecord(run)).toBeUndefined();
    await writeRunRecord(run, join(dir, 'data', 'x.howl'), 'wasm');
    const record = await readRunRecord(run);
    expect(record).toEqual({ dataset: '../../data/x.howl', backend: 'wasm' });
    expect(recordedDataset(run, record!)).toBe(join(dir, 'data', 'x.howl'));
    writeFileSync(run.record, '{"backend":"cpu"}');
    await expect(readRunRecord(run)).rejects.toThrow(/run\.json: not a run record/);
  });

  it('a model comes from a checkpoint folder, else best/, else checkpoint/; --resume takes a run or a checkpoint', () => {
    const run = runFolder(join(dir, 'runs', 'b'));
    mkdirSync(run.checkpoint, { recursive: true });
    writeFileSync(join(run.checkpoint, 'config.json'), '{}');
    expect(modelCheckpointDir(run.dir)).toBe(run.checkpoint);
    mkdirSync(run.best);
    writeFileSync(join(run.best, 'config.json'), '{}');
    expect(modelCheckpointDir(run.dir)).toBe(run.best);
    expect(modelCheckpointDir(run.checkpoint)).toBe(run.checkpoint);
    expect(resumeTarget(run.dir)).toEqual({ run, checkpointDir: run.checkpoint });
    writeFileSync(join(run.best, 'state.json'), '{}');
    expect(resumeTarget(run.best)).toEqual({ run: runFolder(run.dir), checkpointDir: run.best });
  });
});
