import { NoteLimitError } from '../errors.js';
import { NoteTable, PedalTable, TempoTable } from './event-tables.js';
import { NotePairer } from './pair-notes.js';
import { readSmfLayout, type SmfLayout } from './smf-chunks.js';
import { WarningLog } from './warning-log.js';

/** Everything the reader keeps from a Standard MIDI File, in ticks of each event's own track. */
export interface SmfEvents {
  layout: SmfLayout;
  /** Notes paired FIFO per (track, channel, pitch). */
  notes: NoteTable;
  /** CC64 changes. */
  pedals: PedalTable;
  /** Set-tempo metas. */
  tempos: TempoTable;
  /** Per track, the tick of its last event (End-of-Track when present). */
  trackEndTicks: number[];
}

/** Note-ons the reader may still keep (`left`), and those it only counted once none were left (`over`). */
interface NoteBudget {
  left: number;
  over: number;
}

/** Data bytes that follow each system common / real-time status F0..FF, -1 when variable or undefined. */
const SYSTEM_DATA_BYTES = [-1, 1, 2, 1, -2, -2, 0, -1, 0, -2, 0, 0, 0, -2, 0, -1];

/** Index of the first byte >= 0x80 in `bytes[from .. from + count)`, or -1 when all are data bytes. */
function firstStatusByte(bytes: Uint8Array, from: number, count: number): number {
  for (let i = from; i < from + count; i++) if (bytes[i]! & 0x80) return i;
  return -1;
}

/** The warning for a message cut short by a status byte where a data byte belongs. */
function droppedMessage(label: string, bytes: Uint8Array, at: number, kind: 'channel' | 'system'): string {
  return `${label}: status byte 0x${bytes[at]!.toString(16)} inside a ${kind} message: message dropped (at byte ${at})`;
}

/**
 * Reads every event of one MTrk payload `bytes[start..end)`. Notes go to `pairer`, CC64 to `pedals`,
 * tempo metas to `tempos`; everything else is skipped without allocating.
 *
 * Policies (all lenient, each repair warned through `log`):
 * - running status is kept across meta events, SysEx and system messages (the jazz-soft
 *   "running status after SysEx" file then plays its C-major scale);
 * - a data byte >= 0x80 where a channel message expects data ends that message early: the partial
 *   message is dropped and the byte is read as the next status byte, with delta-time 0;
 * - a data byte with no running status yet is skipped;
 * - undefined status bytes F4, F5, F9, FD are skipped alone (the next byte starts a delta-time);
 * - F1/F3 carry 1 data byte, F2 carries 2, F6/F8/FA/FB/FC/FE none; F0 and F7 carry a
 *   length-prefixed payload that is skipped whole (continuation and escape packets included);
 * - a delta-time or length longer than 4 bytes is clamped to its first 4 bytes (28 bits);
 * - an event or a length that runs past the end of the chunk ends the track there;
 * - a tempo of 0 µs per quarter note (every later note at one instant) is ignored;
 * - End-of-Track ends the track; bytes after it are ignored. A missing End-of-Track is fine.
 *
 * @returns The tick of the track's last complete event.
 *
 * Kept as one function on purpose: it is the hot loop of the import, run once for every byte of
 * every track. Its state (`pos`, `tick`, `lastTick`, `running`, `pendingStatus`) lives in locals
 * that the engine keeps in registers; split into helpers, each event would pass that state out and
 * back (an object or a tuple per event) and the import would slow down (`npm run bench:import`).
 */
