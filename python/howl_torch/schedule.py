"""The run's budget and learning-rate schedule, as Howl's trainer computes them
(src/train/lr-schedule.ts, src/train/train-options.ts ``createTrainingBudget``), and durations as
``howl train --time`` reads them (src/train/metrics.ts ``parseDuration``).

Linear warm-up from 0 over ``warmupSteps`` (capped at a tenth of a step budget), then a half cosine
down to 0.1 × the peak at the last step when the run is bounded by steps or epochs, or constant
when it is bounded only by time (a time-based decay would depend on the machine's speed).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """``'90'``, ``'90s'``, ``'30m'``, ``'12h'``, ``'1h30m'`` → seconds (> 0).

    Raises:
        ValueError: for anything else.
    """
    trimmed = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", trimmed):
        seconds = float(trimmed)
    else:
        parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhd])", trimmed)
        joined = "".join(f"{n}{u}" for n, u in parts)
        if not parts or joined != re.sub(r"\s+", "", trimmed):
            raise ValueError(f"{text} is not a duration like 90s, 30m, 12h or 1h30m")
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{text} is not a positive duration")
    return seconds


def format_duration(seconds: float) -> str:
    """``'45s'``, ``'12m05s'``, ``'3h07m'`` (``'?'`` when unknown)."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


@dataclass(frozen=True)
class LrSchedule:
    kind: str  # 'constant' or 'cosine'
    lr: float
    warmup_steps: int
    total_steps: Optional[int] = None
    min_factor: float = 0.1

    def to_json(self) -> dict:
        out = {"kind": self.kind, "lr": self.lr, "warmupSteps": self.warmup_steps, "minFactor": self.min_factor}
        if self.total_steps is not None:
            out["totalSteps"] = self.total_steps
        return out


def learning_rate_at(schedule: LrSchedule, step: int) -> float:
    """The rate of update ``step`` (1-based), as Howl's ``learningRateAt``."""
    lr, warmup = schedule.lr, schedule.warmup_steps
    if step <= warmup:
        return (lr * step) / (warmup + 1)
    if schedule.kind == "constant":
        return lr
    total = schedule.total_steps if schedule.total_steps is not None else step
    span = max(1, total - warmup)
    progress = min(1, (step - warmup) / span)
    return lr * (schedule.min_factor + (1 - schedule.min_factor) * 0.5 * (1 + math.cos(math.pi * progress)))


class TrainingBudget:
    """A run's limits in steps (from ``steps`` and ``epochs``) and seconds, and its schedule."""

    def __init__(self, options: dict, round_size: int):
        self.options = options
        batch = options["batchSize"]
        from_epochs = (
            None if options.get("epochs") is None else math.ceil(options["epochs"] * round_size / batch)
        )
        steps = options.get("steps")
        self.max_steps = from_epochs if steps is None else (steps if from_epochs is None else min(steps, from_epochs))
        kind = options.get("schedule", "auto")
        if kind == "auto":
            kind = "constant" if self.max_steps is None else "cosine"
        if kind == "cosine" and self.max_steps is None:
            raise ValueError("a cosine schedule needs --steps or --epochs")
        warmup = options["warmupSteps"]
        if self.max_steps is not None:
            warmup = min(warmup, self.max_steps // 10)
        self.schedule = LrSchedule(kind, options["lr"], warmup, self.max_steps, options.get("lrFinal", 0.1))

    def fraction_done(self, step: int, elapsed: float) -> Optional[float]:
        fractions = []
        if self.max_steps is not None:
            fractions.append(step / self.max_steps)
        if self.options.get("timeSeconds") is not None:
            fractions.append(elapsed / self.options["timeSeconds"])
        return min(1.0, max(fractions)) if fractions else None

    def limit_reached(self, step: int, epoch: float, elapsed: float) -> Optional[tuple[str, str]]:
        """``(reason, message)`` when a limit is reached: steps or epochs first, then time."""
        if self.max_steps is not None and step >= self.max_steps:
            steps = self.options.get("steps")
            reason = "steps" if steps is not None and self.max_steps == steps else "epochs"
            return reason, f"reached {step} steps (epoch {epoch:.2f})"
        time_limit = self.options.get("timeSeconds")
        if time_limit is not None and elapsed >= time_limit:
            return "time", f"reached the time limit after {step} steps"
        return None
