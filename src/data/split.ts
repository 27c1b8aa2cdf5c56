import { InvalidArgumentError } from '../errors.js';
import { CONTENT_HASH_PATTERN, fmix32 } from './content-hash.js';

/** Which side of the held-out split a file is on. */
export type Split = 'train' | 'validation';

/** Both splits, in display order. */
export const SPLITS: readonly Split[] = ['train', 'validation'];

/** The default share of files held out for validation. */
export const DEFAULT_VALIDATION_FRACTION = 0.1;

/**
 * Maps a content hash to a number in [0, 1): both 32-bit halves are mixed (MurmurHash3's finaliser)
 * so that the position is uniform whatever the hash's bit quality.
 *
 * @param hash - 16 hex digits from `contentHash`
 * @returns a number in [0, 1), a pure function of `hash`
 * @throws InvalidArgumentError if `hash` is not 16 lower-case hex digits
 * @example hashToUnit('af63dc4c8601ec8c'); // a fixed number in [0, 1)
 */
export function hashToUnit(hash: string): number {
  if (!CONTENT_HASH_PATTERN.test(hash)) {
    throw new InvalidArgumentError(`content hash "${hash}" is not 16 lower-case hex digits`);
  }
  const high = parseInt(hash.slice(0, 8), 16);
  const low = parseInt(hash.slice(8), 16);
  return fmix32(high ^ fmix32(low ^ 0x9e3779b9)) / 4294967296;
}

/**
 * Decides, from a file's content hash alone, whether it is held out for validation. The same bytes
 * are always on the same side, whatever the file is called, where it lies or which other files are
 * imported with it; so adding files to a corpus never moves an old file across the split, and two
 * copies of one piece never end up on both sides.
 *
 * @param hash - 16 hex digits from `contentHash`
 * @param validationFraction - share of files held out, in [0, 1] (default 0.1)
 * @returns `'validation'` when the hash's position in [0, 1) is below the fraction, else `'train'`
 * @throws InvalidArgumentError for a malformed hash or a fraction outside [0, 1]
 * @example splitOf(contentHash(bytes)); // 'train' for about 90% of files
 */
export function splitOf(hash: string, validationFraction = DEFAULT_VALIDATION_FRACTION): Split {
  checkValidationFraction(validationFraction);
  return hashToUnit(hash) < validationFraction ? 'validation' : 'train';
}

/**
 * Checks a validation fraction.
 *
 * @param fraction - the share of files to hold out
 * @throws InvalidArgumentError naming the value unless it is a number in [0, 1]
 */
export function checkValidationFraction(fraction: number): void {
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new InvalidArgumentError(`validation fraction ${String(fraction)} is not in [0, 1]`);
  }
}
