import { describe, expect, test } from 'vitest';
import type { V1Row } from '../../encoding/v1.js';
import { buildV1Batch, encodeV1Batch, INPUT_FEATURES } from './features.js';

describe('V1 features', () => {
  const crop: V1Row[] = [
    [0, 1, 1, 0],
    [0.5, 5, 0.5, 2],
    [-0.004, 0.25, 0.25, -60],
  ];

  test('inputs are 3 reals + one-hot pitch; targets are the next step, clipped to [0, 4]', () => {
    const a = encodeV1Batch([crop]);
    expect(a.steps).toBe(2);
    expect(a.tokens).toBe(2);
    const step0 = Array.from(a.inputs.subarray(0, INPUT_FEATURES));
    expect(step0.slice(0, 3)).toEqual([0, 1, 1]);
    expect(step0.indexOf(1, 3)).toBe(3 + 60);
    expect(step0.reduce((s, x) => s + x, 0)).toBe(3); // 0 + 1 + 1 + one-hot 1
    expect(Array.from(a.pitch)).toEqual([62, 0]);
    expect(Array.from(a.regression)).toEqual([0.5, 4, 0.5, 0, 0.25, 0.25]);
    // The input is not clipped: duration 5 stays 5.
    expect(a.inputs[INPUT_FEATURES + 1]).toBe(5);
    expect(Array.from(a.mask)).toEqual([1, 1]);
  });

  test('shorter crops are padded with zeros and masked', () => {
    const short: V1Row[] = [
      [0, 1, 1, 10],
      [0.25, 1, 1, 11],
    ];
    const a = encodeV1Batch([crop, short]);
    expect(a.steps).toBe(2);
    expect(Array.from(a.mask)).toEqual([1, 1, 1, 0]);
    expect(a.tokens).toBe(3);
    expect(a.inputs.subarray(3 * INPUT_FEATURES).every((x) => x === 0)).toBe(true);
    expect(Array.from(a.pitch.subarray(2))).toEqual([71, 0]);
  });

  test('tensors have the documented shapes and dtypes', () => {
    const batch = buildV1Batch([crop, crop.slice(0, 2)]);
    expect(batch.inputs.shape).toEqual([2, 2, 123]);
    expect(batch.pitch.dtype).toBe('int32');
    expect(batch.regression.shape).toEqual([2, 2, 3]);
    expect(batch.mask.shape).toEqual([2, 2]);
    batch.dispose();
    expect(batch.inputs.isDisposed).toBe(true);
  });

  test('bad crops are clear errors', () => {
    expect(() => encodeV1Batch([])).toThrow(/at least one crop/);
    expect(() => encodeV1Batch([[[0, 1, 1, 0]]])).toThrow(/at least 2 notes/);
    expect(() => encodeV1Batch([crop, [crop[0] as V1Row]])).toThrow(/crop 1 has 1 notes/);
    expect(() =>
      encodeV1Batch([
        [
          [0, 1, 1, 0],
          [0, 1, 1, 60],
        ],
      ]),
    ).toThrow(/pitch 60/);
    expect(() =>
      encodeV1Batch([
        [
          [0, NaN, 1, 0],
          [0, 1, 1, 0],
        ],
      ]),
    ).toThrow(/not finite/);
    expect(() => encodeV1Batch([crop], 1)).toThrow(/more than 1 steps/);
  });
});
