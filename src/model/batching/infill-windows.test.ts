import { describe, expect, test } from 'vitest';
import { INFILL_FEATURES } from '../../encoding/infill-input.js';
import { orderedInputFeatures } from '../../encoding/ordered-input.js';
import type { V1Row } from '../../encoding/v1.js';
import { createRng } from '../../random/rng.js';
import { encodeInfillBatch, infillBatchTokens } from './infill-features.js';
import { encodeOrderedBatch } from './ordered-features.js';
import {
  arrangeInfillWindow,
  drawInfillGap,
  onsetsOf,
  trainingSequenceOf,
  windowHash,
} from './infill-windows.js';

/** Six notes, 1 s apart (onsets 0..5), pitches 0..5 from middle C, each 0.5 s long. */
const six: V1Row[] = [0, 1, 2, 3, 4, 5].map((p) => [p === 0 ? 0 : 1, 0.5, 0.5, p]);

describe('fill-in-the-middle windows', () => {
  test('suffix, prefix, middle, then the suffix’s first note again, with known delays', () => {
    // Gap [1.5, 3.5): prefix notes 0, 1; middle 2, 3; suffix 4, 5.
    const w = arrangeInfillWindow(six, { from: 1.5, to: 3.5 })!;
    expect(w.rows.map((r) => r[3])).toEqual([4, 5, 0, 1, 2, 3, 4]);
    // Delays: S0 from the gap's end (4 − 3.5), S1 as played, P0 made 0, the rest as played, and the
    // repeated S0 from the last middle note (4 − 3).
    expect(w.rows.map((r) => r[0])).toEqual([0.5, 1, 0, 1, 1, 1, 1]);
    expect([w.suffix, w.prefix, w.middle]).toEqual([2, 2, 2]);
    expect(w.inputs.map((i) => i.segment)).toEqual([
      'suffix',
      'suffix',
      'prefix',
      'prefix',
      'middle',
      'middle',
      'suffix',
    ]);
    // Only the step that reads the suffix's last note and predicts P0 is not scored.
    expect(w.scored).toEqual([true, false, true, true, true, true]);
  });

  test('the time to the gap’s start and end on prefix and middle notes', () => {
    const w = arrangeInfillWindow(six, { from: 1.5, to: 3.5 })!;
    expect(w.inputs.map((i) => [i.untilStart, i.untilEnd])).toEqual([
      [0, 0],
      [0, 0],
      [1.5, 3.5],
      [0.5, 2.5],
      [0, 1.5],
      [0, 0.5],
      [0, 0],
    ]);
  });

  test('prefix and middle notes read a summary of the suffix', () => {
    const w = arrangeInfillWindow(six, { from: 1.5, to: 3.5 })!;
    const summary = Array.from(w.inputs[2]!.summary!);
    // Suffix: E4 and F4 (MIDI 64, 65) at 4 s and 5 s, volume 0.5.
    const expected = new Array<number>(20).fill(0);
    expected[4] = 0.5;
    expected[5] = 0.5;
    expected[12] = 4.5 / 24;
    expected[13] = 4 / 24;
    expected[14] = 5 / 24;
    expected[15] = 0.5;
    expected[16] = Math.log(1.1) / 4;
    expected[17] = 4 / 24;
    expected[18] = 0.5;
    expected[19] = Math.log(0.51) / 4;
    summary.forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 6));
    expect(w.inputs[4]!.summary).toBe(w.inputs[2]!.summary);
    expect(w.inputs[0]!.summary).toBeUndefined();
  });

  test('context limits keep the notes nearest the gap; an empty middle or side', () => {
    const w = arrangeInfillWindow(six, { from: 2.5, to: 3.5 }, { prefixNotes: 2, suffixNotes: 1 })!;
    // Prefix 1, 2 (not 0), middle 3, suffix 4 (not 5).
    expect(w.rows.map((r) => r[3])).toEqual([4, 1, 2, 3, 4]);
    expect(w.rows[1]![0]).toBe(0);
    // A gap with no note in it: suffix, prefix, then the suffix's first note.
    const empty = arrangeInfillWindow(six, { from: 2.2, to: 2.8 })!;
    expect(empty.middle).toBe(0);
    expect(empty.rows.map((r) => r[3]).slice(-2)).toEqual([2, 3]);
    expect(empty.rows.at(-1)![0]).toBe(1);
    // No prefix (gap from the first note) or no suffix (gap past the last onset): no window.
    expect(arrangeInfillWindow(six, { from: 0, to: 2 })).toBeNull();
    expect(arrangeInfillWindow(six, { from: 3, to: 5.5 })).toBeNull();
  });

  test('drawn gaps leave a note on each side and follow the schedule', () => {
    const rng = createRng(3);
    for (let i = 0; i < 200; i++) {
      const gap = drawInfillGap(six, rng, { share: 1, minSeconds: 1, maxSeconds: 3 })!;
      expect(gap.from).toBeGreaterThan(0);
      expect(gap.to).toBeLessThanOrEqual(5 + 1e-9);
      expect(gap.to - gap.from).toBeGreaterThanOrEqual(1 - 1e-9);
      expect(gap.to - gap.from).toBeLessThanOrEqual(3.75);
      expect(arrangeInfillWindow(six, gap)).not.toBeNull();
    }
    expect(drawInfillGap(six.slice(0, 2), rng)).toBeNull();
  });

  test('a crop’s arrangement depends on its values only; about half are rearranged', () => {
    expect(windowHash(six)).toBe(windowHash(six.map((r) => [...r] as unknown as V1Row)));
    expect(windowHash(six)).not.toBe(windowHash([...six.slice(0, 5), [1, 0.5, 0.5, 6]]));
    const rng = createRng(1);
    const crops = Array.from({ length: 400 }, () =>
      Array.from({ length: 20 }, (_, k): V1Row => [
        k === 0 ? 0 : rng.uniform(0, 0.5),
        0.3,
        0.6,
        rng.int(-20, 20),
      ]),
    );
    const rearranged = crops.filter((c) => trainingSequenceOf(c).inputs !== null).length;
    expect(rearranged).toBeGreaterThan(160);
    expect(rearranged).toBeLessThan(240);
    expect(trainingSequenceOf(crops[0]!)).toEqual(trainingSequenceOf(crops[0]!));
  });

  test('onsets count from the first note', () => {
    expect(
      Array.from(
        onsetsOf([
          [7, 1, 1, 0],
          [0.5, 1, 1, 0],
          [0.25, 1, 1, 0],
        ]),
      ),
    ).toEqual([0, 0.5, 0.75]);
  });
});

