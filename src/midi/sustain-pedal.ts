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

import { scratchInt32, scratchUint8 } from './scratch.js';
import { stableOrderOfValues } from './sort-keys.js';

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

/**
 * Dense ids for pedal groups: `idOf(group)` is -1 for a group with no pedal change. Groups are
 * channels (format 0/1) or track × 16 + channel (format 2): a flat table unless they are very many.
 */
interface GroupIds {
  count: number;
  idOf: (group: number) => number;
  /** The group of each id. */
  groups: number[];
}

const FLAT_GROUP_LIMIT = 1 << 16;

function groupIds(pedals: SustainPedals): GroupIds {
  const groups: number[] = [];
  let largest = -1;
  for (let i = 0; i < pedals.count; i++) if (pedals.group[i]! > largest) largest = pedals.group[i]!;
  if (largest < FLAT_GROUP_LIMIT) {
    const table = new Int32Array(largest + 1).fill(-1);
    for (let i = 0; i < pedals.count; i++) {
      const group = pedals.group[i]!;
      if (table[group] === -1) table[group] = groups.push(group) - 1;
    }
    return {
      count: groups.length,
      idOf: (group) => (group >= 0 && group <= largest ? table[group]! : -1),
      groups,
    };
  }
  const map = new Map<number, number>();
  for (let i = 0; i < pedals.count; i++) {
    const group = pedals.group[i]!;
    if (!map.has(group)) map.set(group, groups.push(group) - 1);
  }
  return { count: groups.length, idOf: (group) => map.get(group) ?? -1, groups };
}

/**
 * The pedal changes in (group, tick, index) order: a stable counting sort by group id; a group whose
 * changes come from one track is then in tick order already (a track's ticks never go back), and
 * only a group fed by several tracks needs its run sorted by tick.
 */
function pedalOrder(pedals: SustainPedals, ids: GroupIds): { order: Int32Array; runStart: Int32Array } {
  const runStart = new Int32Array(ids.count + 1);
  const idOfEvent = new Int32Array(pedals.count);
  for (let i = 0; i < pedals.count; i++) {
    const id = ids.idOf(pedals.group[i]!);
    idOfEvent[i] = id;
    runStart[id + 1]!++;
  }
  for (let id = 1; id <= ids.count; id++) runStart[id]! += runStart[id - 1]!;
  const order = new Int32Array(pedals.count);
  const fill = runStart.slice(0, ids.count);
  for (let i = 0; i < pedals.count; i++) order[fill[idOfEvent[i]!]!++] = i;
  for (let id = 0; id < ids.count; id++) {
    const first = runStart[id]!;
    const last = runStart[id + 1]!;
    let sorted = true;
    for (let j = first + 1; j < last && sorted; j++)
      sorted = pedals.tick[order[j]!]! >= pedals.tick[order[j - 1]!]!;
    if (sorted) continue;
    const run = Array.from(order.subarray(first, last));
    run.sort((a, b) => pedals.tick[a]! - pedals.tick[b]! || a - b);
    order.set(run, first);
  }
  return { order, runStart };
}

/** Each pedalled group's timeline, by group id (an empty timeline when the pedal never goes down). */
function buildTimelines(pedals: SustainPedals, ids: GroupIds): Timeline[] {
  const { order, runStart } = pedalOrder(pedals, ids);
  const { tick: ticks, down: downs } = pedals;
  const timelines: Timeline[] = [];
  for (let id = 0; id < ids.count; id++) {
    const last = runStart[id + 1]!;
    const changeTicks = new Float64Array(last - runStart[id]!);
    const changeDown = new Uint8Array(changeTicks.length);
    let changes = 0;
    let state = 0;
    let i = runStart[id]!;
    while (i < last) {
      const tick = ticks[order[i]!]!;
      let next = 1;
      // At one tick, any release leaves the pedal up.
      for (; i < last && ticks[order[i]!] === tick; i++) if (!downs[order[i]!]) next = 0;
      if (next !== state) {
        changeTicks[changes] = tick;
        changeDown[changes++] = next;
        state = next;
      }
    }
    timelines.push({ ticks: changeTicks.subarray(0, changes), down: changeDown.subarray(0, changes) });
  }
  return timelines;
}

/**
 * Index of the last change at or before `tick`, or -1, searching from `from` (a nearby answer): a
 * galloping search that widens its step from there, then a binary search inside the bracket found,
 * so a lookup near the previous one costs a few steps however long the timeline is.
 */
function changeAt(ticks: Float64Array, tick: number, from: number): number {
  const n = ticks.length;
  // Invariant sought: ticks[lo] <= tick (or lo = -1) and ticks[hi] > tick (or hi = n).
  let lo: number;
  let hi: number;
  let k = from < -1 ? -1 : from >= n ? n - 1 : from;
  if (k >= 0 && ticks[k]! > tick) {
    hi = k;
    let step = 1;
    for (;;) {
      k = hi - step;
      if (k < 0) {
        lo = -1;
        break;
      }
      if (ticks[k]! <= tick) {
        lo = k;
        break;
      }
      hi = k;
      step *= 2;
    }
  } else {
    lo = k;
    let step = 1;
    for (;;) {
      k = lo + step;
      if (k >= n) {
        hi = n;
        break;
      }
      if (ticks[k]! > tick) {
        hi = k;
        break;
      }
      lo = k;
      step *= 2;
    }
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (ticks[mid]! <= tick) lo = mid;
    else hi = mid;
  }
  return lo;
}

