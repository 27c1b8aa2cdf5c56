"""From V1 crops to a batch of tensors, bit for bit as Howl builds them:
src/model/batching/features.ts (`encodeV1Batch`, the original network) and
src/model/batching/ordered-features.ts (`encodeOrderedBatch`, the ordered networks and the
transformer), with the grid's bins of src/encoding/grid.ts and the inputs of
src/encoding/ordered-input.ts.

A crop is a `[rows, 4]` array of V1 rows (src/encoding/v1.ts): delay in seconds since the previous
onset, duration in seconds, volume = velocity / 127, pitch in semitones from middle C (-60..59).
Step t of a crop reads row t and predicts row t + 1; a batch is padded to its longest crop, with
`mask` 1 on real steps and 0 on padding (padding's inputs and targets are zeros).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

from .config import (
    OCTAVES,
    ORDERED_REALS,
    PITCH_COUNT,
    PITCHES_PER_OCTAVE,
    REGRESSION_MAX,
    TIME_BIN_SECONDS,
    TIME_BINS,
    VELOCITIES_PER_BIN,
    model_config_of,
)

# A value within 1e-6 of a bin below an edge counts in the upper bin (grid.ts's EDGE_SLACK).
_EDGE_SLACK = 1e-6


class BatchError(ValueError):
    """Crops Howl would refuse to batch; the message names the crop and row."""


def time_bin(seconds: np.ndarray) -> np.ndarray:
    """Delay or duration bins 0..400 of times in seconds (float64 maths, as Howl's `timeBin`)."""
    s = np.asarray(seconds, dtype=np.float64)
    if np.isnan(s).any():
        raise BatchError("a delay or duration of NaN seconds")
    bins = np.floor(s / TIME_BIN_SECONDS + _EDGE_SLACK)
    return np.clip(bins, 0, TIME_BINS - 1).astype(np.int64)


def js_round(x: np.ndarray) -> np.ndarray:
    """JavaScript's `Math.round`: the nearest integer, halves toward +∞ (exact for |x| < 2^52)."""
    x = np.asarray(x, dtype=np.float64)
    low = np.floor(x)
    return np.where(x - low >= 0.5, low + 1, low)


def velocity_bin(velocity: np.ndarray) -> np.ndarray:
    """Velocity bins 0..31 of MIDI velocities (rounded as `Math.round`, clamped to 0..127)."""
    v = np.clip(js_round(velocity), 0, 127)
    return np.floor(v / VELOCITIES_PER_BIN).astype(np.int64)


def _log_time(seconds_f32: np.ndarray) -> np.ndarray:
    """ln(max(0, s) + 0.01) / 4 in float64 on float32 times (ordered-input.ts's `logTime`)."""
    s = seconds_f32.astype(np.float64)
    return np.log(np.maximum(0.0, s) + 0.01) / 4


def _check_crops(crops: Sequence[Any], steps: int | None) -> tuple[list[np.ndarray], int]:
    if len(crops) == 0:
        raise BatchError("a batch needs at least one crop")
    arrays = []
    for b, crop in enumerate(crops):
        a = np.asarray(crop, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] != 4:
            if a.size == 0 and a.ndim in (1, 2):
                a = a.reshape(0, 4)
            else:
                raise BatchError(f"crop {b} is an array of shape {list(a.shape)}, not [rows, 4] V1 rows")
        arrays.append(a)
    longest = max(len(a) for a in arrays)
    T = longest - 1 if steps is None else int(steps)
    if T < 1:
        raise BatchError(f"a batch needs crops of at least 2 notes (got {longest})")
    for b, a in enumerate(arrays):
        if len(a) < 2:
            raise BatchError(f"crop {b} has {len(a)} notes; at least 2 needed")
        if len(a) - 1 > T:
            raise BatchError(f"crop {b} has {len(a)} notes, more than {T} steps + 1")
        if not np.isfinite(a[:, :3]).all():
            t = int(np.argwhere(~np.isfinite(a[:, :3]))[0][0])
            raise BatchError(f"crop {b} row {max(0, t - 1)}: a delay, duration or volume is not finite")
        index = a[:, 3] + 60
        bad = ~((index == np.floor(index)) & (index >= 0) & (index < PITCH_COUNT))
        if bad.any():
            t = int(np.argwhere(bad)[0][0])
            raise BatchError(f"crop {b} row {t}: pitch {a[t, 3]!r} is not an integer in -60..59")
    return arrays, T


def encode_v1_arrays(crops: Sequence[Any], steps: int | None = None) -> dict[str, np.ndarray]:
    """The original network's batch as numpy arrays, as Howl's `encodeV1Batch`:
    `inputs` [B, T, 123] float32, `pitch` [B, T] int64, `regression` [B, T, 3] float32 (the next
    delay, duration and volume clipped to [0, 4]), `mask` [B, T] float32, `tokens` (int)."""
    arrays, T = _check_crops(crops, steps)
    B = len(arrays)
    inputs = np.zeros((B, T, 3 + PITCH_COUNT), dtype=np.float32)
    pitch = np.zeros((B, T), dtype=np.int64)
    regression = np.zeros((B, T, 3), dtype=np.float32)
    mask = np.zeros((B, T), dtype=np.float32)
    for b, a in enumerate(arrays):
        n = len(a) - 1
        rows, nexts = a[:n], a[1:]
        inputs[b, :n, :3] = rows[:, :3]  # float64 → float32, as a Float32Array store
        inputs[b, np.arange(n), 3 + (rows[:, 3] + 60).astype(np.int64)] = 1
        pitch[b, :n] = (nexts[:, 3] + 60).astype(np.int64)
        x = nexts[:, :3]  # clip as Howl: x > 4 ? 4 : x > 0 ? x : 0 (so -0 becomes +0)
        regression[b, :n] = np.where(x > REGRESSION_MAX, REGRESSION_MAX, np.where(x > 0, x, 0.0))
        mask[b, :n] = 1
    return {"inputs": inputs, "pitch": pitch, "regression": regression, "mask": mask,
            "tokens": int(mask.sum(dtype=np.float64))}


def encode_ordered_arrays(crops: Sequence[Any], encoding: str = "one-hot",
                          steps: int | None = None) -> dict[str, np.ndarray]:
    """The ordered networks' batch as numpy arrays, as Howl's `encodeOrderedBatch`: `inputs`
    [B, T, 125 or 27] float32 (delay, duration, volume, ln(delay + 0.01)/4, ln(duration + 0.01)/4,
    then the pitch one-hot, or octave + pitch-class one-hots), the next note's bins `delay`,
    `pitch`, `octave`, `pitch_class`, `duration`, `velocity` [B, T] int64, `mask` [B, T] float32,
    `tokens` (int)."""
    if encoding not in ("one-hot", "octave-class"):
        raise BatchError(f"pitch encoding {encoding!r} is not 'one-hot' or 'octave-class'")
    v1 = encode_v1_arrays(crops, steps)
    B, T = v1["mask"].shape
    width = ORDERED_REALS + (PITCH_COUNT if encoding == "one-hot" else OCTAVES + PITCHES_PER_OCTAVE)
    real = v1["mask"] > 0
    reals = v1["inputs"][..., :3]  # float32, as Howl reads them back from the V1 batch
    inputs = np.zeros((B, T, width), dtype=np.float32)
    inputs[..., :3] = reals
    inputs[..., 3] = _log_time(reals[..., 0])
    inputs[..., 4] = _log_time(reals[..., 1])
    current = np.argmax(v1["inputs"][..., 3:], axis=-1)
    bb, tt = np.nonzero(real)
    if encoding == "one-hot":
        inputs[bb, tt, ORDERED_REALS + current[bb, tt]] = 1
    else:
        inputs[bb, tt, ORDERED_REALS + current[bb, tt] // PITCHES_PER_OCTAVE] = 1
        inputs[bb, tt, ORDERED_REALS + OCTAVES + current[bb, tt] % PITCHES_PER_OCTAVE] = 1
    inputs[~real] = 0
    nxt = v1["pitch"]
    regression = v1["regression"].astype(np.float64)
    zero = np.zeros((B, T), dtype=np.int64)
    return {
        "inputs": inputs,
        "delay": np.where(real, time_bin(regression[..., 0]), zero),
        "pitch": nxt,
        "octave": np.where(real, nxt // PITCHES_PER_OCTAVE, zero),
        "pitch_class": np.where(real, nxt % PITCHES_PER_OCTAVE, zero),
        "duration": np.where(real, time_bin(regression[..., 1]), zero),
        "velocity": np.where(real, velocity_bin(regression[..., 2] * 127), zero),
        "mask": v1["mask"],
        "tokens": v1["tokens"],
    }


def encode_arrays(config: Any, crops: Sequence[Any], steps: int | None = None) -> dict[str, np.ndarray]:
    """The batch of a model configuration (or whole config.json dict) as numpy arrays: the arrays
    of `encode_v1_arrays` for `original-lstm`, of `encode_ordered_arrays` for the others."""
    model = model_config_of(config)
    if model["type"] == "original-lstm":
        return encode_v1_arrays(crops, steps)
    return encode_ordered_arrays(crops, model["pitchEncoding"], steps)


def make_batch(config: dict, crops: list[np.ndarray], steps: int | None = None) -> dict[str, torch.Tensor]:
    """Builds a model's batch from V1 crops, bit for bit as Howl's `model.makeBatch(crops)`.

    Args:
        config: the model configuration (`config.json`'s `model`), or a whole config.json dict.
        crops: V1 crops, each an array `[rows, 4]` of (delay s, duration s, volume 0..1,
            pitch -60..59) with at least 2 rows; any float dtype (read as float64, as Howl's
            numbers, then stored as float32 where Howl stores float32).
        steps: steps per example (default: the longest crop's rows − 1); longer crops are an error.

    Returns:
        CPU tensors. Every model: `inputs` [B, T, I] float32 (I = `input_features(config)`),
        `mask` [B, T] float32 (1 on real steps), `tokens` (0-dim int64, the real steps).
        `original-lstm`: `pitch` [B, T] int64 (next pitch 0..119), `regression` [B, T, 3] float32.
        Ordered networks and the transformer: `delay`, `pitch`, `octave`, `pitch_class`,
        `duration`, `velocity`, each [B, T] int64 (the next note's bins).

    Raises:
        BatchError (a ValueError) for an empty batch, a crop of fewer than 2 rows or longer than
        `steps` + 1, a pitch outside -60..59 or a non-finite value, as Howl refuses them.
    """
    arrays = encode_arrays(config, crops, steps)
    out = {k: torch.from_numpy(v) for k, v in arrays.items() if k != "tokens"}
    out["tokens"] = torch.tensor(arrays["tokens"], dtype=torch.int64)
    return out


def batch_to(batch: dict[str, torch.Tensor], device: Any, non_blocking: bool = False) -> dict[str, torch.Tensor]:
    """The batch with every tensor moved to `device` (`tokens` stays where it is)."""
    return {k: (v if k == "tokens" else v.to(device, non_blocking=non_blocking)) for k, v in batch.items()}

