import { InvalidArgumentError } from '../errors.js';
import type { NoteEncoding } from './note-encoding.js';
import { v1Encoding } from './v1.js';

export type { NoteEncoding } from './note-encoding.js';

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