const noteBuckets = scratchInt32();
const bucketed = scratchInt32();
const onsetChanges = scratchInt32();
const removedMask = scratchUint8();

/**
 * Extends note ends by the sustain pedal (see the module comment for the exact rules).
 *
 * @param notes Notes in global ticks; `notes.end` is updated in place.
 * @param pedals CC64 changes in global ticks.
 * @param holdEnd Tick where notes of a group still held by a pedal that never lifts end (never
 *   before their own release): the last event of the piece for format 0/1 (as Magenta), the end of
 *   the group's own sequence for format 2.
 * @param byOnset The note indices in (onset, index) order, when the caller has them already.
 * @returns A mask of notes to remove (cut to nothing by a same-tick re-strike), or undefined if none.
 * @example
 * // C4 0..100, pedal down 50, up 300: C4 now ends at 300.
 * applySustain(notes, pedals, () => 300);
 */
export function applySustain(
  notes: SustainNotes,
  pedals: SustainPedals,
  holdEnd: (group: number) => number,
  byOnset?: Int32Array,
): Uint8Array | undefined {
  const ids = groupIds(pedals);
  const lines = buildTimelines(pedals, ids);
  if (!lines.some((line) => line.ticks.length > 0)) return undefined;
  const { start, end, group, pitch } = notes;

  // Bucket the notes of pedalled groups by (group, pitch), keeping file order inside a bucket.
  const bucketOf = noteBuckets.take(notes.count);
  const bucketStart = new Int32Array(lines.length * 128 + 1);
  for (let i = 0; i < notes.count; i++) {
    const line = ids.idOf(group[i]!);
    const bucket = line < 0 || lines[line]!.ticks.length === 0 ? -1 : line * 128 + pitch[i]!;
    bucketOf[i] = bucket;
    if (bucket >= 0) bucketStart[bucket + 1]!++;
  }
  for (let b = 1; b < bucketStart.length; b++) bucketStart[b]! += bucketStart[b - 1]!;
  // Fill the buckets in onset order, so that each one comes out sorted by (onset, file order).
  const order = bucketed.take(bucketStart[bucketStart.length - 1]!);
  const fill = bucketStart.slice(0, -1);
  const onsets = byOnset ?? stableOrderOfValues(start.subarray(0, notes.count), new Int32Array(notes.count));
  // On the way, each note's pedal change at its onset: the notes come by onset, so one cursor per
  // timeline only moves forward.
  const atOnsetOf = onsetChanges.take(notes.count);
  const cursor = new Int32Array(lines.length).fill(-1);
  for (let n = 0; n < notes.count; n++) {
    const i = onsets[n]!;
    const bucket = bucketOf[i]!;
    if (bucket < 0) continue;
    order[fill[bucket]!++] = i;
    const line = bucket >> 7;
    const ticks = lines[line]!.ticks;
    let at = cursor[line]!;
    while (at + 1 < ticks.length && ticks[at + 1]! <= start[i]!) at++;
    cursor[line] = at;
    atOnsetOf[i] = at;
  }

  // Every walked note writes its mark, so the rare re-strike takes no branch of its own (a branch
  // first taken after the function was optimised would throw the optimised code away).
  const removed = removedMask.take(notes.count).fill(0);
  let anyRemoved = 0;
  for (let bucket = 0; bucket + 1 < bucketStart.length; bucket++) {
    const first = bucketStart[bucket]!;
    const last = bucketStart[bucket + 1]!;
    if (first === last) continue;
    const { ticks, down } = lines[bucket >> 7]!;
    const pieceEnd = holdEnd(group[order[first]!]!);
    // Walk the run backwards, keeping the onset of the nearest later re-strike under the pedal.
    let restrike = Infinity;
    for (let j = last - 1; j >= first; j--) {
      const note = order[j]!;
      const onset = start[note]!;
      const release = end[note]!;
      const atOnset = atOnsetOf[note]!;
      const atRelease = changeAt(ticks, release, atOnset);
      let sounding = release;
      if (atRelease >= 0 && down[atRelease]) {
        sounding = atRelease + 1 < ticks.length ? ticks[atRelease + 1]! : Math.max(pieceEnd, release);
      }
      const struck = restrike === onset ? 1 : 0;
      removed[note] = struck;
      anyRemoved |= struck;
      end[note] = Math.min(sounding, restrike);
      if (atOnset >= 0 && down[atOnset]) restrike = onset;
    }
  }
  return anyRemoved ? removed.slice() : undefined;
}
