import { test, fc } from '@fast-check/vitest';
import { expect } from 'vitest';
import { stableOrder, stableOrderInto, stableOrderOfValues } from './sort-keys.js';

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

test.prop([fc.array(fc.nat({ max: 1000 }), { maxLength: 200 })])(
  'already sorted, nearly sorted and short inputs, into a given array',
  (keys) => {
    const sorted = [...keys].sort((a, b) => a - b);
    for (const input of [keys, sorted, [...sorted.slice(1), ...sorted.slice(0, 1)], keys.slice(0, 10)]) {
      const order = new Int32Array(input.length).fill(-1);
      expect([...stableOrderInto(Uint32Array.from(input), order)]).toEqual(referenceOrder(input));
    }
  },
);

test.prop([
  fc.array(fc.oneof(fc.nat({ max: 5000 }), fc.constant(2 ** 40), fc.constant(2 ** 33 + 1)), {
    maxLength: 200,
  }),
])('orders ticks by value then index, beyond 32 bits too', (values) => {
  const order = stableOrderOfValues(Float64Array.from(values), new Int32Array(values.length));
  expect([...order]).toEqual(referenceOrder(values));
});