// eslint-disable-next-line max-lines-per-function -- the per-byte hot loop of the import; see above
function scanTrack(
  bytes: Uint8Array,
  start: number,
  end: number,
  track: number,
  pairer: NotePairer,
  pedals: PedalTable,
  tempos: TempoTable,
  log: WarningLog,
  budget: NoteBudget,
): number {
  const label = `track ${track}`;
  let pos = start;
  let tick = 0;
  let lastTick = 0;
  let running = 0;
  let pendingStatus = false;

  while (pos < end) {
    // Delta-time, unless resynchronising on a status byte that cut the previous message short.
    if (pendingStatus) {
      pendingStatus = false;
    } else {
      let b = bytes[pos++]!;
      let delta = b & 0x7f;
      if (b & 0x80) {
        let n = 1;
        do {
          if (pos >= end) {
            log.add('truncated-vlq', `${label}: the track ends inside a delta-time (at byte ${pos})`);
            return lastTick;
          }
          b = bytes[pos++]!;
          if (n < 4) delta = delta * 128 + (b & 0x7f);
          n++;
        } while (b & 0x80);
        if (n > 4)
          log.add('long-vlq', `${label}: delta-time longer than 4 bytes, clamped (at byte ${pos - n})`);
      }
      tick += delta;
      if (pos >= end) {
        log.add(
          'dangling-delta',
          `${label}: the track ends after a delta-time with no event (at byte ${pos})`,
        );
        return lastTick;
      }
    }

    let status = bytes[pos]!;
    if (status & 0x80) {
      pos++;
    } else if (running !== 0) {
      status = running;
    } else {
      log.add('no-status', `${label}: data byte with no running status skipped (at byte ${pos})`);
      pos++;
      continue;
    }

    if (status < 0xf0) {
      // Channel voice message.
      running = status;
      const kind = status >> 4;
      const channel = status & 15;
      const size = kind === 0xc || kind === 0xd ? 1 : 2;
      if (pos + size > end) {
        log.add('truncated-event', `${label}: the track ends inside a channel message (at byte ${pos})`);
        return lastTick;
      }
      const bad = firstStatusByte(bytes, pos, size);
      if (bad >= 0) {
        log.add('bad-data-byte', droppedMessage(label, bytes, bad, 'channel'));
        pos = bad;
        pendingStatus = true;
        continue;
      }
      const d1 = bytes[pos]!;
      const d2 = size === 2 ? bytes[pos + 1]! : 0;
      pos += size;
      lastTick = tick;
      if (kind === 0x9) {
        if (d2 === 0) pairer.noteOff(tick, channel, d1);
        else if (budget.left > 0) {
          budget.left--;
          pairer.noteOn(tick, channel, d1, d2);
        } else budget.over++; // over the limit: counted for the message, not kept
      } else if (kind === 0x8) {
        pairer.noteOff(tick, channel, d1);
      } else if (kind === 0xb && d1 === 64) {
        pedals.push(tick, track, channel, d2 >= 64);
      }
      continue;
    }

    if (status === 0xff || status === 0xf0 || status === 0xf7) {
      // Meta event or SysEx packet: [type] length data.
      let type = -1;
      if (status === 0xff) {
        if (pos >= end) {
          log.add('truncated-event', `${label}: the track ends inside a meta event (at byte ${pos})`);
          return lastTick;
        }
        type = bytes[pos++]!;
      }
      let length = 0;
      let n = 0;
      let b: number;
      do {
        if (pos >= end) {
          log.add('truncated-event', `${label}: the track ends inside an event length (at byte ${pos})`);
          return lastTick;
        }
        b = bytes[pos++]!;
        if (n < 4) length = length * 128 + (b & 0x7f);
        n++;
      } while (b & 0x80);
      if (n > 4)
        log.add('long-vlq', `${label}: event length longer than 4 bytes, clamped (at byte ${pos - n})`);
      if (pos + length > end) {
        const what = type >= 0 ? `meta event 0x${type.toString(16)}` : `SysEx 0x${status.toString(16)}`;
        log.add(
          'event-overrun',
          `${label}: ${what} of ${length} bytes runs past the end of the track (${end - pos} left) (at byte ${pos})`,
        );
        return lastTick;
      }
      lastTick = tick;
      if (type === 0x51) {
        if (length >= 3) {
          const microseconds = (bytes[pos]! << 16) | (bytes[pos + 1]! << 8) | bytes[pos + 2]!;
          if (microseconds > 0) tempos.push(tick, track, microseconds);
          else
            log.add(
              'tempo-zero',
              `${label}: tempo of 0 µs per quarter note ignored: the previous tempo holds (at byte ${pos})`,
            );
          if (length > 3) log.add('tempo-length', `${label}: tempo meta of ${length} bytes (at byte ${pos})`);
        } else {
          log.add('tempo-length', `${label}: tempo meta of ${length} bytes ignored (at byte ${pos})`);
        }
      } else if (type === 0x2f) {
        pos += length;
        if (pos < end) log.add('after-eot', `${label}: ignored ${end - pos} bytes after End-of-Track`);
        return lastTick;
      }
      pos += length;
      continue;
    }

    // System common and real-time messages: fixed sizes; undefined ones are skipped alone.
    const size = SYSTEM_DATA_BYTES[status & 15]!;
    if (size === -2) {
      log.add(
        `undefined-${status}`,
        `${label}: undefined status byte 0x${status.toString(16)} skipped (at byte ${pos - 1})`,
      );
      continue;
    }
    if (pos + size > end) {
      log.add('truncated-event', `${label}: the track ends inside a system message (at byte ${pos})`);
      return lastTick;
    }
    const cut = firstStatusByte(bytes, pos, size);
    if (cut >= 0) {
      log.add('bad-data-byte', droppedMessage(label, bytes, cut, 'system'));
      pos = cut;
      pendingStatus = true;
      continue;
    }
    pos += size;
    lastTick = tick;
  }
  return lastTick;
}

