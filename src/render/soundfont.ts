import { SoundBankLoader, type BasicSoundBank } from 'spessasynth_core';
import { HowlError } from '../errors.js';

/** Bytes that are not a usable SoundFont (SF2, SF3) or DLS bank. */
export class SoundFontError extends HowlError {
  /** The file the bytes came from, when known. */
  readonly file: string | undefined;

  constructor(reason: string, options: { file?: string; cause?: unknown } = {}) {
    const where = options.file === undefined ? '' : `${options.file}: `;
    super('soundfont', `${where}${reason}`, { cause: options.cause });
    this.file = options.file;
  }
}

/** A parsed SoundFont, ready for `renderNotes`. Parse once and reuse it for many renders. */
export interface SoundFont {
  /** The bank's name from its INFO chunk (e.g. "Fluid R3 Mono GM"), or the file name. */
  readonly name: string;
  /** The presets, as "bank:program name". */
  readonly presets: readonly string[];
  /** The parsed bank (spessasynth_core). */
  readonly bank: BasicSoundBank;
  /** The bytes it was parsed from, for handing to worker threads. */
  readonly bytes: Uint8Array;
}

/**
 * Parses a SoundFont 2 (`.sf2`), SoundFont 3 (`.sf3`, Ogg Vorbis samples, decoded lazily when a
 * note first needs them) or DLS file with spessasynth_core. Rendering uses the preset for program 0
 * (a piano in every General MIDI bank) and falls back to the bank's first preset.
 *
 * @param bytes - the file's bytes (not modified)
 * @param options - `file`: its name, for messages
 * @returns the parsed bank
 * @throws {SoundFontError} "piano.sf2: not a SoundFont: Expected 'RIFF' or 'RIFS' header, got 'MThd'", or when it holds no presets.
 * @example const soundFont = loadSoundFont(await (await fetch(url)).bytes(), { file: url });
 */
export function loadSoundFont(bytes: Uint8Array | ArrayBuffer, options: { file?: string } = {}): SoundFont {
  // isView, not instanceof: bytes may come from another realm (a worker, an iframe, a vm context).
  const view = ArrayBuffer.isView(bytes)
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : new Uint8Array(bytes);
  const where = options.file === undefined ? {} : { file: options.file };
  if (view.length === 0) throw new SoundFontError('not a SoundFont: the file is empty', where);
  // The loader wants an ArrayBuffer of exactly the file; copy, so callers' buffers stay untouched.
  const copy = view.slice().buffer;
  let bank: BasicSoundBank;
  try {
    bank = SoundBankLoader.fromArrayBuffer(copy);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SoundFontError(`not a SoundFont (SF2, SF3 or DLS): ${reason}`, { ...where, cause: error });
  }
  if (bank.presets.length === 0) throw new SoundFontError('the SoundFont holds no presets', where);
  const name = bank.soundBankInfo.name || options.file || 'SoundFont';
  const presets = bank.presets.map((p) => `${p.bankMSB}:${p.program} ${p.name}`);
  return { name, presets, bank, bytes: view };
}
