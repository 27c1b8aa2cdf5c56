import { InvalidArgumentError } from '../errors.js';
import type { Note } from '../score/note.js';
import { v1Encoding } from './v1.js';

/**
 * The shape every note encoding shares: a pure, stateless pair of functions between the flattened
 * note stream (`Note[]`, as `readMidi` returns it) and one `Row` per model step.
 *
 * Encodings are siblings: `v1` (the original per-note vector) today, binned timing, note-octave or
 * event tokens later. Each lives in its own file in `src/encoding/`, exports a `NoteEncoding` value
 * and is listed in `encodings` below.
 *
 * `decode(encode(notes))` gives back the notes up to what the encoding loses (for `v1`: the first
 * note's onset, which decoding takes from an option, and float rounding).
 *
 * @typeParam Row - one encoded step, e.g. `V1Row`; rows are plain data and never mutated.
 */
export interface NoteEncoding<Row> {
  /** Registry key, lower case, e.g. `'v1'`. */
  readonly name: string;
  /** One line saying what a row holds. */
  readonly description: string;
  /**
   * Encodes notes, in the order given, into rows.
   * @param notes - the note stream, usually sorted as `readMidi` leaves it; not mutated
   * @returns new rows
   */
  encode(notes: readonly Note[]): Row[];
  /**
   * Decodes rows back into notes.
   * @param rows - rows as `encode` makes them (or a model produces them); not mutated
   * @returns new notes, in row order
   */
  decode(rows: readonly Row[]): Note[];
}

/**
 * Every available encoding by name. Add a sibling by writing `src/encoding/<name>.ts` that exports a
 * `NoteEncoding` and listing it here.
 */
export const encodings = {
  v1: v1Encoding,
} as const satisfies Readonly<Record<string, NoteEncoding<unknown>>>;

/** The name of an available encoding, e.g. `'v1'`. */
export type EncodingName = keyof typeof encodings;

/** The names of the available encodings, in registry order. */
export const encodingNames: readonly EncodingName[] = Object.keys(encodings) as EncodingName[];

/**
 * Tells whether `name` names an available encoding.
 *
 * @param name - any string
 * @returns true if `getEncoding(name)` would succeed
 * @example isEncodingName('v1'); // true
 */
export function isEncodingName(name: string): name is EncodingName {
  return Object.hasOwn(encodings, name);
}

/**
 * Looks up an encoding by name. With a literal name the result is precisely typed
 * (`getEncoding('v1')` is a `NoteEncoding<V1Row>`); with any string it is a `NoteEncoding<unknown>`.
 *
 * @param name - e.g. `'v1'`; matched exactly (case-sensitive)
 * @returns the encoding
 * @throws InvalidArgumentError if no encoding has that name; the message lists the known ones
 * @example
 * const enc = getEncoding('v1');
 * const rows = enc.encode(score.notes);
 */
export function getEncoding<N extends EncodingName>(name: N): (typeof encodings)[N];
export function getEncoding(name: string): NoteEncoding<unknown>;
export function getEncoding(name: string): NoteEncoding<unknown> {
  if (!isEncodingName(name)) {
    throw new InvalidArgumentError(
      `unknown encoding ${JSON.stringify(name)}; known encodings: ${encodingNames.join(', ')}`,
    );
  }
  return encodings[name];
}
