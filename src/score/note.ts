/** A duration or instant in seconds. */
export type Seconds = number;
/** A duration or instant in MIDI ticks. */
export type Ticks = number;

/**
 * One sounding note of the flattened piano stream.
 *
 * `pitch` is a MIDI note number (C4 = 60). After reading it is always inside the original system's
 * 120 classes, 0..119 (C-1..B8), clamped by octave (see `clampPitch`). `velocity` is 1..127.
 */
export interface Note {
  /** MIDI note number, 0..119 after reading. */
  pitch: number;
  /** MIDI velocity, 1..127. */
  velocity: number;
  /** Onset in seconds from the start of the piece. */
  time: Seconds;
  /** Length in seconds, >= 0. */
  duration: Seconds;
}

/** A tempo change: from `ticks` (at `time` seconds) on, a quarter note lasts `microsecondsPerQuarter`. */
export interface TempoChange {
  ticks: Ticks;
  time: Seconds;
  microsecondsPerQuarter: number;
}

/**
 * What `readMidi` returns: the notes of every track and channel flattened into one piano stream,
 * sorted by (onset rounded to 10 ms, pitch) like the original system, plus what was learnt about the
 * file on the way.
 */
export interface Score {
  notes: Note[];
  /** SMF format, 0, 1 or 2. */
  format: number;
  /** Ticks per quarter note, or undefined for SMPTE time division. */
  ticksPerQuarter: number | undefined;
  /** The merged tempo map (empty when the file has none: 120 bpm throughout). */
  tempos: TempoChange[];
  /** End of the last note, in seconds (0 when there are no notes). */
  durationSeconds: Seconds;
  /** Things the reader repaired or ignored (truncated chunk, unknown chunk, stray note-off ...). */
  warnings: string[];
}
