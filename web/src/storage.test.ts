import { describe, expect, it } from 'vitest';
import { createEditor, select, undo } from './editor-state.js';
import { toggleLock } from './fill-edits.js';
import {
  DEFAULT_GRID,
  DEFAULT_MIDI,
  DEFAULT_SETTINGS,
  decodeWork,
  encodeWork,
  loadWork,
  saveWork,
  STORAGE_KEY,
  type SavedWork,
} from './storage.js';

const work: SavedWork = {
  notes: [
    { pitch: 60, velocity: 90, time: 0, duration: 0.5 },
    { pitch: 64, velocity: 33, time: 0.123456789012345, duration: 1 / 3, locked: true },
  ],
  cursor: 1.25,
  settings: {
    temperature: 0.8,
    timingTemperature: 1.3,
    topP: 0.9,
    topK: 12,
    minPitch: 21,
    maxPitch: 108,
    seed: 4242,
    count: 64,
    mode: 'insert',
    grid: {
      beats: { bpm: 96.5, meter: { numerator: 6, denominator: 8 }, offset: 0.31 },
      snap: true,
      division: 8,
      triplet: true,
      strength: 0.5,
      ends: true,
      loop: true,
      click: true,
    },
    midi: {
      input: 'input-1',
      output: 'output-2',
      thru: true,
      answer: { pause: 2.5, length: 12, unit: 'seconds' },
    },
  },
};

function memoryStore(): Map<string, string> & {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
} {
  const map = new Map<string, string>();
  return Object.assign(map, {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
  });
}

describe('storage', () => {
  it('round-trips the work exactly', () => {
    expect(decodeWork(encodeWork(work))).toEqual(work);
    const store = memoryStore();
    expect(saveWork(store, work)).toBeNull();
    expect(store.has(STORAGE_KEY)).toBe(true);
    expect(loadWork(store)).toEqual(work);
  });

  it('keeps the locks with the piece, and loads a record without them with none', () => {
    const piece = [0, 1, 2, 3].map((i) => ({ pitch: 60 + i, velocity: 80, time: i / 2, duration: 0.5 }));
    const locked = toggleLock(select(createEditor(piece), [2, 4]));
    const text = encodeWork({ ...work, notes: locked.notes });
    expect(JSON.parse(text)).toMatchObject({ locked: [1, 3] });
    const reloaded = createEditor(decodeWork(text)!.notes);
    expect(reloaded.notes).toEqual(locked.notes); // same ids too: 1..4 in order
    expect(reloaded.past).toEqual([]); // the history is not kept, as before
    // Undoing the lock and saving again saves no locks.
    expect(JSON.parse(encodeWork({ ...work, notes: undo(locked).notes }))).toMatchObject({ locked: [] });

    const older = '{"version":1,"cursor":0,"settings":{},"notes":[[60,90,0,1],[62,90,1,1]]}';
    const loaded = decodeWork(older)!;
    expect(loaded.notes).toEqual([
      { pitch: 60, velocity: 90, time: 0, duration: 1 },
      { pitch: 62, velocity: 90, time: 1, duration: 1 },
    ]);
    expect(createEditor(loaded.notes).notes.some((n) => n.locked === true)).toBe(false);
  });

  it('ignores records it did not write or that are damaged', () => {
    expect(decodeWork(null)).toBeNull();
    expect(decodeWork('{not json')).toBeNull();
    expect(decodeWork('{"version":2,"notes":[]}')).toBeNull();
    expect(decodeWork('{"version":1,"notes":[[60,90,0]]}')).toBeNull();
    expect(decodeWork('{"version":1,"notes":[[130,90,0,1]]}')).toBeNull();
    expect(decodeWork('{"version":1,"notes":[[60,90,-1,1]]}')).toBeNull();
    expect(decodeWork('{"version":1,"notes":[[60,90,0,1]],"locked":[1]}')).toBeNull();
    expect(decodeWork('{"version":1,"notes":[[60,90,0,1]],"locked":[0.5]}')).toBeNull();
    expect(decodeWork('{"version":1,"notes":[[60,90,0,1]],"locked":0}')).toBeNull();
  });

  it('fills a setting missing from an older record with its default', () => {
    const older = decodeWork('{"version":1,"cursor":0,"settings":{"temperature":0.7},"notes":[]}');
    expect(older?.settings).toEqual({ ...DEFAULT_SETTINGS, temperature: 0.7 });
  });

  it('falls back to defaults for bad settings', () => {
    const text = JSON.stringify({
      version: 1,
      notes: [],
      cursor: -4,
      settings: { temperature: 'hot', count: 5, topK: 0, seed: 1.5 },
    });
    expect(decodeWork(text)).toEqual({
      notes: [],
      cursor: 0,
      settings: { ...DEFAULT_SETTINGS, count: 5 },
    });
    expect(DEFAULT_SETTINGS).toMatchObject({ temperature: 1, topP: 0.95, topK: null, seed: null });
  });

  it('falls back to the default grid, field by field', () => {
    const record = (grid: object): string =>
      JSON.stringify({ version: 1, notes: [], cursor: 0, settings: { grid } });
    expect(decodeWork(record({ snap: true }))?.settings.grid).toEqual({ ...DEFAULT_GRID, snap: true });
    const bad = {
      beats: { bpm: 1000, meter: { numerator: 3, denominator: 5 }, offset: 'x' },
      division: 12,
      strength: 2,
      loop: 'yes',
    };
    expect(decodeWork(record(bad))?.settings.grid).toEqual(DEFAULT_GRID);
    expect(DEFAULT_GRID.beats).toEqual({ bpm: 120, meter: { numerator: 4, denominator: 4 }, offset: 0 });
  });

  it('falls back to the default MIDI settings, field by field', () => {
    const record = (midi: object): string =>
      JSON.stringify({ version: 1, notes: [], cursor: 0, settings: { midi } });
    expect(decodeWork(record({ input: 'x' }))?.settings.midi).toEqual({ ...DEFAULT_MIDI, input: 'x' });
    const bad = { input: 5, output: {}, thru: 'yes', answer: { pause: 0, length: 9999, unit: 'bars' } };
    expect(decodeWork(record(bad))?.settings.midi).toEqual(DEFAULT_MIDI);
    expect(decodeWork(record({ thru: true }))?.settings.midi.thru).toBe(true);
    expect(DEFAULT_MIDI).toEqual({
      input: null,
      output: null,
      thru: false, // off until asked for
      answer: { pause: 1.5, length: 16, unit: 'notes' },
    });
  });

  it('keeps the pitch range a range', () => {
    const record = (settings: object): string =>
      JSON.stringify({ version: 1, notes: [], cursor: 0, settings });
    expect(decodeWork(record({ minPitch: 30, maxPitch: 90 }))?.settings).toMatchObject({
      minPitch: 30,
      maxPitch: 90,
    });
    expect(decodeWork(record({ minPitch: 90, maxPitch: 30 }))?.settings).toMatchObject({
      minPitch: 0,
      maxPitch: 119,
    });
    expect(decodeWork(record({ minPitch: -1, maxPitch: 120 }))?.settings).toMatchObject({
      minPitch: 0,
      maxPitch: 119,
    });
  });

  it('reports a full storage instead of throwing', () => {
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(saveWork(full, work)).toMatch(/could not be saved.*QuotaExceededError/);
  });
});
