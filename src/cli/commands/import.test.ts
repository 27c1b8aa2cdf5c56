import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeDataset, encodeDataset } from '../../data/dataset-format.js';
import { ensureBuilt } from '../../test-support/built-cli.js';
import { edgeSubsetDir, pianoSubsetDir, repoRoot } from '../../test-support/shared-data.js';

function howl(
  args: readonly string[],
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(repoRoot, 'bin', 'howl.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    cwd: work,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

let work: string;

describe('howl import / howl inspect (built CLI)', () => {
  let corpus: string;
  beforeAll(() => {
    ensureBuilt('cli/commands/import.js');
    work = mkdtempSync(join(tmpdir(), 'howl-cli-'));
    corpus = join(work, 'my corpus');
    const files = readdirSync(join(pianoSubsetDir, 'Bach')).slice(0, 3);
    for (const dir of [corpus]) {
      execFileSync('mkdir', ['-p', dir]);
      for (const name of files) copyFileSync(join(pianoSubsetDir, 'Bach', name), join(dir, name));
      copyFileSync(
        join(edgeSubsetDir, 'jazz-soft-test-midi-files/midi/test-not-a-midi-file.mid'),
        join(dir, 'broken.mid'),
      );
    }
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  test('imports a folder with workers, reports the skipped file, writes the dataset', () => {
    const { code, stdout, stderr } = howl(['import', corpus, '-o', 'out.howl', '--workers', '2']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^found {6}4 MIDI files in .*my corpus$/m);
    expect(stdout).toMatch(/^imported {3}3 files, [\d,]+ notes, [\d.]+ hours of music$/m);
    expect(stdout).toMatch(/^skipped {4}1 file:\n {2}broken\.mid: not a MIDI file/m);
    expect(stdout).toMatch(
      /^split {6}train \d+ files? \([\d,]+ notes\), validation \d+ files? \([\d,]+ notes\); 3 groups by file$/m,
    );
    expect(stdout).toMatch(
      /^time {7}[\d.]+ s, [\d,]+ files\/s, [\d.]+ MB\/s \(2 workers; (native reader|TypeScript reader \(.+\))\)$/m,
    );
    expect(stdout).toMatch(/^wrote {6}out\.howl \([\d.]+ MB\)$/m);
    const dataset = decodeDataset(readFileSync(join(work, 'out.howl')));
    expect(dataset.files.map((f) => f.path)).toHaveLength(3);
    expect(dataset.failures).toEqual([
      { path: 'broken.mid', source: 0, reason: expect.stringMatching(/not a MIDI file/) },
    ]);
    expect(readdirSync(work).filter((n) => n.endsWith('.tmp') || n.endsWith('.probe'))).toEqual([]);
  });

  test('0, 1 and 2 workers give the same dataset bytes apart from the created stamp', () => {
    const encoded = [0, 1, 2].map((workers) => {
      const { code } = howl(['import', corpus, '-o', `w${workers}.howl`, '--workers', String(workers)]);
      expect(code).toBe(0);
      const dataset = decodeDataset(readFileSync(join(work, `w${workers}.howl`)));
      return encodeDataset({ ...dataset, created: 'fixed' });
    });
    expect(encoded[1]).toEqual(encoded[0]);
    expect(encoded[2]).toEqual(encoded[0]);
  });

  test('a crashing worker loses no file: the culprit is skipped with a reason, the rest imported', () => {
    const culprit = readdirSync(corpus).sort()[1] as string;
    const { code, stdout, stderr } = howl(['import', corpus, '-o', 'crash.howl', '--workers', '2'], {
      HOWL_TEST_IMPORT_WORKER_CRASH_ON: culprit,
    });
    expect(code).toBe(0);
    expect(stdout).toContain(`  ${culprit}: the import worker crashed on this file (exit code 70)`);
    expect(stderr).toMatch(/howl: warning: an import worker crashed \(exit code 70\)/);
    const dataset = decodeDataset(readFileSync(join(work, 'crash.howl')));
    expect(dataset.files).toHaveLength(2);
    expect(dataset.failures.map((f) => f.path).sort()).toEqual(['broken.mid', culprit].sort());
  });

  test('default output is data/<folder name>.howl; options are recorded', () => {
    const { code } = howl(['import', corpus, '--raw', '--drums', '--validation', '0.5', '--workers', '0']);
    expect(code).toBe(0);
    const dataset = decodeDataset(readFileSync(join(work, 'data', 'my corpus.howl')));
    expect(dataset.settings).toEqual({
      sustain: false,
      includeDrums: true,
      validationFraction: 0.5,
      maxFileBytes: 64 << 20,
      groupBy: ['file'],
    });
  });

  test('--max-file-mb skips larger files', () => {
    const { code, stdout, stderr } = howl(['import', corpus, '-o', 'small.howl', '--max-file-mb', '0.001']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ {2}bach_.*\.mid: file is 0\.\d MB, over the 0\.0 MB limit$/m);
    expect(stderr).toBe('howl: none of the 4 MIDI files could be imported; nothing written\n');
    expect(existsSync(join(work, 'small.howl'))).toBe(false);
  });

  test('--max-notes skips files with more notes, naming the count and how to raise the limit', () => {
    const { code, stdout } = howl([
      'import',
      corpus,
      '-o',
      'few.howl',
      '--max-notes',
      '100',
      '--workers',
      '2',
    ]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ {2}bach_\w+\.mid: [\d,]+ notes, over the limit of 100 notes per file$/m);
    expect(stdout).toMatch(/^ {2}\(--max-notes raises the note limit\)$/m);
    expect(howl(['import', corpus, '--max-notes', '0']).stderr).toBe(
      'howl: --max-notes 0 is not a whole number >= 1\n',
    );
    expect(howl(['import', '--help']).stdout).toMatch(
      /Limits: a file over --max-file-mb \(default 64\) or --max-notes/,
    );
  });

  test('a missing folder is one clear line and exit 1', () => {
    const { code, stdout, stderr } = howl(['import', join(work, 'nowhere'), '-o', 'x.howl']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`howl: cannot read ${join(work, 'nowhere')}: no such file or directory\n`);
  });

  test('a folder without MIDI files is one clear line and exit 1', () => {
    const empty = join(work, 'empty');
    execFileSync('mkdir', ['-p', empty]);
    writeFileSync(join(empty, 'notes.txt'), 'x');
    const { code, stderr } = howl(['import', empty, '-o', 'x.howl']);
    expect(code).toBe(1);
    expect(stderr).toBe(`howl: no MIDI files (.mid, .midi, .kar, .rmi) found in ${empty}\n`);
  });

  test('an unwritable output path is one clear line and exit 1, before importing; missing folders are made', () => {
    writeFileSync(join(work, 'a-file'), 'x');
    const underFile = howl(['import', corpus, '-o', 'a-file/x.howl']);
    expect(underFile.code).toBe(1);
    expect(underFile.stderr).toBe(
      'howl: cannot write a-file/x.howl: a part of the path is a file, not a folder\n',
    );
    const newFolder = howl(['import', corpus, '-o', 'new/folder/x.howl']);
    expect(newFolder.code).toBe(0);
    expect(existsSync(join(work, 'new/folder/x.howl'))).toBe(true);
    if (process.platform === 'linux') {
      const proc = howl(['import', corpus, '-o', '/proc/x.howl']);
      expect(proc.code).toBe(1);
      expect(proc.stderr).toMatch(/^howl: cannot write \/proc\/x\.howl: .+\n$/);
    }
  });

  test('bad option values are one clear line', () => {
    expect(howl(['import', corpus, '--workers', 'two']).stderr).toBe(
      'howl: --workers two is not a whole number >= 0\n',
    );
    expect(howl(['import', corpus, '--validation', '1.5']).stderr).toBe(
      'howl: --validation 1.5 is not a fraction in [0, 1]\n',
    );
  });

  test('inspect prints counts, split, failures, ranges, version and load time', () => {
    howl(['import', corpus, '-o', 'inspect.howl', '--workers', '0']);
    const { code, stdout } = howl(['inspect', 'inspect.howl']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^dataset {4}inspect\.howl \([\d.]+ MB, format version 1\)$/m);
    expect(stdout).toMatch(/^files {6}3 \(train \d, validation \d\), 1 skipped$/m);
    expect(stdout).toMatch(/^notes {6}[\d,]+ \(train [\d,]+, validation [\d,]+\)$/m);
    expect(stdout).toMatch(/^music {6}[\d.]+ h \(train [\d.]+ h, validation [\d.]+ h\)$/m);
    expect(stdout).toMatch(/^pitch {6}\d+\.\.\d+ \([A-G]#?-?\d\.\.[A-G]#?-?\d\)$/m);
    expect(stdout).toMatch(/^velocity {3}\d+\.\.\d+, mean [\d.]+$/m);
    expect(stdout).toMatch(/^skipped {4}broken\.mid: not a MIDI file/m);
    expect(stdout).toMatch(/^loaded in {2}\d+ ms$/m);
    const files = howl(['inspect', 'inspect.howl', '--files']).stdout;
    expect(
      files.match(/^(train|validation) +\d+ +[\d.]+ {2}[0-9a-f]{16} {2}my corpus: bach_.*\.mid$/gm),
    ).toHaveLength(3);
  });

  test('inspect --json', () => {
    howl(['import', corpus, '-o', 'json.howl', '--workers', '0']);
    const summary = JSON.parse(howl(['inspect', 'json.howl', '--json', '--files']).stdout) as Record<
      string,
      unknown
    >;
    expect(summary).toMatchObject({ formatVersion: 1, totals: { files: 3, failures: 1 } });
    expect(summary.files).toHaveLength(3);
  });

  test('inspect of a missing, foreign or corrupt file is one clear line and exit 1', () => {
    expect(howl(['inspect', 'missing.howl'])).toMatchObject({
      code: 1,
      stderr: 'howl: cannot read missing.howl: no such file\n',
    });
    const foreign = howl(['inspect', join(corpus, 'broken.mid')]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/broken\.mid: not a Howl dataset/);
    howl(['import', corpus, '-o', 'corrupt.howl', '--workers', '0']);
    const bytes = readFileSync(join(work, 'corrupt.howl'));
    bytes[bytes.length - 100]! ^= 0xff;
    writeFileSync(join(work, 'corrupt.howl'), bytes);
    const corrupt = howl(['inspect', 'corrupt.howl']);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(
      /^howl: corrupt\.howl: checksum mismatch \(stored [0-9a-f]{16}, computed [0-9a-f]{16}\): the file is corrupt\n$/,
    );
  });

  test('30 files at --validation 0.1 hold out exactly 3; --group-by folder keeps a folder together', () => {
    const many = join(work, 'many');
    for (let f = 0; f < 30; f++) {
      const dir = join(many, `piece-${f % 10}`);
      execFileSync('mkdir', ['-p', dir]);
      // Two notes, different per file: a minimal format-0 file written byte by byte.
      const track = [
        0x00,
        0x90,
        30 + f,
        64,
        0x60,
        0x80,
        30 + f,
        0,
        0x00,
        0x90,
        31 + f,
        64,
        0x60,
        0x80,
        31 + f,
        0,
      ];
      const end = [0x00, 0xff, 0x2f, 0x00];
      const body = [...track, ...end];
      const bytes = [
        ...Buffer.from('MThd'),
        0,
        0,
        0,
        6,
        0,
        0,
        0,
        1,
        0,
        96,
        ...Buffer.from('MTrk'),
        0,
        0,
        0,
        body.length,
        ...body,
      ];
      writeFileSync(join(dir, `take-${f}.mid`), Uint8Array.from(bytes));
    }
    const byFile = howl(['import', many, '-o', 'many.howl', '--validation', '0.1', '--workers', '0']);
    expect(byFile.stdout).toMatch(/^split {6}train 27 files .*validation 3 files .*; 30 groups by file$/m);
    const byFolder = howl(['import', many, '-o', 'folders.howl', '--group-by', 'folder', '--workers', '0']);
    expect(byFolder.stdout).toMatch(
      /^split {6}train 27 files .*validation 3 files .*; 10 groups by folder$/m,
    );
    const dataset = decodeDataset(readFileSync(join(work, 'folders.howl')));
    const sides = new Map<string, Set<string>>();
    for (const file of dataset.files)
      sides.set(file.group, (sides.get(file.group) ?? new Set()).add(file.split));
    expect([...sides.values()].every((side) => side.size === 1)).toBe(true);
    const inspect = howl(['inspect', 'folders.howl']).stdout;
    expect(inspect).toMatch(
      /^ {2}many: grouped by folder, 27 train and 3 validation files \(9 and 1 groups\)$/m,
    );
    expect(howl(['import', many, '--group-by', 'piece']).stderr).toMatch(
      /--group-by: group rule "piece" is not one of: file, folder, regex:PATTERN/,
    );
  });
});