describe('infill batches', () => {
  test('ordinary crops read as any ordered batch, with seven zero columns; rearranged ones are masked', () => {
    const rng = createRng(5);
    const crops = Array.from({ length: 16 }, () =>
      Array.from({ length: 30 }, (_, k): V1Row => [
        k === 0 ? 0 : rng.uniform(0, 0.6),
        0.3,
        0.6,
        rng.int(-20, 20),
      ]),
    );
    const a = encodeInfillBatch(crops);
    const W = orderedInputFeatures('one-hot');
    const wide = W + INFILL_FEATURES;
    expect(a.tokens).toBe(infillBatchTokens(crops));
    let sawPlain = false;
    let sawInfill = false;
    crops.forEach((crop, b) => {
      const sequence = trainingSequenceOf(crop);
      const plain = encodeOrderedBatch([sequence.rows], 'one-hot', a.steps);
      for (let t = 0; t < sequence.rows.length - 1; t++) {
        const k = b * a.steps + t;
        expect(Array.from(a.inputs.subarray(k * wide, k * wide + W))).toEqual(
          Array.from(plain.inputs.subarray(t * W, (t + 1) * W)),
        );
        expect(a.delay[k]).toBe(plain.delay[t]);
        expect(a.pitch[k]).toBe(plain.pitch[t]);
        const extra = Array.from(a.inputs.subarray(k * wide + W, (k + 1) * wide));
        if (sequence.inputs === null) {
          sawPlain = true;
          expect(extra).toEqual(new Array<number>(INFILL_FEATURES).fill(0));
          expect(a.mask[k]).toBe(1);
        } else {
          sawInfill = true;
          const flag = ['suffix', 'prefix', 'middle'].indexOf(sequence.inputs[t]!.segment);
          expect(extra[flag]).toBe(1);
          expect(a.mask[k]).toBe(sequence.scored![t] ? 1 : 0);
        }
      }
    });
    expect(sawPlain && sawInfill).toBe(true);
  });
});
