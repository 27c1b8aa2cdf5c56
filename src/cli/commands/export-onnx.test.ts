import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { OnnxManifest } from '../../export/onnx-export.js';
import { defaultModelDir, loadModel } from '../../node/load-model.js';
import { compareSteps, openOnnxSessions } from '../../test-support/onnx-step.js';
import { randomPhrase } from '../../test-support/ordered-scoring.js';
import { runCli as howl } from '../../test-support/run-cli.js';
import { repoRoot } from '../../test-support/shared-data.js';

// A full disk, injected where a test asks for it (`inject.failOn`): handles opened on matching
// paths write half their bytes and fail with ENOSPC. Everything else is the real file system.
const inject = vi.hoisted(() => ({ failOn: undefined as RegExp | undefined, code: 'ENOSPC' }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const { withInjectedWriteFailures } = await import('../../test-support/failing-fs.js');
  return withInjectedWriteFailures(await importOriginal<typeof import('node:fs/promises')>(), inject);
});

const dir = mkdtempSync(join(tmpdir(), 'howl-export-onnx-'));
afterEach(() => {
  inject.failOn = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An export folder's files and description, as a user elsewhere reads them. */
function readExport(out: string) {
  const manifest = JSON.parse(readFileSync(join(out, 'onnx.json'), 'utf8')) as OnnxManifest;
  const files = new Map(
    manifest.graphs.map((g) => [g.file, new Uint8Array(readFileSync(join(out, g.file)))]),
  );
  return { manifest, files };
}

/** The written graphs against Howl's step network on the model they came from: max |Δ| of probabilities. */
async function checkAgainstHowl(out: string, modelDir: string) {
  const { manifest, files } = readExport(out);
  const model = await loadModel(modelDir);
  const pieces = [randomPhrase(12, 4), randomPhrase(12, 5)];
  const diff = await compareSteps(
    model.config.model,
    model.weights,
    await openOnnxSessions(files, manifest),
    manifest,
    pieces,
  );
  expect(diff.probability).toBeLessThanOrEqual(1e-4);
  expect(diff.state).toBeLessThanOrEqual(1e-4);
  return manifest;
}

describe('howl export --format onnx', () => {
  const out = join(dir, 'onnx');

  it("writes the shipped default's step network and heads, which onnxruntime runs as Howl does", async () => {
    const run = await howl('export', '--format', 'onnx', '-o', out);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const paths = ['model.onnx', 'pitch.onnx', 'rest.onnx', 'onnx.json'].map((f) => join(out, f));
    expect(run.out).toMatch(
      new RegExp(`^${paths.join(', ')}: ONNX opset 17, ordered LSTM-416, [\\d,]+ parameters\n$`),
    );
    // Nothing else: no temporary file left.
    expect(readdirSync(out).sort()).toEqual(['model.onnx', 'onnx.json', 'pitch.onnx', 'rest.onnx']);
    const manifest = await checkAgainstHowl(out, defaultModelDir());
    expect(manifest.model).toEqual((await loadModel()).config.model);
    expect(manifest.graphs.map((g) => g.role)).toEqual(['step', 'pitch', 'rest']);
  });

  it("docs/onnx.md's JavaScript sampling loop runs on the export", () => {
    const docs = readFileSync(join(repoRoot, 'docs/onnx.md'), 'utf8');
    const loop = /```js\n([\s\S]*?)```/.exec(docs)![1]!;
    // As a user's script in this package (so that it finds onnxruntime-web), the folder as argument.
    const run = spawnSync(process.execPath, ['--input-type=module', '-', out], {
      input: loop,
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(32);
    for (const line of lines)
      expect(line).toMatch(/^\d+\.\d{3} s {2}pitch \d+ {2}velocity \d+ {2}\d+\.\d{2} s$/);
  });

  it('an export that cannot be written: one line naming the file, the previous export intact', async () => {
    const before = readdirSync(out).map((f) => [f, readFileSync(join(out, f))] as const);
    inject.failOn = /\.model\.onnx\.\d+\.\d+\.tmp$/;
    const original = join(repoRoot, 'models/piano-lstm192');
    const full = await howl('export', original, '--format', 'onnx', '-o', out);
    expect(full.code).toBe(1);
    expect(full.err).toBe(`howl: cannot write ${join(out, 'model.onnx')}: no space left on device\n`);
    expect(full.out).toBe('');
    for (const [file, bytes] of before) expect(readFileSync(join(out, file)).equals(bytes), file).toBe(true);
    expect(readdirSync(out).sort()).toEqual(before.map(([f]) => f).sort());
  });

  it("replaces an export: an original network's (no heads) removes the heads of the one before", async () => {
    const original = join(repoRoot, 'models/piano-lstm192');
    const run = await howl('export', original, '--format', 'onnx', '-o', out);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toBe(
      `${join(out, 'model.onnx')}, ${join(out, 'onnx.json')}: ONNX opset 17, LSTM-192, 478,907 parameters\n`,
    );
    expect(readdirSync(out).sort()).toEqual(['model.onnx', 'onnx.json']);
    const manifest = await checkAgainstHowl(out, original);
    expect(manifest.state).toEqual([
      { input: 'h', output: 'h_next' },
      { input: 'c', output: 'c_next' },
    ]);
  });

  it('a model Howl cannot read, or an --out that is a file: one clear line, exit 1, nothing written', async () => {
    const unknown = join(dir, 'unknown-type');
    mkdirSync(unknown);
    writeFileSync(join(unknown, 'model.safetensors'), new Uint8Array(8));
    writeFileSync(
      join(unknown, 'config.json'),
      JSON.stringify({ format: 'howl-checkpoint', version: 1, model: { type: 'mamba' }, encoding: 'v1' }),
    );
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, '');
    const never = join(dir, 'never');
    const cases: [string[], RegExp][] = [
      [
        [unknown, '-o', never],
        /^howl: .*unknown-type.*unknown model type "mamba"; known: original-lstm, ordered-rnn, transformer/,
      ],
      [['-o', aFile], /^howl: --out .*a-file is a file, not a folder$/],
    ];
    for (const [args, message] of cases) {
      const run = await howl('export', '--format', 'onnx', ...args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.err.trim(), args.join(' ')).toMatch(message);
      expect(run.out).toBe('');
    }
    expect(readdirSync(dir)).not.toContain('never');
  });
});
