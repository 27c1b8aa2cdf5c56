import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { edgeCasesDir, pianoMidiDir } from '../test-support/shared-data.js';
import { findMidiFiles, isMidiFileName } from './find-midi-files.js';

describe('findMidiFiles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'howl-find-'));
    await mkdir(join(dir, 'b', 'deep', 'deeper'), { recursive: true });
    await mkdir(join(dir, 'a'));
    for (const name of [
      'b/deep/deeper/x.MID',
      'b/one.midi',
      'a/two.kar',
      'a/three.RMI',
      'ⓉⒺⓈⓉ.mid',
      'èmpty.mid',
      'SubTractor 1.mid',
      'notes.txt',
      'mid',
      '.mid.bak',
    ]) {
      await writeFile(join(dir, name), 'x');
    }
    await symlink(dir, join(dir, 'b', 'loop')); // a loop back to the top
    await symlink(join(dir, 'a'), join(dir, 'link-to-a'));
    await symlink(join(dir, 'missing.mid'), join(dir, 'dangling.mid'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('finds every MIDI extension in any case, recursively, sorted, through links without looping', async () => {
    const found = (await findMidiFiles(dir)).map((p) => p.slice(dir.length + 1));
    expect(found).toEqual([
      'SubTractor 1.mid',
      'a/three.RMI',
      'a/two.kar',
      'b/deep/deeper/x.MID',
      'b/one.midi',
      'èmpty.mid',
      'ⓉⒺⓈⓉ.mid',
    ]);
  });

  test('the order does not depend on how it was called', async () => {
    expect(await findMidiFiles(dir + '/')).toEqual(await findMidiFiles(join(dir, 'a', '..')));
  });

  test('accepts a single MIDI file', async () => {
    expect(await findMidiFiles(join(dir, 'a', 'two.kar'))).toEqual([join(dir, 'a', 'two.kar')]);
  });

  test('a missing directory or non-MIDI file is a clear error naming it', async () => {
    const missing = join(dir, 'nowhere');
    await expect(findMidiFiles(missing)).rejects.toThrow(InvalidArgumentError);
    await expect(findMidiFiles(missing)).rejects.toThrow(`cannot read ${missing}: no such file or directory`);
    await expect(findMidiFiles(join(dir, 'notes.txt'))).rejects.toThrow(
      /notes\.txt is neither a directory nor a MIDI file/,
    );
  });

  test('isMidiFileName', () => {
    expect(isMidiFileName('x.Mid')).toBe(true);
    expect(isMidiFileName('x.midi')).toBe(true);
    expect(isMidiFileName('.mid')).toBe(false);
    expect(isMidiFileName('x.mp3')).toBe(false);
  });
});

describe.skipIf(!pianoMidiDir || !edgeCasesDir)('findMidiFiles on the shared corpus', () => {
  test('finds the 337 piano-midi.de files', async () => {
    expect(await findMidiFiles(pianoMidiDir as string)).toHaveLength(337);
  });

  test('finds the non-ASCII and RIFF edge cases', async () => {
    const found = await findMidiFiles(edgeCasesDir as string);
    const names = found.map((p) => p.split('/').pop());
    expect(names).toEqual(expect.arrayContaining(['ⓉⒺⓈⓉ.mid', 'èmpty.mid', 'riff-rmid-wrapped.rmi']));
  });
});
