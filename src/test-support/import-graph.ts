import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

/**
 * The import graph of a source tree, read with regular expressions rather than the compiler, for the
 * layering test (`src/layering.test.ts`). Only relative specifiers (`./x.js`, `../y/z.js`) make
 * edges; packages and `node:*` are outside the tree.
 */

/** How one file refers to another. */
export type ImportKind = 'static' | 'type' | 'dynamic' | 'worker';

/** One relative import found in a file's text. */
export interface ImportRef {
  /** The specifier as written, e.g. `'../model/config.js'`. */
  readonly specifier: string;
  /**
   * `static`: `import … from`, `export … from` or `import '…'`; `type`: `import type` / `export type`,
   * or braces whose every name is marked `type`; `dynamic`: `import('…')`; `worker`:
   * `new URL('…', import.meta.url)`, a worker entry or asset.
   */
  readonly kind: ImportKind;
  /** 1-based line of the statement. */
  readonly line: number;
}

/** A resolved edge between two files, as paths relative to the tree's root with `/` separators. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: ImportKind;
  readonly line: number;
}

const TOKENS = /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g;

/**
 * Blanks out comments, keeping line breaks so line numbers hold. Strings are skipped whole so that
 * `'file://x'` is not taken for a comment; a regular-expression literal holding a quote can fool it
 * for the rest of its line, which no import shares.
 *
 * @param text - TypeScript or JavaScript source
 * @returns the same text with every comment replaced by spaces
 */
export function stripComments(text: string): string {
  return text.replace(TOKENS, (match) => (match.startsWith('/') ? match.replace(/[^\n]/g, ' ') : match));
}

/** The `[start, end)` offsets of the string and template literals of `text`. */
function stringRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const m of text.matchAll(TOKENS)) {
    if (!m[0].startsWith('/')) ranges.push([m.index, m.index + m[0].length]);
  }
  return ranges;
}

