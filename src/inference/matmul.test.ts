import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { arenaFloats, createMatmulArena, padTo8 } from './matmul.js';

function reference(
  w: Float32Array,
  rows: number,
  n: number,
  x: Float32Array,
  batch: number,
  bias: Float32Array,
) {
  const out = new Float64Array(batch * rows);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < rows; j++) {
      let s = bias[j]!;
      for (let k = 0; k < n; k++) s += w[j * n + k]! * x[b * n + k]!;
      out[b * rows + j] = s;
    }
  }
  return out;
}

describe('createMatmulArena', () => {
  for (const simd of [true, false]) {
    test(`${simd ? 'SIMD' : 'JavaScript'} kernel: out = bias + x·Wᵀ for any shape (property)`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 0, max: 3 }),
          (rows, eighths, batch, extra) => {
            const n = eighths * 8;
            const outStride = rows + extra;
            const arena = createMatmulArena(arenaFloats([rows * n, batch * n, rows, batch * outStride]), {
              simd,
            });
            expect(arena.simd).toBe(simd);
            const w = arena.alloc(rows * n);
            const x = arena.alloc(batch * n);
            const bias = arena.alloc(rows);
            const out = arena.alloc(batch * outStride);
            w.view.forEach((_, i) => (w.view[i] = Math.sin(i * 1.3)));
            x.view.forEach((_, i) => (x.view[i] = Math.cos(i * 0.7)));
            bias.view.forEach((_, i) => (bias.view[i] = i / 10));
            arena.matmul(w, rows, n, x, batch, bias, out, outStride);
            const expected = reference(w.view, rows, n, x.view, batch, bias.view);
            for (let b = 0; b < batch; b++) {
              for (let j = 0; j < rows; j++) {
                expect(out.view[b * outStride + j]).toBeCloseTo(expected[b * rows + j]!, 4);
              }
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  test('blocks are aligned and zeroed; a full arena and a bad row length are errors', () => {
    const arena = createMatmulArena(arenaFloats([3, 9]));
    const a = arena.alloc(3);
    const b = arena.alloc(9);
    expect(a.offset % 32).toBe(0);
    expect(b.offset).toBe(32);
    expect(b.view.every((v) => v === 0)).toBe(true);
    expect(() => arena.alloc(1)).toThrow('arena full');
    expect(padTo8(9)).toBe(16);
    expect(() => arena.matmul(a, 1, 3, a, 1, a, a, 1)).toThrow('row length 3 is not a multiple of 8');
  });

  test('matmul-wasm.ts is what scripts/build-wasm.mjs assembles from matmul.wat', () => {
    expect(() =>
      execFileSync('node', ['scripts/build-wasm.mjs', '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });
});