/**
 * The tables `readSmf` fills, reused from one file to the next (reading is synchronous). They start
 * large enough for most files, so that growing them (a path the optimiser may not have seen) is rare.
 */
const noteTable = new NoteTable(1 << 16);
const pedalTable = new PedalTable(1 << 14);
const pairer = new NotePairer(noteTable);
/** Rows worth keeping allocated between files (larger tables are dropped after use). */
const RETAINED_ROWS = 1 << 20;

/**
 * Reads a Standard MIDI File into column tables: notes paired per track (see `NotePairer`), sustain
 * pedal changes and tempo changes, all in ticks of their own track. No tempo is applied here. The
 * note and pedal tables are reused by the next call: read what is needed from them first.
 *
 * @param bytes The whole file; any Uint8Array view (a Node Buffer from a pool is fine).
 * @param log Receives warnings about everything repaired or ignored.
 * @param file Name used in error messages and warnings.
 * @param maxNotes The most note-ons a file may hold; past it the rest of the file is only counted,
 *   and the file refused (default: no limit).
 * @returns The layout and the event tables (valid until the next `readSmf`).
 * @throws {MidiFormatError} When the bytes are empty, not MIDI, or the header is unusable.
 * @throws {NoteLimitError} When the file holds more than `maxNotes` note-ons.
 * @example
 * const events = readSmf(new Uint8Array(readFileSync('a.mid')), new WarningLog('a.mid'), 'a.mid');
 * events.notes.length; // notes found
 */
export function readSmf(
  bytes: Uint8Array,
  log: WarningLog,
  file?: string,
  maxNotes = Number.POSITIVE_INFINITY,
): SmfEvents {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const layout = readSmfLayout(bytes, view, log, file);
  let events = scanTracks(bytes, layout, log, file, maxNotes, true);
  // A channel with pedal events from two tracks: the dropped events matter after all (rare; the
  // second pass repeats the first one's warnings, so they go nowhere).
  if (pedalTable.mixed) events = scanTracks(bytes, layout, new WarningLog(file), file, maxNotes, false);
  return events;
}

function scanTracks(
  bytes: Uint8Array,
  layout: SmfLayout,
  log: WarningLog,
  file: string | undefined,
  maxNotes: number,
  collapsePedals: boolean,
): SmfEvents {
  const notes = noteTable;
  const pedals = pedalTable;
  notes.reset(RETAINED_ROWS);
  pedals.reset(RETAINED_ROWS, collapsePedals, layout.format === 2);
  pairer.reset();
  const tempos = new TempoTable();
  const trackEndTicks: number[] = [];
  let openAtEnd = 0;
  const budget: NoteBudget = { left: maxNotes, over: 0 };
  for (let t = 0; t < layout.tracks.length; t++) {
    const { start, end } = layout.tracks[t]!;
    pairer.startTrack(t);
    pedals.startTrack();
    const endTick = scanTrack(bytes, start, end, t, pairer, pedals, tempos, log, budget);
    openAtEnd += pairer.closeAll(endTick);
    trackEndTicks.push(endTick);
  }
  if (budget.over > 0) {
    throw new NoteLimitError(maxNotes + budget.over, maxNotes, file === undefined ? {} : { file });
  }
  if (openAtEnd > 0) {
    log.add('open-notes', `${openAtEnd} notes never released: they end at their track's last event`);
  }
  if (pairer.strayOffs > 0) {
    log.add('stray-offs', `${pairer.strayOffs} note-offs with no sounding note were ignored`);
  }
  return { layout, notes, pedals, tempos, trackEndTicks };
}
