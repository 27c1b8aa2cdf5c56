"""The original system's per-note "V1" rows (src/encoding/v1.ts ``encodeV1``), in numpy.

A row is ``[delay, duration, volume, pitch]``: seconds since the previous onset (0 for the first
note), the note's length in seconds, velocity / 127, and semitones from middle C (MIDI − 60,
−60..59). Rows are float64, computed with the same operations as Howl's, so they are equal to
Howl's rows, not merely close.
"""

from __future__ import annotations

import numpy as np

V1_WIDTH = 4
V1_FIELDS = ("delay", "duration", "volume", "pitch")
MIDDLE_C_MIDI = 60


def clamp_pitch(pitch: np.ndarray) -> np.ndarray:
    """Howl's ``clampPitch``: MIDI pitches moved by octaves into 0..119, keeping the pitch class."""
    pitch = np.asarray(pitch, dtype=np.int64)
    return np.clip(pitch // 12, 0, 9) * 12 + pitch % 12


def encode_v1(time: np.ndarray, duration: np.ndarray, pitch: np.ndarray, velocity: np.ndarray) -> np.ndarray:
    """Notes (columns, in stored order) → V1 rows ``[n, 4]``, float64, as ``encodeV1``.

    Args:
        time: onsets, seconds (float64).
        duration: lengths, seconds (their absolute value is used).
        pitch: MIDI note numbers (clamped by octave into 0..119).
        velocity: MIDI velocities 0..127.

    Raises:
        ValueError: naming the note, for a time or duration that is not finite or a velocity
            outside 0..127.
    """
    time = np.asarray(time, dtype=np.float64)
    duration = np.asarray(duration).astype(np.float64)
    velocity = np.asarray(velocity)
    n = time.shape[0]
    for name, values in (("time", time), ("duration", duration)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"note {bad[0]}: {name} {values[bad[0]]} is not a finite number of seconds")
    bad = np.flatnonzero((velocity < 0) | (velocity > 127))
    if bad.size:
        raise ValueError(f"note {bad[0]}: velocity {velocity[bad[0]]} is not in 0..127")
    rows = np.empty((n, V1_WIDTH), dtype=np.float64)
    if n:
        rows[0, 0] = 0.0
        rows[1:, 0] = time[1:] - time[:-1]
    rows[:, 1] = np.abs(duration)
    rows[:, 2] = velocity.astype(np.float64) / 127
    rows[:, 3] = clamp_pitch(pitch) - MIDDLE_C_MIDI
    return rows


def encode_file(dataset, index: int, start: int = 0, end=None) -> np.ndarray:
    """V1 rows of notes ``start .. end - 1`` of one file of a ``Dataset``, encoded on their own (so
    the first row's delay is 0), as Howl's ``cropV1``."""
    notes = dataset.file_notes(index, start, end)
    return encode_v1(notes["time"], notes["duration"], notes["pitch"], notes["velocity"])
