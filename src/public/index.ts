/**
 * Howl's library core: runs in Node, in browsers and in workers. Nothing here imports `node:*`;
 * file-system helpers live in `howl/node`.
 */
export { HowlError, MidiFormatError, DatasetFormatError, InvalidArgumentError } from '../errors.js';
export type { Note, Score, Seconds, Ticks, TempoChange } from '../score/note.js';
