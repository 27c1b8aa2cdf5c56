/** Lowest MIDI pitch the model knows: C-1 (the original's -60). */
export const MIN_PITCH = 0;
/** Highest MIDI pitch the model knows: B8 (the original's 59). */
export const MAX_PITCH = 119;
/** Number of pitch classes, 120, as in the original system. */
export const PITCH_COUNT = MAX_PITCH - MIN_PITCH + 1;

/**
 * Brings a MIDI pitch into 0..119 by octave, keeping its pitch class, exactly as the original system
 * does (docs/original-system.md §2): `octave = clip(floor(p / 12), 0, 9)`, `pitch = octave * 12 + p mod 12`.
 * So G9 (127) becomes G8 (115), and any pitch far below becomes its pitch class in octave -1.
 *
 * @example clampPitch(127) === 115
 */
export function clampPitch(pitch: number): number {
  const pitchClass = ((pitch % 12) + 12) % 12;
  const octave = Math.min(9, Math.max(0, Math.floor(pitch / 12)));
  return octave * 12 + pitchClass;
}