// `import a from`, `import a, { b } from`, `import * as a from`, `import { a, type B } from`,
// `import type { A } from`, `export { a } from`, `export * from`, `export * as a from`.
const FROM =
  /\b(import|export)\s+(type\s+)?((?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+))\s*from\s*(['"])([^'"\n]+)\4/g;
const SIDE_EFFECT = /\bimport\s*(['"])([^'"\n]+)\1/g;
const DYNAMIC = /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;
const WORKER = /\bnew\s+URL\s*\(\s*(['"])([^'"\n]+)\1\s*,\s*import\.meta\.url\s*\)/g;

/** True when every name in `{ … }` is marked `type` (so the statement loads nothing at run time). */
function allNamesAreTypes(clause: string): boolean {
  const braces = /^\{([^}]*)\}$/.exec(clause.trim());
  if (!braces) return false;
  const names = braces[1]!
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return names.length > 0 && names.every((n) => /^type\s/.test(n));
}

/**
 * Finds the relative imports, re-exports, dynamic imports and worker URLs in a file's text.
 *
 * @param text - TypeScript or JavaScript source
 * @returns every relative reference, in order of position
 * @example parseImports("import type { A } from './a.js';") // [{ specifier: './a.js', kind: 'type', line: 1 }]
 */
export function parseImports(text: string): ImportRef[] {
  const code = stripComments(text);
  const strings = stringRanges(code);
  const lineOf = (index: number): number => code.slice(0, index).split('\n').length;
  const found: { index: number; ref: ImportRef }[] = [];
  const add = (index: number, specifier: string, kind: ImportKind): void => {
    const inString = strings.some(([start, end]) => start < index && index < end);
    if (!inString && (specifier.startsWith('./') || specifier.startsWith('../'))) {
      found.push({ index, ref: { specifier, kind, line: lineOf(index) } });
    }
  };
  for (const m of code.matchAll(FROM)) {
    const typeOnly = m[2] !== undefined || allNamesAreTypes(m[3]!);
    add(m.index, m[5]!, typeOnly ? 'type' : 'static');
  }
  for (const m of code.matchAll(SIDE_EFFECT)) add(m.index, m[2]!, 'static');
  for (const m of code.matchAll(DYNAMIC)) add(m.index, m[2]!, 'dynamic');
  for (const m of code.matchAll(WORKER)) add(m.index, m[2]!, 'worker');
  return found.sort((a, b) => a.index - b.index).map((f) => f.ref);
}

/**
 * Resolves a relative specifier to a file of the tree, as TypeScript's NodeNext resolution does for
 * our sources: `x.js` is `x.ts` when that exists.
 *
 * @param from - the importing file, relative to the root with `/` separators
 * @param specifier - a relative specifier
 * @param exists - whether a root-relative path is a file of the tree
 * @returns the imported file, or `undefined` when it is not in the tree
 */
export function resolveImport(
  from: string,
  specifier: string,
  exists: (path: string) => boolean,
): string | undefined {
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = [
    target.replace(/\.js$/, '.ts'),
    target.replace(/\.mjs$/, '.mts'),
    target,
    `${target}.ts`,
    `${target}/index.ts`,
  ];
  return candidates.find((c) => !c.startsWith('../') && exists(c));
}

/** Every `.ts` file below `root` (declaration files and `node_modules` excluded), root-relative. */
export function listSourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        out.push(relative(root, path).split(sep).join('/'));
      }
    }
  };
  walk(root);
  return out.sort();
}

/**
 * Reads the import edges of every source file below `root` that resolve to another file below it.
 *
 * @param root - the folder to scan, e.g. `src`
 * @returns the edges, paths relative to `root`
 */
export function readImportGraph(root: string): ImportEdge[] {
  const exists = (path: string): boolean => existsSync(join(root, path));
  const edges: ImportEdge[] = [];
  for (const from of listSourceFiles(root)) {
    for (const ref of parseImports(readFileSync(join(root, from), 'utf8'))) {
      const to = resolveImport(from, ref.specifier, exists);
      if (to !== undefined && to !== from) edges.push({ from, to, kind: ref.kind, line: ref.line });
    }
  }
  return edges;
}

/**
 * Finds the import cycles: one chain per strongly connected group of files (Tarjan's algorithm),
 * the shortest cycle through the group's first file in name order. Groups of several cycles show
 * one; fix it and the next shows.
 *
 * @param edges - the graph
 * @returns each cycle as its files, the first repeated at the end, e.g. `['a.ts', 'b.ts', 'a.ts']`
 */
export function findCycles(edges: readonly { from: string; to: string }[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, []);
    if (!next.has(to)) next.set(to, []);
    if (!next.get(from)!.includes(to)) next.get(from)!.push(to);
  }
  for (const targets of next.values()) targets.sort();

  // Tarjan's strongly connected components, iterative so deep chains cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let counter = 0;
  for (const start of [...next.keys()].sort()) {
    if (index.has(start)) continue;
    const work: { node: string; child: number }[] = [{ node: start, child: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const children = next.get(frame.node)!;
      if (frame.child < children.length) {
        const child = children[frame.child++]!;
        if (!index.has(child)) {
          index.set(child, counter);
          low.set(child, counter++);
          stack.push(child);
          onStack.add(child);
          work.push({ node: child, child: 0 });
        } else if (onStack.has(child)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(child)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const group: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          group.push(member);
        } while (member !== frame.node);
        if (group.length > 1) groups.push(group.sort());
      }
    }
  }

  // The shortest cycle through each group's first file, by breadth-first search inside the group.
  return groups
    .map((group) => {
      const inGroup = new Set(group);
      const first = group[0]!;
      const cameFrom = new Map<string, string>();
      const queue = [first];
      while (queue.length > 0 && !cameFrom.has(first)) {
        const node = queue.shift()!;
        for (const child of next.get(node)!) {
          if (!inGroup.has(child) || cameFrom.has(child)) continue;
          cameFrom.set(child, node);
          queue.push(child);
        }
      }
      const chain = [first];
      for (let node = cameFrom.get(first)!; node !== first; node = cameFrom.get(node)!) chain.push(node);
      chain.push(first);
      return chain.reverse();
    })
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** The folder of the tree a root-relative file belongs to, `''` for files at the root. */
export function topFolder(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}
