import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, howlBin } from '../../test-support/built-cli.js';
import { edgeSubsetDir, pianoSubsetDir } from '../../test-support/shared-data.js';
import { runCli as howl } from '../../test-support/run-cli.js';

const midi = (name: string): string => join(edgeSubsetDir, 'jazz-soft-test-midi-files', 'midi', name);
const scale = midi('test-c-major-scale.mid'); // 8 notes, 4 s

describe('howl render', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'howl-render-'));
    ensureBuilt(join('cli', 'commands', 'render.js'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the built CLI renders a MIDI file to a 16-bit WAV and says what it wrote', () => {
    const out = join(dir, 'scale.wav');
    const result = spawnSync(process.execPath, [howlBin, 'render', scale, '-o', out], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /scale\.wav: 0:06\.0 of WAV at 44100 Hz from 8 notes with .*FluidR3.*; peak normalised to -1 dBFS .* real time \(main thread\)\n$/,
    );
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(bytes.readUInt16LE(34)).toBe(16); // bits per sample
    expect((bytes.length - 44) / 4 / 44100).toBeCloseTo(6, 1); // 4 s of notes + 2 s tail
    expect(readdirSync(dir)).toEqual(['scale.wav']);
  });

  it('the built CLI fails on a file that is not MIDI with one line, exit 1, and no output', () => {
    const out = join(dir, 'nope.wav');
    const result = spawnSync(
      process.execPath,
      [howlBin, 'render', midi('test-not-a-midi-file.mid'), '-o', out],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^howl: .*test-not-a-midi-file\.mid: not a MIDI file: no MThd header\n$/);
    expect(readdirSync(dir)).toEqual(['scale.wav']);
  });

  it('bad input fails with one line and leaves nothing behind', async () => {
    const out = join(dir, 'bad.wav');
    const cases: [string[], RegExp][] = [
      [[midi('test-empty.mid'), '-o', out], /test-empty\.mid: no notes to render$/],
      [['/no/such.mid', '-o', out], /^cannot read \/no\/such\.mid: no such file$/],
      [[scale, '-o', join(dir, 'x.flac')], /x\.flac: unknown audio format \(use \.wav, \.mp3 or \.ogg\)$/],
      [[scale, '-o', out, '--soundfont', join(dir, 'none.sf2')], /^cannot read .*none\.sf2: no such file$/],
      [
        [scale, '-o', out, '--soundfont', scale],
        /test-c-major-scale\.mid: not a SoundFont \(SF2, SF3 or DLS\)/,
      ],
      [[scale, '-o', join(dir, 'no', 'x.wav')], /^cannot write .*x\.wav: the folder .* does not exist$/],
      [
        [scale, '-o', out, '--sample-rate', '1000'],
        /^--sample-rate 1000 is not a whole number of Hz in 8000\.\.192000$/,
      ],
      [[scale, '-o', join(dir, 'x.mp3'), '--sample-rate', '96000'], /^MP3 cannot store 96000 Hz audio/],
      [[scale, '-o', join(dir, 'x.mp3'), '--float'], /^--float needs a \.wav output/],
    ];
    for (const [args, message] of cases) {
      const { code, out: stdout, err } = await howl('render', ...args);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(err.split('\n')).toHaveLength(2); // one line
      expect(err.replace(/^howl: /, '').trimEnd()).toMatch(message);
    }
    expect(readdirSync(dir)).toEqual(['scale.wav']);
  });

  it('writes MP3 and 32-bit float WAV, without reverb or normalisation on request', async () => {
    const mp3 = join(dir, 'scale.mp3');
    expect((await howl('render', scale, '-o', mp3, '--tail', '0.5')).code).toBe(0);
    expect(readFileSync(mp3)[0]).toBe(0xff);
    const float = join(dir, 'float.wav');
    const raw = await howl(
      'render',
      scale,
      '-o',
      float,
      '--float',
      '--no-reverb',
      '--no-normalize',
      '--tail',
      '0',
    );
    expect(raw.out).toMatch(/of 32-bit float WAV .*raw level, peak -\d+\.\d dBFS/);
    const bytes = readFileSync(float);
    expect(bytes.readUInt16LE(20)).toBe(3); // WAVE_FORMAT_IEEE_FLOAT
    rmSync(mp3);
    rmSync(float);
  });
});

describe('howl plot', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'howl-plot-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('draws a piano roll SVG with one rectangle per note', async () => {
    const out = join(dir, 'roll.svg');
    const { code, out: stdout } = await howl('plot', join(pianoSubsetDir, 'Bach', 'bach_846.mid'), '-o', out);
    expect(code).toBe(0);
    const notes = Number(/piano roll of (\d+) notes/.exec(stdout)?.[1]);
    expect(notes).toBeGreaterThan(100);
    const svg = readFileSync(out, 'utf8');
    expect(svg.match(/<rect class="note"/g)).toHaveLength(notes);
    expect(svg).toContain('bach_846.mid');
  });

  it('fails with one line on no notes or a non-SVG name', async () => {
    expect((await howl('plot', midi('test-empty.mid'), '-o', join(dir, 'x.svg'))).err).toMatch(
      /test-empty\.mid: no notes to plot\n$/,
    );
    expect((await howl('plot', scale, '-o', join(dir, 'x.png'))).err).toMatch(
      /x\.png: the piano roll is SVG/,
    );
    expect(readdirSync(dir)).toEqual(['roll.svg']);
  });
});
