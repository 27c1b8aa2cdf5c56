import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  findCycles,
  listSourceFiles,
  readImportGraph,
  topFolder,
  type ImportEdge,
} from './test-support/import-graph.js';

/**
 * The layering gate: imports between the folders of `src/` go one way only, and no source file
 * imports itself back through others.
 *
 * The layers, lowest first. A folder may import from its own folder and from folders in lower
 * layers, never from a higher layer nor from another folder of its own layer (folders in one layer
 * are independent of each other):
 *
 *  1. the root of `src/` (`errors.ts`, the error classes every stage throws; `printable.ts`),
 *     `random/` (seeded generators);
 *  2. `score/`: notes and scores, the data every stage passes on;
 *  3. `midi/` (bytes ⇄ scores), `encoding/` (pitch names, the V1 rows, the evaluation grid, the
 *     ordered inputs);
 *  4. `augment/`, `data/` (datasets, splits, crops), `render/` (audio), `plot/` (pictures);
 *  5. `model/`: the networks' configs, the TensorFlow.js networks and, in `model/checkpoint/`
 *     (no TensorFlow.js), the checkpoint format (configs, weights, training state);
 *  6. `inference/` (the networks one step at a time, without TensorFlow.js), `train/` (the
 *     trainer), `export/` (Keras and ONNX exports of a network);
 *  7. `generate/`: sampling and the composer;
 *  8. `eval/`: scoring models, which generates and runs them;
 *  9. `node/`: the Node seam, the only platform-specific code of the library;
 * 10. `cli/` (the `howl` command) and `public/` (the package's entry points).
 *
 * Layers 1–8 are the platform-neutral core, in the pipeline's order; 9 and 10 sit on top of it.
 * `test-support/` (helpers for tests) and `*.test.ts` files may import from any layer, but no
 * other file may import them.
 *
 * Type-only imports (`import type`, `export type`, `{ type A }`) obey the same rule. A type is part
 * of the contract between folders: a lower folder that names a higher folder's type cannot be
 * type-checked, published as declarations or moved without it, and two folders whose types point at
 * each other are one design. Since a type costs nothing at run time, the fix is always cheap: define
 * it in the lower folder (where its data is made) and let the higher one import it.
 *
 * Cycles: any chain of imports among non-test files (test-support included) that comes back to
 * where it started fails, type-only and dynamic `import()` included, for the same reason. Worker
 * entries (`new URL('./x.js', import.meta.url)`) load in a thread of their own, so they obey the
 * layers but do not count for cycles.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['', 'random'],
  ['score'],
  ['midi', 'encoding'],
  ['augment', 'data', 'render', 'plot'],
  ['model'],
  ['inference', 'train', 'export'],
  ['generate'],
  ['eval'],
  ['node'],
  ['cli', 'public'],
];

/** Folders outside the layers: helpers for tests only. */
const TEST_ONLY_FOLDERS = ['test-support'];

const srcDir = dirname(fileURLToPath(import.meta.url));
const edges = readImportGraph(srcDir);

const isTestFile = (path: string): boolean =>
  path.endsWith('.test.ts') || TEST_ONLY_FOLDERS.includes(topFolder(path));

const layerOf = (folder: string): number => LAYERS.findIndex((layer) => layer.includes(folder));

const folderName = (folder: string): string => (folder === '' ? 'the root of src' : `${folder}/`);

/** Why `edge` breaks the layers, or `undefined` when it does not. */
function layerViolation(edge: ImportEdge): string | undefined {
  if (isTestFile(edge.from)) return undefined;
  if (isTestFile(edge.to)) return 'only tests may import test helpers';
  const from = topFolder(edge.from);
  const to = topFolder(edge.to);
  if (from === to) return undefined;
  const fromLayer = layerOf(from);
  const toLayer = layerOf(to);
  if (fromLayer < 0 || toLayer < 0) return undefined; // reported by the first test
  if (toLayer < fromLayer) return undefined;
  const where = toLayer === fromLayer ? 'the same layer' : `layer ${toLayer + 1}`;
  return `${folderName(from)} (layer ${fromLayer + 1}) may not import ${folderName(to)} (${where})`;
}

describe('layering of src/', () => {
  it('places every folder of src/ in a layer', () => {
    const folders = new Set(listSourceFiles(srcDir).map(topFolder));
    const unplaced = [...folders].filter((f) => layerOf(f) < 0 && !TEST_ONLY_FOLDERS.includes(f)).sort();
    expect(unplaced, 'folders missing from LAYERS in src/layering.test.ts (and README.md)').toEqual([]);
    expect(edges.length, 'imports found (a parser that finds none would pass everything)').toBeGreaterThan(
      300,
    );
  });

  it('imports only from lower layers', () => {
    const violations = edges.flatMap((edge) => {
      const why = layerViolation(edge);
      const kind = edge.kind === 'static' ? '' : `${edge.kind}, `;
      return why === undefined ? [] : [`${edge.from} → ${edge.to} (${kind}line ${edge.line}): ${why}`];
    });
    expect(violations, 'imports against the layers of src/layering.test.ts').toEqual([]);
  });

  it('has no import cycles', () => {
    const runtimeOrTypeEdges = edges.filter(
      (e) => e.kind !== 'worker' && !e.from.endsWith('.test.ts') && !e.to.endsWith('.test.ts'),
    );
    const cycles = findCycles(runtimeOrTypeEdges).map((chain) => chain.join(' → '));
    expect(cycles, 'import cycles (one chain per group of files that import each other)').toEqual([]);
  });
});
