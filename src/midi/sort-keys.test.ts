import { test, fc } from '@fast-check/vitest';
import { expect } from 'vitest';
import { stableOrder } from './sort-keys.js';

const referenceOrder = (keys: number[]) => keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);

test.prop([fc.array(fc.nat({ max: 2 ** 32 - 1 }), { maxLength: 400 })])(
  'orders any 32-bit keys like a stable comparison sort',
  (keys) => {
    expect([...stableOrder(Uint32Array.from(keys))]).toEqual(referenceOrder(keys));
  },
);

test.prop([fc.array(fc.nat({ max: 40 }), { maxLength: 400 })])(
  'keeps index order among equal keys',
  (keys) => {
    expect([...stableOrder(Uint32Array.from(keys))]).toEqual(referenceOrder(keys));
  },
);
