/**
 * Sustain pedal (CC64) applied to note ends, with the semantics of Magenta note_seq's
 * `apply_sustain_control_changes` (re-implemented, not copied). Everything is in global ticks, so
 * equal ticks compare exactly. Within a pedal group (a MIDI channel in format 0/1, a (track,
 * channel) pair in format 2):
 * - the pedal is down from a CC64 value >= 64 until a value < 64; at one tick, pedal events act
 *   before note-ons, which act before note-offs, and if both a down and an up fall on one tick the
 *   pedal ends up;
 * - a note released while the pedal is down sounds on until the pedal lifts (or, if it never lifts,
 *   until the last event of the piece; in format 2, of its own sequence);
 * - a note-on while the pedal is down ends every still-sounding note of the same pitch at that
 *   onset (the string is struck again). This can make a note SHORTER than its raw length when two
 *   tracks overlap on one pitch. A note cut to zero length this way (two onsets of one pitch at the
 *   same tick under the pedal) is removed, as Magenta does.
 */

import { stableOrder } from './sort-keys.js';

/** Notes in global ticks; `end` is rewritten in place. */
export interface SustainNotes {
  count: number;
  start: Float64Array;
  end: Float64Array;
  /** Pedal group of each note; a negative group (drums) is left alone. */
  group: Int32Array;
  /** Raw MIDI pitch 0..127 (before octave clamping: each key is its own string). */
  pitch: Int32Array;
}

/** Pedal changes in global ticks. */
export interface SustainPedals {
  count: number;
  tick: Float64Array;
  group: Int32Array;
  down: Uint8Array;
}

/** Per group: the ticks where the pedal state changes, and the state from each of them on. */
interface Timeline {
  ticks: Float64Array;
  down: Uint8Array;
}

function buildTimelines(pedals: SustainPedals): Map<number, Timeline> {
  const order = new Int32Array(pedals.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => pedals.group[a]! - pedals.group[b]! || pedals.tick[a]! - pedals.tick[b]! || a - b);
  const timelines = new Map<number, Timeline>();
  let i = 0;
  while (i < order.length) {
    const group = pedals.group[order[i]!]!;
    const ticks: number[] = [];
    const down: number[] = [];
    let state = 0;
    while (i < order.length && pedals.group[order[i]!] === group) {
      const tick = pedals.tick[order[i]!]!;
      let next = 1;
      while (i < order.length && pedals.group[order[i]!] === group && pedals.tick[order[i]!] === tick) {
        if (!pedals.down[order[i]!]) next = 0;
        i++;
      }
      if (next !== state) {
        ticks.push(tick);
        down.push(next);
        state = next;
      }
    }
    if (ticks.length > 0)
      timelines.set(group, { ticks: Float64Array.from(ticks), down: Uint8Array.from(down) });
  }
  return timelines;
}

/**
 * The note indices sorted by (onset tick, index): a radix sort where ticks fit 32 bits.
 */
function onsetOrder(start: Float64Array, count: number): Int32Array {
  let latest = 0;
  for (let i = 0; i < count; i++) latest = Math.max(latest, start[i]!);
  if (latest <= 0xffffffff) {
    const keys = new Uint32Array(count);
    for (let i = 0; i < count; i++) keys[i] = start[i]!;
    return stableOrder(keys);
  }
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order.sort((a, b) => start[a]! - start[b]! || a - b);
}

/**
 * Index of the last change at or before `tick`, or -1, searching from `from` (a nearby answer):
 * a few linear steps first, then a binary search.
 */
function changeAt(ticks: Float64Array, tick: number, from: number): number {
  let k = from;
  for (let step = 0; step < 4; step++) {
    if (k >= 0 && ticks[k]! > tick) k--;
    else if (k + 1 < ticks.length && ticks[k + 1]! <= tick) k++;
    else return k;
  }
  let lo = -1;
  let hi = ticks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ticks[mid]! <= tick) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Extends note ends by the sustain pedal (see the module comment for the exact rules).
 *
 * @param notes Notes in global ticks; `notes.end` is updated in place.
 * @param pedals CC64 changes in global ticks.
 * @param holdEnd Tick where notes of a group still held by a pedal that never lifts end (never
 *   before their own release): the last event of the piece for format 0/1 (as Magenta), the end of
 *   the group's own sequence for format 2.
 * @returns A mask of notes to remove (cut to nothing by a same-tick re-strike), or undefined if none.
 * @example
 * // C4 0..100, pedal down 50, up 300: C4 now ends at 300.
 * applySustain(notes, pedals, () => 300);
 */
export function applySustain(
  notes: SustainNotes,
  pedals: SustainPedals,
  holdEnd: (group: number) => number,
): Uint8Array | undefined {
  const timelines = buildTimelines(pedals);
  if (timelines.size === 0) return undefined;
  const { start, end, group, pitch } = notes;

  // Bucket the notes of pedalled groups by (group, pitch), keeping file order inside a bucket.
  const dense = new Map<number, number>();
  const lines: Timeline[] = [];
  for (const [id, timeline] of timelines) {
    dense.set(id, lines.length);
    lines.push(timeline);
  }
  const bucketOf = new Int32Array(notes.count);
  const bucketStart = new Int32Array(lines.length * 128 + 1);
  for (let i = 0; i < notes.count; i++) {
    const line = dense.get(group[i]!);
    const bucket = line === undefined ? -1 : line * 128 + pitch[i]!;
    bucketOf[i] = bucket;
    if (bucket >= 0) bucketStart[bucket + 1]!++;
  }
  for (let b = 1; b < bucketStart.length; b++) bucketStart[b]! += bucketStart[b - 1]!;
  // Fill the buckets in onset order, so that each one comes out sorted by (onset, file order).
  const order = new Int32Array(bucketStart[bucketStart.length - 1]!);
  const fill = bucketStart.slice(0, -1);
  for (const i of onsetOrder(start, notes.count)) {
    const bucket = bucketOf[i]!;
    if (bucket >= 0) order[fill[bucket]!++] = i;
  }

  let removed: Uint8Array | undefined;
  for (let bucket = 0; bucket + 1 < bucketStart.length; bucket++) {
    const first = bucketStart[bucket]!;
    const last = bucketStart[bucket + 1]!;
    if (first === last) continue;
    const { ticks, down } = lines[bucket >> 7]!;
    const pieceEnd = holdEnd(group[order[first]!]!);
    // Walk the run backwards, keeping the onset of the nearest later re-strike under the pedal.
    let restrike = Infinity;
    let atOnset = ticks.length - 1;
    for (let j = last - 1; j >= first; j--) {
      const note = order[j]!;
      const onset = start[note]!;
      const release = end[note]!;
      atOnset = changeAt(ticks, onset, atOnset);
      const atRelease = changeAt(ticks, release, atOnset);
      let sounding = release;
      if (atRelease >= 0 && down[atRelease]) {
        sounding = atRelease + 1 < ticks.length ? ticks[atRelease + 1]! : Math.max(pieceEnd, release);
      }
      if (restrike === onset) {
        removed ??= new Uint8Array(notes.count);
        removed[note] = 1;
      }
      end[note] = Math.min(sounding, restrike);
      if (atOnset >= 0 && down[atOnset]) restrike = onset;
    }
  }
  return removed;
}
