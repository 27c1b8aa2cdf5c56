"""Howl's augmentations of V1 rows (src/augment/): the original's "V1" (tempo, transposition,
volume) and the velocity curve of ``--augment performance``. Parameters are drawn from a
``howl_torch.rng.Rng`` in Howl's order, so a seed gives Howl's crops.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from .rng import Rng
from .v1 import clamp_pitch

AUGMENT_V1_RANGES = {"timeScale": (0.5, 2.0), "pitchShift": (-11, 11), "volumeScale": (0.8, 1.0)}
VELOCITY_CURVE_RANGES = {"gamma": (2 / 3, 3 / 2), "scale": (0.85, 1.15), "offset": (-0.06, 0.06)}


def draw_augment_v1(rng: Rng, time_range: tuple[float, float] = AUGMENT_V1_RANGES["timeScale"]) -> dict[str, float]:
    """Three draws, in Howl's order: time factor (in ``time_range``), pitch shift, volume factor."""
    time_scale = rng.uniform(*time_range)
    pitch_shift = rng.int(*AUGMENT_V1_RANGES["pitchShift"])
    volume_scale = rng.uniform(*AUGMENT_V1_RANGES["volumeScale"])
    return {"timeScale": time_scale, "pitchShift": pitch_shift, "volumeScale": volume_scale}


def apply_augment_v1(rows: np.ndarray, params: dict[str, float]) -> np.ndarray:
    """Delay and duration × timeScale, volume × volumeScale, pitch + shift clamped by octave."""
    out = np.array(rows, dtype=np.float64, copy=True)
    out[:, 0] *= params["timeScale"]
    out[:, 1] *= params["timeScale"]
    out[:, 2] *= params["volumeScale"]
    out[:, 3] = clamp_pitch(out[:, 3].astype(np.int64) + int(params["pitchShift"]) + 60) - 60
    return out


def augment_v1(rows: np.ndarray, rng: Rng) -> np.ndarray:
    """The original's augmentation: one draw of parameters applied to every row."""
    return apply_augment_v1(rows, draw_augment_v1(rng))


def augment_v1_with_time_range(time_range: tuple[float, float]) -> Callable[[np.ndarray, Rng], np.ndarray]:
    """``--time-scale LOW,HIGH``: V1 with another range for the time factor (augmentV1WithTimeRange)."""
    low, high = time_range
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low <= high):
        raise ValueError(f"time range [{low}, {high}) is not 0 < low <= high")
    return lambda rows, rng: apply_augment_v1(rows, draw_augment_v1(rng, (low, high)))


def draw_velocity_curve(rng: Rng) -> dict[str, float]:
    """Three draws: gamma (log-uniform), scale, offset."""
    g = VELOCITY_CURVE_RANGES["gamma"]
    return {
        "gamma": math.exp(rng.uniform(math.log(g[0]), math.log(g[1]))),
        "scale": rng.uniform(*VELOCITY_CURVE_RANGES["scale"]),
        "offset": rng.uniform(*VELOCITY_CURVE_RANGES["offset"]),
    }


def apply_velocity_curve(rows: np.ndarray, params: dict[str, float]) -> np.ndarray:
    """``volume' = offset + scale × volume^gamma``, clamped to [1/127, 1]."""
    out = np.array(rows, dtype=np.float64, copy=True)
    bent = params["offset"] + params["scale"] * np.maximum(0.0, out[:, 2]) ** params["gamma"]
    out[:, 2] = np.minimum(1.0, np.maximum(1 / 127, bent))
    return out


def augment_performance(rows: np.ndarray, rng: Rng) -> np.ndarray:
    """``--augment performance``: V1, then a velocity curve (six draws in all)."""
    return apply_velocity_curve(augment_v1(rows, rng), draw_velocity_curve(rng))


AUGMENTERS = {"v1": augment_v1, "performance": augment_performance, "none": None}


def augmenter(name: str, time_range: Optional[tuple[float, float]] = None) -> Optional[Callable[[np.ndarray, Rng], np.ndarray]]:
    """The augmenter of a run's options: ``name`` as in AUGMENTERS, with ``timeScale`` when set."""
    if time_range is None or name == "none":
        return AUGMENTERS[name]
    v1 = augment_v1_with_time_range(time_range)
    if name == "v1":
        return v1
    return lambda rows, rng: apply_velocity_curve(v1(rows, rng), draw_velocity_curve(rng))
