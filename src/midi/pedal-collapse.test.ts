import { test, fc } from '@fast-check/vitest';
import { expect } from 'vitest';
import { PedalTable } from './event-tables.js';
import { applySustain, type SustainPedals } from './sustain-pedal.js';

/** One track's pedal events on a few channels: [tick step, channel, down]. */
const trackEvents = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1 }), fc.boolean()),
  {
    maxLength: 60,
  },
);

function tableOf(tracks: [number, number, boolean][][], collapse: boolean, format2: boolean): PedalTable {
  const table = new PedalTable(4);
  table.reset(1 << 20, collapse, format2);
  tracks.forEach((events, track) => {
    table.startTrack();
    let tick = 0;
    for (const [step, channel, down] of events) {
      tick += step;
      table.push(tick, track, channel, down);
    }
  });
  return table;
}

function pedalsOf(table: PedalTable, format2: boolean): SustainPedals {
  const group = new Int32Array(table.length);
  for (let i = 0; i < table.length; i++) {
    const channel = table.info[i]! >> 1;
    group[i] = format2 ? table.track[i]! * 16 + channel : channel;
  }
  const down = Uint8Array.from({ length: table.length }, (_, i) => table.info[i]! & 1);
  return { count: table.length, tick: table.tick.slice(0, table.length), group, down };
}

/** Sustained ends of a fixed set of notes on channels 0 and 1 (format 0/1 groups, or track 0's in format 2). */
function sustained(pedals: SustainPedals, pieceEnd: number): number[] {
  const count = 40;
  const start = Float64Array.from({ length: count }, (_, i) => (i * 7) % 90);
  const end = Float64Array.from({ length: count }, (_, i) => ((i * 7) % 90) + 1 + (i % 9));
  const group = Int32Array.from({ length: count }, (_, i) => i % 2);
  const pitch = Int32Array.from({ length: count }, (_, i) => 60 + (i % 5));
  const removed = applySustain({ count, start, end, group, pitch }, pedals, () => pieceEnd);
  return [...end].map((e, i) => (removed?.[i] ? -1 : e));
}

test.prop([fc.array(trackEvents, { minLength: 1, maxLength: 3 }), fc.boolean()])(
  'dropping the pedal events that change nothing changes no note (or says a channel is fed by two tracks)',
  (tracks, format2) => {
    const all = tableOf(tracks, false, format2);
    const collapsed = tableOf(tracks, true, format2);
    expect(collapsed.length).toBeLessThanOrEqual(all.length);
    expect(collapsed.latestTick).toBe(all.latestTick);
    if (collapsed.mixed) {
      expect(format2).toBe(false);
      return; // the reader reads such a file again without collapsing
    }
    const pieceEnd = all.latestTick + 100;
    expect(sustained(pedalsOf(collapsed, format2), pieceEnd)).toEqual(
      sustained(pedalsOf(all, format2), pieceEnd),
    );
  },
);

test('a pedal stream of repeated values keeps only the changes', () => {
  const values = [0, 10, 70, 90, 127, 100, 40, 0, 5, 64, 64, 120, 3];
  const table = new PedalTable(4);
  table.reset(1 << 20, true, false);
  table.startTrack();
  values.forEach((value, tick) => table.push(tick, 0, 0, value >= 64));
  expect(Array.from(table.tick.subarray(0, table.length))).toEqual([2, 6, 9, 12]);
  expect(table.mixed).toBe(false);
  table.startTrack();
  table.push(20, 1, 0, true);
  expect(table.mixed).toBe(true);
});
