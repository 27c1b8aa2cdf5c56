"""Howl's optimiser (src/train/adam.ts): Adam with TensorFlow's update rule, and the global-norm
clipping of Howl's trainer.

TensorFlow (and so Howl) adds ε to √v before the bias correction folded into the rate,
``lrₜ = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)``, ``θ −= lrₜ·m/(√v + ε)``; ``torch.optim.Adam`` adds it after, so the
two differ while v is small. This is Howl's rule, with ε = 1e-7, and the rate given at every step
(the schedule and the halving after a non-finite step).
"""

from __future__ import annotations

import math
from typing import Iterable

import torch


class HowlAdam(torch.optim.Optimizer):
    """Adam as Howl applies it. ``step(lr, grad_scale)`` applies one update; a skipped step is
    simply not taken (the step count only counts updates, as Howl's)."""

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-7):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, lr: float | None = None, grad_scale: float = 1.0):  # type: ignore[override]
        for group in self.param_groups:
            rate = group["lr"] if lr is None else lr
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["m"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["v"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                g = p.grad if p.grad is not None else torch.zeros_like(p)
                if grad_scale != 1.0:
                    g = g * grad_scale
                state["step"] += 1
                t = state["step"]
                m, v = state["m"], state["v"]
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                rate_t = rate * math.sqrt(1 - beta2**t) / (1 - beta1**t)
                p.addcdiv_(m, v.sqrt().add_(eps), value=-rate_t)


def global_grad_norm(params: Iterable[torch.nn.Parameter]) -> float:
    """√(Σ g²) over every gradient (a missing one counts as zeros), as a Python float."""
    squares = [p.grad.detach().float().pow(2).sum() for p in params if p.grad is not None]
    if not squares:
        return 0.0
    return float(torch.stack(squares).sum().sqrt())


def clip_scale(norm: float, clip_norm: float) -> float:
    """Howl's clipping factor: ``clip / norm`` when the norm is over the limit (> 0), else 1."""
    return clip_norm / norm if clip_norm > 0 and norm > clip_norm else 1.0
