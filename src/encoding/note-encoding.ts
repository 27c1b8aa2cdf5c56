import type { Note } from '../score/note.js';

/**
 * The shape every note encoding shares: a pure, stateless pair of functions between the flattened
 * note stream (`Note[]`, as `readMidi` returns it) and one `Row` per model step.
 *
 * Encodings are siblings: `v1` (the original per-note vector) today, binned timing, note-octave or
 * event tokens later. Each lives in its own file in `src/encoding/`, exports a `NoteEncoding` value
 * and is listed in `encodings` (`encoding.ts`).
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
