import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMidi } from '../../midi/read-midi.js';
import { writeMidi } from '../../midi/write-midi.js';
import { repoRoot } from '../../test-support/shared-data.js';
import { runCli as howl } from '../../test-support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'howl-generate-'));
const primer = join(repoRoot, 'test/fixtures/piano-midi-de/Bach/bach_846.mid');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('howl generate (shipped model)', () => {
  it('writes a MIDI file of exactly the asked length; the same seed gives the same piece', async () => {
    const a = join(dir, 'a.mid');
    const b = join(dir, 'b.mid');
    const first = await howl('generate', '--no-audio', '--seed', '5', '--notes', '120', '-o', a);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain(`${a}: 120 notes`);
    expect(first.out).toContain('seed 5');
    await howl('generate', '--no-audio', '--seed', '5', '--notes', '120', '-o', b);
    expect(readFileSync(a)).toEqual(readFileSync(b));
    const notes = readMidi(readFileSync(a)).notes;
    expect(notes).toHaveLength(120);
    // The piece starts at 0; readMidi lists a chord rolled within 10 ms by pitch, so take the earliest onset.
    expect(Math.min(...notes.map((n) => n.time))).toBe(0);
  });

  it('--notes N counts a --seed-note as the first of the N notes', async () => {
    const out = join(dir, 'seeded.mid');
    const result = await howl('generate', '--no-audio', '--seed-note', 'E4', '--notes', '1000', '-o', out);
    expect(result.out).toContain(`${out}: 1000 notes`);
    const notes = readMidi(readFileSync(out)).notes;
    expect(notes).toHaveLength(1000);
    // The seed note sounds first. The model may roll a chord onto it within 10 ms, and readMidi lists
    // the notes of one centisecond by pitch (sortNotes), so look for the earliest onset, not the first row.
    const first = notes.reduce((a, b) => (b.time < a.time ? b : a));
    expect(first.pitch).toBe(64);
    const one = join(dir, 'one.mid');
    await howl('generate', '--no-audio', '--notes', '1', '-o', one);
    expect(readMidi(readFileSync(one)).notes).toHaveLength(1);
  });

  it('--audio writes .wav, .mp3 and .ogg, by the ending', async () => {
    const magic: [string, (bytes: Buffer) => boolean][] = [
      ['wav', (b) => b.subarray(0, 4).toString() === 'RIFF' && b.subarray(8, 12).toString() === 'WAVE'],
      ['mp3', (b) => b.subarray(0, 3).toString() === 'ID3' || (b[0] === 0xff && (b[1]! & 0xe0) === 0xe0)],
      ['ogg', (b) => b.subarray(0, 4).toString() === 'OggS'],
    ];
    for (const [ending, isFormat] of magic) {
      const audio = join(dir, `sound.${ending}`);
      const result = await howl(
        'generate',
        '--seed',
        '2',
        '--notes',
        '12',
        '-o',
        join(dir, 'sound.mid'),
        '--audio',
        audio,
      );
      expect(result.err, ending).toBe('');
      expect(result.out, ending).toContain(audio);
      expect(isFormat(readFileSync(audio)), ending).toBe(true);
    }
  }, 60_000);

  it("--primer: the piece starts with the person's notes (or leaves them out); --count ranks candidates", async () => {
    const primed = join(dir, 'primed.mid');
    const alone = join(dir, 'alone.mid');
    const primerNotes = readMidi(readFileSync(primer)).notes;
    const withPrimer = await howl(
      'generate',
      '--no-audio',
      '--primer',
      primer,
      '--notes',
      '50',
      '--count',
      '4',
      '--seed',
      '1',
      '-o',
      primed,
    );
    expect(withPrimer.code).toBe(0);
    expect(withPrimer.out).toContain('(best of 4)');
    const written = readMidi(readFileSync(primed)).notes;
    expect(written).toHaveLength(primerNotes.length + 50);
    expect(written.slice(0, 20).map((n) => n.pitch)).toEqual(primerNotes.slice(0, 20).map((n) => n.pitch));
    await howl(
      'generate',
      '--no-audio',
      '--primer',
      primer,
      '--notes',
      '50',
      '--no-include-primer',
      '--seed',
      '1',
      '-o',
      alone,
    );
    expect(readMidi(readFileSync(alone)).notes).toHaveLength(50);
  });

  it('--seconds, --seed-note, --greedy, a pitch range and a piano roll', async () => {
    const out = join(dir, 'made', 'here', 'range.mid'); // folders are created
    const result = await howl(
      'generate',
      '--no-audio',
      '--seconds',
      '20',
      '--seed-note',
      'C3',
      '--min-pitch',
      'C3',
      '--max-pitch',
      'C6',
      '--greedy',
      '--plot',
      '-o',
      out,
    );
    expect(result.err).toBe('');
    const notes = readMidi(readFileSync(out)).notes;
    expect(notes[0]!.pitch).toBe(48);
    expect(notes.every((n) => n.pitch >= 48 && n.pitch <= 84)).toBe(true);
    expect(notes[notes.length - 1]!.time).toBeLessThanOrEqual(20 + 0.01);
    expect(readFileSync(join(dir, 'made', 'here', 'range.svg'), 'utf8')).toContain('<svg');
  });

  it("--timing-temperature reaches the shipped model's timing; the original's model still plays by --model", async () => {
    const steady = join(dir, 'steady.mid');
    const free = join(dir, 'free.mid');
    const common = ['--no-audio', '--seed', '3', '--notes', '300'];
    expect((await howl('generate', ...common, '--timing-temperature', '0.3', '-o', steady)).code).toBe(0);
    expect((await howl('generate', ...common, '--timing-temperature', '1.5', '-o', free)).code).toBe(0);
    // Delays in 10 ms bins: a cold timing temperature concentrates them on fewer bins.
    const distinctDelays = (file: string) => {
      const notes = readMidi(readFileSync(file)).notes;
      return new Set(notes.slice(1).map((n, i) => Math.floor((n.time - notes[i]!.time) * 100))).size;
    };
    expect(distinctDelays(steady)).toBeLessThan(distinctDelays(free));
    const original = join(dir, 'original.mid');
    const played = await howl(
      'generate',
      ...common,
      '--model',
      join(repoRoot, 'models/piano-lstm192'),
      '-o',
      original,
    );
    expect(played.err).toBe('');
    expect(readMidi(readFileSync(original)).notes).toHaveLength(300);
  });

  it("the shipped model plays by its folder's sampling.json, and flags override it", async () => {
    const common = ['--no-audio', '--seed', '6', '--notes', '150'];
    const piece = async (name: string, ...flags: string[]) => {
      const out = join(dir, `${name}.mid`);
      expect((await howl('generate', ...common, ...flags, '-o', out)).code).toBe(0);
      return readFileSync(out);
    };
    const byDefault = await piece('sampling-default');
    // models/piano-asap-ordered-lstm/sampling.json: top-p 1, the timing heads at 1 (and its caches at 2).
    expect(await piece('sampling-spelt', '--top-p', '1', '--timing-temperature', '1')).toEqual(byDefault);
    expect(await piece('sampling-raw', '--top-p', '0.95', '--timing-temperature', '1')).not.toEqual(
      byDefault,
    );
  });

  it('--chords together starts chord notes at one instant; rolled (the default) spreads them under 10 ms', async () => {
    const together = join(dir, 'together.mid');
    const rolled = join(dir, 'rolled.mid');
    const common = ['--no-audio', '--seed', '4', '--notes', '300'];
    expect((await howl('generate', ...common, '--chords', 'together', '-o', together)).code).toBe(0);
    expect((await howl('generate', ...common, '-o', rolled)).code).toBe(0);
    const gaps = (file: string) => {
      const notes = readMidi(readFileSync(file)).notes;
      return notes.slice(1).map((n, i) => n.time - notes[i]!.time);
    };
    // MIDI ticks round times (about 0.5 ms a tick here): "at one instant" is within a tick or two,
    // and the next delay up, the grid's 10 ms, can be written as 9.5 ms.
    const inChords = (file: string) => gaps(file).filter((gap) => gap < 0.009);
    expect(inChords(together).length).toBeGreaterThan(10);
    expect(inChords(together).every((gap) => gap < 0.0015)).toBe(true);
    expect(inChords(rolled).some((gap) => gap > 0.002)).toBe(true);
  });

  it('the shipped transformer plays by --model, with its timing temperature, and continues a primer', async () => {
    const primer = join(dir, 'transformer-primer.mid');
    const chord = [60, 64, 67].map((pitch) => ({ pitch, velocity: 80, time: 0.5, duration: 1 }));
    writeFileSync(primer, writeMidi([...chord, { pitch: 72, velocity: 80, time: 1.5, duration: 1 }]));
    const out = join(dir, 'transformer.mid');
    const model = join(repoRoot, 'models/piano-transformer');
    const played = await howl(
      'generate',
      ...['--no-audio', '--seed', '5', '--notes', '200', '--timing-temperature', '0.8'],
      ...['--model', model, '--primer', primer, '-o', out],
    );
    expect(played.err).toBe('');
    const notes = readMidi(readFileSync(out)).notes;
    expect(notes).toHaveLength(204);
    // No key struck twice at one onset.
    const onsets = new Map<string, number[]>();
    for (const n of notes) onsets.set(n.time.toFixed(2), [...(onsets.get(n.time.toFixed(2)) ?? []), n.pitch]);
    for (const pitches of onsets.values()) expect(new Set(pitches).size).toBe(pitches.length);
  });

  it('bad input: one clear line, exit 1, and no output file left behind', async () => {
    const empty = join(dir, 'empty.mid');
    writeFileSync(empty, writeMidi([]));
    const notMidi = join(dir, 'not-midi.mid');
    writeFileSync(notMidi, 'hello, this is text');
    const corrupt = join(dir, 'corrupt-model');
    const { cpSync } = await import('node:fs');
    cpSync(join(repoRoot, 'models/piano-lstm192'), corrupt, { recursive: true });
    writeFileSync(join(corrupt, 'weights.bin'), 'truncated');
    const target = join(dir, 'bad', 'never.mid');
    const cases: [string[], string][] = [
      [['--temperature', '0'], '--temperature 0 is not a number > 0'],
      [['--temperature', '-1'], '--temperature -1 is not a number > 0'],
      [['--notes', '10', '--seconds', '5'], 'give --notes or --seconds, not both'],
      [['--greedy', '--temperature', '0.5'], '--greedy takes the most likely pitch'],
      [['--primer', primer, '--seed-note', 'C4'], 'give --primer or --seed-note, not both'],
      [['--seed-note', 'H9'], '--seed-note H9 is not a note name'],
      [['--top-p', '1.5'], '--top-p 1.5 is not a number in (0, 1]'],
      [['--min-pitch', 'C6', '--max-pitch', 'C3'], '--min-pitch C6 is above --max-pitch C3'],
      [
        ['--timing-temperature', '0.5', '--model', join(repoRoot, 'models/piano-lstm192')],
        'there is no timing distribution to sample',
      ],
      [['--timing-temperature', '0'], '--timing-temperature 0 is not a number > 0'],
      [['--chords', 'arpeggiated'], '--chords: "arpeggiated" is not rolled or together'],
      [['--primer', join(dir, 'missing.mid')], 'missing.mid'],
      [['--primer', notMidi], 'not-midi.mid'],
      [['--primer', empty], 'empty.mid: the primer has no notes'],
      [['--model', join(dir, 'no-such-model')], 'no-such-model: no such model folder'],
      [['--model', corrupt], 'corrupt-model'],
      [['--audio', join(dir, 'bad', 'x.flac')], 'x.flac: unknown audio format (use .wav, .mp3 or .ogg)'],
    ];
    for (const [args, message] of cases) {
      const result = await howl('generate', '--no-audio', '--notes', '10', '-o', target, ...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.err, args.join(' ')).toContain(message);
      expect(result.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(readdirSync(dir)).not.toContain('bad');
  });
});
