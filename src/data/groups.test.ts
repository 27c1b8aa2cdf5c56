import { describe, expect, it } from 'vitest';
import { contentHash } from './content-hash.js';
import { assignSplits, defaultSourceTags, groupKeyOf, parseGroupRule } from './groups.js';

const hashOf = (text: string): string => contentHash(new TextEncoder().encode(text));

/** `pieces` pieces with `performances(i)` performances each, filed as `Composer/Piece i/Player j.mid`. */
function performances(pieces: number, count: (piece: number) => number) {
  const files: { path: string; hash: string }[] = [];
  for (let piece = 0; piece < pieces; piece++) {
    for (let player = 0; player < count(piece); player++) {
      const path = `Composer/Piece ${piece}/Player ${player}.mid`;
      files.push({ path, hash: hashOf(path) });
    }
  }
  return files;
}

describe('parseGroupRule', () => {
  it('accepts file, folder and a valid regex, and refuses anything else with the accepted forms', () => {
    expect(parseGroupRule('file')).toBe('file');
    expect(parseGroupRule('folder')).toBe('folder');
    expect(parseGroupRule('regex:^(.*)_\\d+\\.mid$')).toBe('regex:^(.*)_\\d+\\.mid$');
    expect(() => parseGroupRule('piece')).toThrow(/"piece" is not one of: file, folder, regex:PATTERN/);
    expect(() => parseGroupRule('regex:(')).toThrow(/group rule "regex:\("/);
  });
});

describe('groupKeyOf', () => {
  const file = { path: 'Bach/Prelude/1/Player.mid', hash: 'af63dc4c8601ec8c' };
  it('keys a file by its hash, a folder by tag and folder, a pattern by its capture', () => {
    expect(groupKeyOf('file', file)).toBe('file:af63dc4c8601ec8c');
    expect(groupKeyOf('folder', file)).toBe('folder:Bach/Prelude/1');
    expect(groupKeyOf('folder', { ...file, path: 'top.mid' })).toBe('folder:');
    expect(groupKeyOf('regex:^([^/]+)/', file)).toBe('regex:Bach');
    expect(groupKeyOf('regex:^Chopin/', file)).toBe('file:af63dc4c8601ec8c');
  });
});

describe('assignSplits', () => {
  it('never lets a folder straddle the split, and holds out close to the fraction', () => {
    const files = performances(60, (piece) => 1 + (piece % 7));
    const keyed = files.map((f) => ({ hash: f.hash, group: groupKeyOf('folder', f) }));
    const splits = assignSplits(keyed, 0.1);
    const sides = new Map<string, Set<string>>();
    keyed.forEach((f, i) => sides.set(f.group, (sides.get(f.group) ?? new Set()).add(splits[i] as string)));
    for (const [group, side] of sides) expect(side.size, group).toBe(1);
    const held = splits.filter((s) => s === 'validation').length;
    expect(Math.abs(held - 0.1 * files.length)).toBeLessThanOrEqual(3);
    expect(held).toBeGreaterThan(0);
  });

  it('holds out exactly round(fraction × n) files when every file is its own group', () => {
    for (const [n, fraction, expected] of [
      [30, 0.1, 3],
      [337, 0.1, 34],
      [10, 0.25, 3],
      [7, 0, 0],
      [7, 1, 7],
    ] as const) {
      const files = Array.from({ length: n }, (_, i) => {
        const hash = hashOf(`file ${i}`);
        return { hash, group: `file:${hash}` };
      });
      expect(assignSplits(files, fraction).filter((s) => s === 'validation')).toHaveLength(expected);
    }
  });

  it('keeps identical bytes together even under different group keys', () => {
    const files = Array.from({ length: 40 }, (_, i) => ({ hash: hashOf(`f${i % 20}`), group: `folder:x/${i}` }));
    const splits = assignSplits(files, 0.3);
    for (let i = 0; i < 20; i++) expect(splits[i]).toBe(splits[i + 20]);
  });

  it('depends on the files, not their order', () => {
    const files = performances(30, () => 3).map((f) => ({ hash: f.hash, group: groupKeyOf('folder', f) }));
    const splits = assignSplits(files, 0.2);
    const reversed = assignSplits([...files].reverse(), 0.2).reverse();
    expect(reversed).toEqual(splits);
  });
});

describe('defaultSourceTags', () => {
  it('uses the shortest path suffixes that tell the folders apart', () => {
    expect(defaultSourceTags(['/d/asap/midis', '/d/piano-midi-de/midis'])).toEqual([
      'asap/midis',
      'piano-midi-de/midis',
    ]);
    expect(defaultSourceTags(['/home/me/mine'])).toEqual(['mine']);
    expect(defaultSourceTags(['C:\\music\\jazz', '/x/classical/'])).toEqual(['jazz', 'classical']);
  });
});
