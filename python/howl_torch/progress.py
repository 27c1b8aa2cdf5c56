"""A run's counters and curves, as Howl's ``TrainingProgress`` keeps them (src/train/training-state.ts):
a plain dict saved in ``trainer.pt``, and the updates the trainer makes to it."""

from __future__ import annotations

import math
from typing import Any, Optional


def new_progress() -> dict[str, Any]:
    """The counters and curves of a new run."""
    return {
        "step": 0,
        "skippedSteps": 0,
        "consecutiveFailures": 0,
        "crops": 0,
        "tokens": 0,
        "elapsedSeconds": 0.0,
        "lrFactor": 1.0,
        "lr": 0.0,
        "best": None,
        "validationsWithoutImprovement": 0,
        "curves": {"train": [], "validation": []},
        "interval": {"loss": 0.0, "steps": 0},
    }


def part_names(model_config: dict) -> list[str]:
    """The named parts of a model's loss, as Howl's metrics list them."""
    if model_config["type"] == "original-lstm":
        return ["pitch", "regression"]
    return ["delay", "pitch", "duration", "velocity"]


def rank_seed(seed: int, rank: int) -> int:
    """The crop generator's seed of a rank: the run's seed on rank 0 (so one process draws the
    crops ``howl train`` draws), another stream on each other rank."""
    return seed + 1_000_003 * rank


def finite_or_none(x: float) -> Optional[float]:
    """A number for JSON: non-finite ones become null, as in Howl's metrics."""
    return x if math.isfinite(x) else None


def record_update(p: dict[str, Any], loss: float, tokens: int, lr: float) -> None:
    """An update was taken: counts it, its notes and rate, and its loss for the train curve."""
    p["step"] += 1
    p["consecutiveFailures"] = 0
    p["tokens"] += int(tokens)
    p["lr"] = lr
    p["interval"]["loss"] += loss
    p["interval"]["steps"] += 1


def record_skip(p: dict[str, Any]) -> None:
    """A non-finite step was skipped: counts it and halves the rate for the rest of the run."""
    p["skippedSteps"] += 1
    p["consecutiveFailures"] += 1
    p["lrFactor"] /= 2


def close_interval(p: dict[str, Any]) -> float:
    """Ends the interval of train losses; its mean (NaN when empty) becomes a train-curve point."""
    interval = p["interval"]
    train_loss = interval["loss"] / interval["steps"] if interval["steps"] > 0 else math.nan
    if interval["steps"] > 0:
        p["curves"]["train"].append({"step": p["step"], "loss": train_loss})
    p["interval"] = {"loss": 0.0, "steps": 0}
    return train_loss


def record_validation(p: dict[str, Any], loss: float) -> bool:
    """Records a validation loss; returns whether it is a new best (finite and lowest so far)."""
    p["curves"]["validation"].append({"step": p["step"], "loss": loss})
    best = math.isfinite(loss) and (p["best"] is None or loss < p["best"]["loss"])
    if best:
        p["best"] = {"loss": loss, "step": p["step"]}
        p["validationsWithoutImprovement"] = 0
    else:
        p["validationsWithoutImprovement"] += 1
    return best
