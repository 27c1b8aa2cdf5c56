import { InvalidArgumentError } from '../errors.js';
import { contentHash } from './content-hash.js';
import { hashToUnit, type Split } from './split.js';

/**
 * How files are grouped for the held-out split: every file of a group lands on the same side.
 *
 * - `file`: each file is its own group (files with identical bytes still go together). Right for a
 *   folder where every file is a different piece, such as piano-midi-de.
 * - `folder`: the files of one folder form a group. Right for a corpus of performances filed by
 *   piece, such as ASAP (`Composer/Work/Piece/Performer.mid`), where validation must not hear a
 *   piece it trained on, played by another pianist.
 * - `regex:PATTERN`: the group is the first capture group (or the whole match) of PATTERN applied to
 *   the file's path relative to its source folder; a path it does not match is its own group.
 */
export type GroupRule = 'file' | 'folder' | `regex:${string}`;

/** The rule used when none is given: each file its own group. */
export const DEFAULT_GROUP_RULE: GroupRule = 'file';

/**
 * Reads a group rule as a user writes it.
 *
 * @param text - `file`, `folder` or `regex:PATTERN`
 * @returns the rule
 * @throws InvalidArgumentError naming the text and the accepted forms, or the regex's own error
 * @example parseGroupRule('folder'); // 'folder'
 */
export function parseGroupRule(text: string): GroupRule {
  if (text === 'file' || text === 'folder') return text;
  if (text.startsWith('regex:')) {
    const pattern = text.slice('regex:'.length);
    try {
      new RegExp(pattern);
    } catch (error) {
      throw new InvalidArgumentError(`group rule "${text}": ${(error as Error).message}`);
    }
    return text as GroupRule;
  }
  throw new InvalidArgumentError(`group rule "${text}" is not one of: file, folder, regex:PATTERN`);
}

/** What `groupKeyOf` needs to know of a file. */
export interface GroupedFile {
  /** Path relative to its source folder, with `/` separators. */
  readonly path: string;
  /** The file's content hash (16 hex digits). */
  readonly hash: string;
}

/**
 * A file's group key under a rule. Keys of the `file` rule are `file:<hash>`; the others come from
 * the path relative to the source folder, so that they do not depend on where the corpus lies on
 * disk or what it is called (the split is made source by source, so keys need not name the source).
 *
 * @param rule - the source's group rule
 * @param file - the file's relative path and hash
 * @returns the key; files with equal keys are held out together
 * @example groupKeyOf('folder', { path: 'Bach/Prelude/1/A.mid', hash }); // 'folder:Bach/Prelude/1'
 */
export function groupKeyOf(rule: GroupRule, file: GroupedFile): string {
  if (rule === 'folder') {
    const slash = file.path.lastIndexOf('/');
    return `folder:${slash < 0 ? '' : file.path.slice(0, slash)}`;
  }
  if (rule !== 'file') {
    const match = patternOf(rule).exec(file.path);
    if (match) return `regex:${match[1] ?? match[0]}`;
  }
  return `file:${file.hash}`;
}

const patterns = new Map<string, RegExp>();

/** A `regex:` rule's pattern, compiled once however many files it keys. */
function patternOf(rule: `regex:${string}`): RegExp {
  let pattern = patterns.get(rule);
  if (!pattern) patterns.set(rule, (pattern = new RegExp(rule.slice('regex:'.length))));
  return pattern;
}

/** A group key's position in [0, 1): the content hash's for `file:` keys, else the key text's. */
function keyPosition(key: string): number {
  const hash = key.startsWith('file:') ? key.slice('file:'.length) : contentHash(new TextEncoder().encode(key));
  return hashToUnit(hash);
}

/**
 * Decides every file's side of the split by group, so that no group (a piece with all its
 * performances) straddles it, and holds out as close to `round(fraction × files)` files as whole
 * groups allow.
 *
 * Files sharing a group key or identical bytes are joined into one component. Components are
 * visited in the order of their key's hash position (the smallest among their keys), and each is
 * held out if that brings the held-out count closer to the target. The result depends only on the
 * files' keys and hashes, not on their order, their names or where the corpus lies; adding a file
 * moves few others.
 *
 * @param files - each file's group key and content hash
 * @param fraction - share of files to hold out, in [0, 1]
 * @returns each file's side, in the order of `files`
 * @example assignSplits(keys.map((group, i) => ({ group, hash: hashes[i] })), 0.1);
 */
export function assignSplits(
  files: readonly { readonly group: string; readonly hash: string }[],
  fraction: number,
): Split[] {
  const parent = files.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    while (parent[i] !== root) [i, parent[i]] = [parent[i] as number, root];
    return root;
  };
  const firstOf = new Map<string, number>();
  const join = (key: string, i: number): void => {
    const first = firstOf.get(key);
    if (first === undefined) firstOf.set(key, i);
    else parent[find(i)] = find(first);
  };
  files.forEach((file, i) => {
    join(`g ${file.group}`, i);
    join(`h ${file.hash}`, i);
  });

  const components = new Map<number, { position: number; members: number[] }>();
  files.forEach((file, i) => {
    const root = find(i);
    const position = keyPosition(file.group);
    const component = components.get(root);
    if (component) {
      component.members.push(i);
      component.position = Math.min(component.position, position);
    } else {
      components.set(root, { position, members: [i] });
    }
  });

  const target = Math.round(fraction * files.length);
  const splits: Split[] = files.map(() => 'train');
  let heldOut = 0;
  const ordered = [...components.values()].sort((a, b) => a.position - b.position);
  for (const { members } of ordered) {
    if (heldOut >= target) break;
    const after = heldOut + members.length;
    if (Math.abs(after - target) < Math.abs(heldOut - target)) {
      for (const i of members) splits[i] = 'validation';
      heldOut = after;
    }
  }
  return splits;
}

/**
 * Short names for the sources of a dataset: each folder's shortest path suffix that tells it apart
 * from the others (`asap/midis` and `piano-midi-de/midis`, or just `mine` for a single folder).
 *
 * @param sources - the sources' paths, with `/` or `\` separators
 * @returns one tag per source, distinct where the paths are
 * @example defaultSourceTags(['/d/asap/midis', '/d/piano-midi-de/midis']); // ['asap/midis', 'piano-midi-de/midis']
 */
export function defaultSourceTags(sources: readonly string[]): string[] {
  const parts = sources.map((source) => source.split(/[\\/]+/).filter((part) => part !== ''));
  const depth = parts.map(() => 1);
  const tagOf = (i: number): string => (parts[i] as string[]).slice(-(depth[i] as number)).join('/') || '.';
  for (let round = 0; round < 64; round++) {
    const tags = parts.map((_, i) => tagOf(i));
    let changed = false;
    tags.forEach((tag, i) => {
      const clash = tags.some((other, j) => j !== i && other === tag);
      if (clash && (depth[i] as number) < (parts[i] as string[]).length) {
        depth[i] = (depth[i] as number) + 1;
        changed = true;
      }
    });
    if (!changed) return tags;
  }
  return parts.map((_, i) => tagOf(i));
}
