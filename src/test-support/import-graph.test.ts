import { describe, expect, it } from 'vitest';
import { findCycles, parseImports, resolveImport, stripComments } from './import-graph.js';

describe('parseImports', () => {
  it('finds every form of relative import and tells type-only ones apart', () => {
    const text = [
      "import { a, b } from './a.js';",
      "import type { T } from '../t/t.js';",
      "import { type U, type V } from './u.js';",
      "import { type W, w } from './w.js';",
      "import d, { e } from './d.js';",
      "import * as ns from './ns.js';",
      "export { x } from './x.js';",
      "export * from './star.js';",
      "export type { Y } from './y.js';",
      "import './side-effect.js';",
      "const m = await import('./lazy.js');",
      "new Worker(new URL('./worker.js', import.meta.url));",
      "import { readFile } from 'node:fs/promises';",
      "import * as tf from '@tensorflow/tfjs';",
      'import {',
      '  many,',
      '  lines,',
      "} from './multi.js';",
    ].join('\n');
    expect(parseImports(text)).toEqual([
      { specifier: './a.js', kind: 'static', line: 1 },
      { specifier: '../t/t.js', kind: 'type', line: 2 },
      { specifier: './u.js', kind: 'type', line: 3 },
      { specifier: './w.js', kind: 'static', line: 4 },
      { specifier: './d.js', kind: 'static', line: 5 },
      { specifier: './ns.js', kind: 'static', line: 6 },
      { specifier: './x.js', kind: 'static', line: 7 },
      { specifier: './star.js', kind: 'static', line: 8 },
      { specifier: './y.js', kind: 'type', line: 9 },
      { specifier: './side-effect.js', kind: 'static', line: 10 },
      { specifier: './lazy.js', kind: 'dynamic', line: 11 },
      { specifier: './worker.js', kind: 'worker', line: 12 },
      { specifier: './multi.js', kind: 'static', line: 15 },
    ]);
  });

  it('ignores imports inside comments and strings', () => {
    const text = [
      '/**',
      " * @example import { a } from './doc.js';",
      ' */',
      "// import { b } from './line.js';",
      "const url = 'file://x'; import { c } from './real.js';",
      'const s = "import { d } from \'./string.js\'";',
    ].join('\n');
    expect(parseImports(text).map((r) => r.specifier)).toEqual(['./real.js']);
    expect(stripComments('a // b\n/* c\nd */ e').split('\n')).toHaveLength(3);
  });
});

describe('resolveImport', () => {
  const files = new Set(['model/config.ts', 'model/index.ts', 'errors.ts', 'wasm/kernel.js']);
  const exists = (p: string): boolean => files.has(p);

  it('maps .js specifiers to .ts files and folders to their index', () => {
    expect(resolveImport('cli/main.ts', '../model/config.js', exists)).toBe('model/config.ts');
    expect(resolveImport('model/config.ts', '../errors.js', exists)).toBe('errors.ts');
    expect(resolveImport('cli/main.ts', '../model', exists)).toBe('model/index.ts');
    expect(resolveImport('cli/main.ts', '../wasm/kernel.js', exists)).toBe('wasm/kernel.js');
  });

  it('leaves paths outside the tree unresolved', () => {
    expect(resolveImport('cli/main.ts', '../../package.json', exists)).toBeUndefined();
    expect(resolveImport('cli/main.ts', './missing.js', exists)).toBeUndefined();
  });
});

describe('findCycles', () => {
  it('reports one shortest chain per group of files that import each other', () => {
    const edges = [
      { from: 'a.ts', to: 'b.ts' },
      { from: 'b.ts', to: 'c.ts' },
      { from: 'c.ts', to: 'a.ts' },
      { from: 'b.ts', to: 'a.ts' },
      { from: 'x.ts', to: 'y.ts' },
      { from: 'y.ts', to: 'x.ts' },
      { from: 'y.ts', to: 'z.ts' },
    ];
    expect(findCycles(edges)).toEqual([
      ['a.ts', 'b.ts', 'a.ts'],
      ['x.ts', 'y.ts', 'x.ts'],
    ]);
  });

  it('finds none in a tree', () => {
    expect(
      findCycles([
        { from: 'a.ts', to: 'b.ts' },
        { from: 'a.ts', to: 'c.ts' },
        { from: 'b.ts', to: 'c.ts' },
      ]),
    ).toEqual([]);
  });
});
