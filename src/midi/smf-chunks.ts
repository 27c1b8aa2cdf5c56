import { MidiFormatError } from '../errors.js';
import { printableBytes } from '../printable.js';
import type { WarningLog } from './warning-log.js';

/** Where the MTrk payloads lie and how the header says to time them. */
export interface SmfLayout {
  /** SMF format 0, 1 or 2 (an unknown format is read as 1, with a warning). */
  format: number;
  /** Track count the header declares (the file may hold a different number of MTrk chunks). */
  declaredTracks: number;
  /** Ticks per quarter note, or undefined for SMPTE time division. */
  ticksPerQuarter: number | undefined;
  /** Fixed ticks per second for SMPTE time division, else undefined. */
  ticksPerSecond: number | undefined;
  /** Byte ranges [start, end) of every MTrk payload, in file order, clamped to the file. */
  tracks: { start: number; end: number }[];
}

/** The SMPTE frame rates a time division may name (29 is 30 fps drop-frame, 29.97 frames per second). */
const SMPTE_FRAME_RATES: readonly number[] = [24, 25, 29, 30];

/** How far into the bytes an `MThd` is looked for when it is not at the start (MacBinary and the like). */
const HEADER_SEARCH_LIMIT = 1024;

function fourCC(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

function isChunkId(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < at + 4; i++) {
    const c = bytes[i]!;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function indexOfMThd(bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i + 4 <= to; i++) {
    if (bytes[i] === 0x4d && bytes[i + 1] === 0x54 && bytes[i + 2] === 0x68 && bytes[i + 3] === 0x64)
      return i;
  }
  return -1;
}

/** Finds the SMF inside a RIFF RMID container; returns [start, end) of the `data` chunk. */
function unwrapRiff(bytes: Uint8Array, view: DataView, where: { file?: string }): [number, number] {
  if (bytes.length < 12) throw new MidiFormatError('truncated RIFF header', where);
  if (fourCC(bytes, 8) !== 'RMID') {
    const form = printableBytes(bytes.subarray(8, 12));
    throw new MidiFormatError(`not a MIDI file: RIFF form '${form}', not 'RMID'`, where);
  }
  let at = 12;
  while (at + 8 <= bytes.length) {
    const size = view.getUint32(at + 4, true);
    if (fourCC(bytes, at) === 'data') return [at + 8, Math.min(bytes.length, at + 8 + size)];
    at += 8 + size + (size & 1);
  }
  throw new MidiFormatError("RIFF RMID file without a 'data' chunk", where);
}

/** Where the SMF lies in `bytes`: `[base, limit)`, `base` at its `MThd`. */
function locateHeader(
  bytes: Uint8Array,
  view: DataView,
  log: WarningLog,
  where: { file?: string },
): { base: number; limit: number } {
  let base = 0;
  let limit = bytes.length;
  if (bytes.length >= 4 && fourCC(bytes, 0) === 'RIFF') [base, limit] = unwrapRiff(bytes, view, where);

  if (limit - base < 4 || fourCC(bytes, base) !== 'MThd') {
    const head = String.fromCharCode(...bytes.subarray(base, Math.min(limit, base + 8)));
    if ('MThd'.startsWith(head)) throw new MidiFormatError('truncated header', { ...where, offset: base });
    if (head === 'SMF2CLIP') {
      throw new MidiFormatError('not a Standard MIDI File: a MIDI 2.0 clip file (SMF2CLIP)', where);
    }
    if (bytes[base] === 0xf0)
      throw new MidiFormatError('not a MIDI file: a raw SysEx dump (starts with F0)', where);
    const found = indexOfMThd(bytes, base, Math.min(limit, base + HEADER_SEARCH_LIMIT));
    if (found < 0) throw new MidiFormatError('not a MIDI file: no MThd header', where);
    log.add('junk-before-header', `skipped ${found - base} bytes before the MThd header`);
    base = found;
  }
  return { base, limit };
}

/** The header's time division (the u16 at byte `at`) as ticks per quarter note or per second. */
function readTimeDivision(
  division: number,
  where: { file?: string },
  at: number,
): Pick<SmfLayout, 'ticksPerQuarter' | 'ticksPerSecond'> {
  let ticksPerQuarter: number | undefined;
  let ticksPerSecond: number | undefined;
  if (division & 0x8000) {
    const frames = 256 - (division >> 8);
    const ticksPerFrame = division & 0xff;
    if (!SMPTE_FRAME_RATES.includes(frames)) {
      // Without a real frame rate the file's timing is unknown: refuse rather than guess.
      throw new MidiFormatError(
        `SMPTE time division of ${frames} frames per second, which no timecode uses (24, 25, 29 = 29.97 drop-frame, or 30): the timing is unknown`,
        { ...where, offset: at },
      );
    }
    if (ticksPerFrame === 0) {
      throw new MidiFormatError('SMPTE time division with 0 ticks per frame', {
        ...where,
        offset: at,
      });
    }
    // -29 means 30 fps drop-frame, i.e. 29.97 frames per second.
    ticksPerSecond = (frames === 29 ? 30000 / 1001 : frames) * ticksPerFrame;
  } else {
    if (division === 0) {
      throw new MidiFormatError('time division is 0 ticks per quarter note', { ...where, offset: at });
    }
    ticksPerQuarter = division;
  }
  return { ticksPerQuarter, ticksPerSecond };
}

/** The MTrk payloads among the chunks from byte `from` to `limit`; other chunks and junk are warned. */
function listTracks(
  bytes: Uint8Array,
  view: DataView,
  log: WarningLog,
  from: number,
  limit: number,
): { start: number; end: number }[] {
  const tracks: { start: number; end: number }[] = [];
  let at = from;
  while (at + 8 <= limit) {
    if (!isChunkId(bytes, at)) {
      log.add('garbage', `ignored ${limit - at} bytes that do not form a chunk (at byte ${at})`);
      break;
    }
    const id = printableBytes(bytes.subarray(at, at + 4)); // printable ASCII (isChunkId); `\\` escaped
    const length = view.getUint32(at + 4);
    const start = at + 8;
    let end = start + length;
    if (end > limit) {
      log.add(
        'chunk-overrun',
        `chunk '${id}' declares ${length} bytes but only ${limit - start} remain: read to the end of the file (at byte ${at})`,
      );
      end = limit;
    }
    if (id === 'MTrk') tracks.push({ start, end });
    else log.add(`chunk-${id}`, `unknown chunk '${id}' (${length} bytes) skipped (at byte ${at})`);
    at = end;
  }
  if (at < limit && at + 8 > limit)
    log.add('trailing', `ignored ${limit - at} trailing bytes after the last chunk`);
  return tracks;
}

/**
 * Reads the container and the header of a Standard MIDI File and lists its track chunks, repairing
 * what can be repaired (with a warning) and rejecting what is not MIDI.
 *
 * Accepted: an SMF at byte 0, inside a RIFF RMID (`.rmi`) wrapper, or after up to 1 KiB of junk
 * (warned); an MThd longer than 6 bytes (the extra bytes are skipped, as the spec asks); unknown
 * chunks (skipped, warned); a chunk whose length overruns the file (read to the end, warned);
 * trailing bytes after the last chunk (ignored, warned); more or fewer MTrk chunks than the header
 * declares (the chunks present are read, warned).
 *
 * @param bytes The whole file.
 * @param view A DataView over exactly `bytes` (same byteOffset and length).
 * @param log Receives the warnings.
 * @param file Name used in error messages.
 * @returns The layout: format, timing and the byte range of each track.
 * @throws {MidiFormatError} For an empty file, a file with no MThd ("not a MIDI file"), a MIDI 2.0
 *   clip or SysEx dump, a truncated header, a time division of 0, or an SMPTE frame rate other than
 *   24, 25, 29 (drop-frame) or 30.
 * @example
 * const layout = readSmfLayout(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), log);
 * layout.tracks.length; // number of MTrk chunks
 */
export function readSmfLayout(bytes: Uint8Array, view: DataView, log: WarningLog, file?: string): SmfLayout {
  const where = file === undefined ? {} : { file };
  if (bytes.length === 0) throw new MidiFormatError('empty file', where);
  const { base, limit } = locateHeader(bytes, view, log, where);

  if (base + 14 > limit) {
    throw new MidiFormatError(`truncated header: ${limit - base} bytes, an MThd needs 14`, {
      ...where,
      offset: base,
    });
  }
  const headerLength = view.getUint32(base + 4);
  if (headerLength < 6) {
    throw new MidiFormatError(`MThd length ${headerLength} is less than 6`, { ...where, offset: base + 4 });
  }
  let format = view.getUint16(base + 8);
  const declaredTracks = view.getUint16(base + 10);
  const division = view.getUint16(base + 12);
  const { ticksPerQuarter, ticksPerSecond } = readTimeDivision(division, where, base + 12);
  if (format > 2) {
    log.add('format', `unknown SMF format ${format}: read as format 1`);
    format = 1;
  }

  const tracks = listTracks(bytes, view, log, base + 8 + headerLength, limit);
  if (tracks.length !== declaredTracks) {
    log.add(
      'track-count',
      `the header declares ${declaredTracks} tracks but the file holds ${tracks.length} MTrk chunks: read those present`,
    );
  }
  if (format === 0 && tracks.length > 1) {
    log.add('format-0-tracks', `format 0 file with ${tracks.length} tracks: they are read as simultaneous`);
  }
  return { format, declaredTracks, ticksPerQuarter, ticksPerSecond, tracks };
}
