import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

describe('createRng', () => {
  it('repeats a sequence for the same seed and differs for another', () => {
    const a = createRng(7);
    const b = createRng(7);
    const c = createRng(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });

  it('resumes from a saved state', () => {
    const rng = createRng(123);
    for (let i = 0; i < 10; i++) rng.next();
    const resumed = createRng(rng.getState());
    expect(Array.from({ length: 20 }, () => resumed.next())).toEqual(
      Array.from({ length: 20 }, () => rng.next()),
    );
  });

  it('draws integers over the whole inclusive range, roughly uniformly', () => {
    const rng = createRng(1);
    const counts = new Map<number, number>();
    for (let i = 0; i < 23_000; i++) {
      const k = rng.int(-11, 11);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: 23 }, (_, i) => i - 11));
    for (const count of counts.values()) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });

  it('keeps floats inside [0, 1)', () => {
    const rng = createRng(99);
    for (let i = 0; i < 10_000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});
