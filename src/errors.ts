/**
 * Errors thrown by Howl. Every error names what went wrong and, where there is one, the file.
 * Callers can branch on the class (`instanceof MidiFormatError`) or on `code`.
 */
export class HowlError extends Error {
  /** A stable machine-readable code, e.g. `'midi-format'`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The bytes are not a readable Standard MIDI File: empty, truncated, not MIDI at all, or damaged
 * beyond what the reader repairs. `file` is set when the bytes came from a named file.
 */
export class MidiFormatError extends HowlError {
  readonly file: string | undefined;
  /** Byte offset at which reading failed, when known. */
  readonly offset: number | undefined;

  constructor(reason: string, options: { file?: string; offset?: number; cause?: unknown } = {}) {
    const where = options.file === undefined ? '' : `${options.file}: `;
    const at = options.offset === undefined ? '' : ` (at byte ${options.offset})`;
    super('midi-format', `${where}${reason}${at}`, { cause: options.cause });
    this.file = options.file;
    this.offset = options.offset;
  }
}

/**
 * A MIDI file over a reading limit: more notes than `limit` (to bound memory and time, since a
 * damaged or hostile file of a few megabytes can hold millions of note-ons). The file is refused
 * whole, never read in part. `notes` is the number of note-ons it holds.
 */
export class NoteLimitError extends MidiFormatError {
  /** Note-ons in the file (drums included). */
  readonly notes: number;
  /** The limit in force. */
  readonly limit: number;

  constructor(notes: number, limit: number, options: { file?: string } = {}) {
    const n = (x: number): string => x.toLocaleString('en-US');
    super(`${n(notes)} notes, over the limit of ${n(limit)} notes per file`, options);
    this.notes = notes;
    this.limit = limit;
  }
}

/** A dataset file that cannot be used: wrong magic, unsupported version, or corrupt contents. */
export class DatasetFormatError extends HowlError {
  readonly file: string | undefined;

  constructor(reason: string, options: { file?: string; cause?: unknown } = {}) {
    const where = options.file === undefined ? '' : `${options.file}: `;
    super('dataset-format', `${where}${reason}`, { cause: options.cause });
    this.file = options.file;
  }
}

/** An argument outside its allowed range or of the wrong form, e.g. an unknown note name. */
export class InvalidArgumentError extends HowlError {
  constructor(message: string) {
    super('invalid-argument', message);
  }
}
