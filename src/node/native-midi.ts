import { createRequire } from 'node:module';

/**
 * The native fast path of the importer's MIDI reader (native/howl-midi.c, shipped prebuilt for
 * linux-x64): the same notes as `readMidiInto`, bit for bit, 2 to 2.5 times as fast as that reader once
 * V8 has optimised it, with no warm-up, and on every core for a batch of files (`readMany`). It declines the files it does not handle (format 2, RIFF wrappers, broken
 * headers, unknown chunks, files over the note or onset limits: see the C source's header), which
 * the TypeScript reader then reads; that reader stays the reference, and the only one in the
 * browser. `HOWL_NATIVE=0` turns the native path off, as it does the native training kernels.
 */

/** Where `takeMany` copies a file's notes: the columns, and the row to write from. */
export type NoteColumnsTarget = [
  time: Float64Array,
  duration: Float32Array | Float64Array,
  pitch: Uint8Array,
  velocity: Uint8Array,
  at: number,
];

/** The addon's interface. */
export interface NativeMidiReader {
  /**
   * Reads the files on `threads` threads (this one among them) and keeps their notes for
   * `takeMany`, until the next `readMany`.
   *
   * @returns each file's number of notes, or -1 where the TypeScript reader must read the file
   */
  readMany(
    files: Uint8Array[],
    includeDrums: boolean,
    sustain: boolean,
    maxNotes: number,
    threads: number,
  ): Float64Array;
  /**
   * Copies the notes of file `k` of the last `readMany` (one it read: count >= 0) into the columns.
   *
   * @returns the end of its last note, in seconds
   */
  takeMany(k: number, ...columns: NoteColumnsTarget): number;
  /** `contentHash(bytes)` (src/data/content-hash.ts), the same 16 hex digits. */
  hash(bytes: Uint8Array): string;
  /** The interface's version, "howl-midi 3". */
  readonly abi: string;
}

const ADDON = '../../native/prebuilt/linux-x64/howl-midi.node';
const ABI = 'howl-midi 3';

let loaded: { reader: NativeMidiReader | null; why: string } | undefined;

function tryLoad(): { reader: NativeMidiReader | null; why: string } {
  const flag = (process.env['HOWL_NATIVE'] ?? '').toLowerCase();
  if (flag === '0' || flag === 'off' || flag === 'false' || flag === 'no')
    return { reader: null, why: 'HOWL_NATIVE=0' };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { reader: null, why: `no prebuilt native reader for ${process.platform}-${process.arch}` };
  }
  try {
    const reader = createRequire(import.meta.url)(ADDON) as NativeMidiReader;
    if (reader.abi !== ABI) return { reader: null, why: `the native reader is ${reader.abi}, not ${ABI}` };
    return { reader, why: '' };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { reader: null, why: `the native reader did not load (${message})` };
  }
}

/**
 * The native reader of this thread, loaded on first use, or null where it cannot run (then
 * `nativeMidiStatus` says why).
 *
 * @returns the reader, or null
 * @example
 * const reader = nativeMidiReader();
 * const [count = -1] = reader?.readMany([bytes], false, true, 2_000_000, 1) ?? []; // -1: use readMidiInto
 */
export function nativeMidiReader(): NativeMidiReader | null {
  loaded ??= tryLoad();
  return loaded.reader;
}

/**
 * Which reader the importer uses on this thread, in words.
 *
 * @returns "native reader", or "TypeScript reader (why)"
 */
export function nativeMidiStatus(): string {
  loaded ??= tryLoad();
  return loaded.reader !== null ? 'native reader' : `TypeScript reader (${loaded.why})`;
}
