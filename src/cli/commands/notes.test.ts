import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { edgeCasesDir, edgeSubsetDir, repoRoot } from '../../test-support/shared-data.js';
import { runCli as howl } from '../../test-support/run-cli.js';
import { writeMidi } from '../../midi/write-midi.js';
import { formatNoteLine, NOTES_HEADER } from './notes.js';

describe('formatNoteLine', () => {
  it('prints time and duration to 3 decimals, MIDI pitch, name with sharps (C4 = 60), velocity', () => {
    expect(formatNoteLine({ pitch: 61, velocity: 90, time: 0.5, duration: 0.25 })).toBe(
      '0.500\t0.250\t61\tC#4\t90',
    );
    expect(formatNoteLine({ pitch: 0, velocity: 1, time: 1.23456, duration: 0 })).toBe(
      '1.235\t0.000\t0\tC-1\t1',
    );
  });
});

describe('howl notes', () => {
  const file = (path: string): string => join(edgeSubsetDir, path);

  it('prints a header and one tab-separated line per note', async () => {
    const { code, out, err } = await howl(
      'notes',
      file('jazz-soft-test-midi-files/midi/test-c-major-scale.mid'),
    );
    expect(code).toBe(0);
    expect(err).toBe('');
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe(NOTES_HEADER);
    expect(lines.slice(1, 3)).toEqual(['0.000\t0.500\t60\tC4\t127', '0.500\t0.500\t62\tD4\t127']);
    expect(lines).toHaveLength(9);
  });

  it('applies the pedal unless --raw', async () => {
    const path = file('jazz-soft-test-midi-files/midi/test-control-40-damper.mid');
    const pedal = (await howl('notes', path)).out.split('\n')[5];
    const raw = (await howl('notes', '--raw', path)).out.split('\n')[5];
    expect(pedal).toBe('4.500\t3.000\t60\tC4\t127');
    expect(raw).toBe('4.500\t0.500\t60\tC4\t127');
  });

  it('--drums keeps channel 10; --json prints the notes and warnings', async () => {
    const path = file('note-seq-testdata/example_is_drum.mid');
    const without = JSON.parse((await howl('notes', '--json', path)).out) as {
      notes: unknown[];
      warnings: string[];
    };
    const withDrums = JSON.parse((await howl('notes', '--json', '--drums', path)).out) as {
      notes: unknown[];
    };
    expect(withDrums.notes.length - without.notes.length).toBe(2);
    expect(without.warnings).toEqual([`${path}: 2 drum notes on channel 10 left out`]);
  });

  it('warnings go to stderr, prefixed', async () => {
    const { code, err } = await howl(
      'notes',
      file('jazz-soft-test-midi-files/midi/test-illegal-message-f4.mid'),
    );
    expect(code).toBe(0);
    expect(err).toMatch(/^howl: warning: .*undefined status byte 0xf4 skipped/);
  });

  it('a missing file or a non-MIDI file fails with one line and exit code 1', async () => {
    const missing = await howl('notes', '/no/such/file.mid');
    expect(missing).toEqual({ code: 1, out: '', err: 'howl: cannot read /no/such/file.mid: no such file\n' });
    const notMidi = await howl('notes', file('jazz-soft-test-midi-files/midi/test-not-a-midi-file.mid'));
    expect(notMidi.code).toBe(1);
    expect(notMidi.err).toMatch(/test-not-a-midi-file\.mid: not a MIDI file: no MThd header\n$/);
  });

  it('a file over --max-notes fails with one line naming the file, the count and the option', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'howl-notes-'));
    try {
      const many = join(dir, 'many.mid');
      const notes = Array.from({ length: 300 }, (_, i) => ({
        pitch: 60,
        velocity: 90,
        time: i * 0.1,
        duration: 0.05,
      }));
      writeFileSync(many, writeMidi(notes));
      expect(await howl('notes', '--max-notes', '200', many)).toEqual({
        code: 1,
        out: '',
        err: `howl: ${many}: 300 notes, over the limit of 200 notes per file; --max-notes raises the limit\n`,
      });
      expect((await howl('notes', '--max-notes', '300', many)).out.trimEnd().split('\n')).toHaveLength(301);
      expect((await howl('notes', '--max-notes', 'lots', many)).err).toBe(
        'howl: --max-notes lots is not a whole number >= 1\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('file bytes quoted in an error are escaped, never printed raw (a NUL in a RIFF form)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'howl-notes-'));
    try {
      const odd = join(dir, 'odd.rmi');
      const bytes = readFileSync(file('synthetic/riff-rmid-wrapped.rmi'));
      bytes.set([0x52, 0x4d, 0xc2, 0x00], 8);
      writeFileSync(odd, bytes);
      const { code, err } = await howl('notes', odd);
      expect(code).toBe(1);
      expect(err).toBe(`howl: ${odd}: not a MIDI file: RIFF form 'RM\\xC2\\x00', not 'RMID'\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--help says what the limits are', async () => {
    const { out } = await howl('notes', '--help');
    expect(out).toMatch(/--max-notes <n> .*\(default: "2000000"\)/s);
    expect(out).toMatch(/Limits: a file with more than --max-notes notes \(default 2,000,000/);
  });

  // Needs the build (`npm test` builds first): checks the real binary in a closed pipe. Needs
  // ../shared for the huge file (not in test/fixtures).
  it.skipIf(!edgeCasesDir || !existsSync(join(repoRoot, 'dist', 'cli', 'commands', 'notes.js')))(
    'stops quietly when the reader of its output goes away (| head)',
    () => {
      const huge = file('synthetic/huge-500k-notes.mid');
      const bin = join(repoRoot, 'bin', 'howl.js');
      const result = spawnSync(
        'bash',
        ['-c', `set -o pipefail; node "${bin}" notes --raw "${huge}" | head -3`],
        {
          encoding: 'utf8',
        },
      );
      expect(result.stdout.split('\n').slice(0, 2)).toEqual([NOTES_HEADER, '0.000\t1.625\t60\tC4\t100']);
      expect(result.stderr).not.toMatch(/EPIPE|Error/);
      expect(result.status).toBe(0);
    },
  );
});
