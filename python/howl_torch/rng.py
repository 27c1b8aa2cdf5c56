"""Howl's seeded generator (src/random/rng.ts), bit for bit: sfc32 seeded through splitmix32.

The crop sampler draws files, starts and augmentation parameters from it, so the same seed gives
the same crops here as in ``howl train``; its state is four 32-bit words, saved in a checkpoint.
"""

from __future__ import annotations

import math
from typing import Sequence, Union

_MASK = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    """JavaScript's ``Math.imul`` as an unsigned 32-bit result."""
    return (a * b) & _MASK


class Rng:
    """A float in [0, 1) per ``next()``, as ``createRng(seed)`` in Howl.

    >>> rng = Rng(42)
    >>> shift = rng.int(-11, 11)
    """

    __slots__ = ("_a", "_b", "_c", "_d")

    def __init__(self, seed: Union[int, float, Sequence[int]]):
        if isinstance(seed, (int, float)):
            if not math.isfinite(seed):
                raise ValueError(f"rng seed must be a finite number, got {seed}")
            # JS: Math.floor(seed) ^ Math.floor(seed / 2 ** 32), then `>>> 0` in splitmix32.
            low = int(math.floor(seed)) & _MASK
            high = int(math.floor(seed / 2**32)) & _MASK
            state = (low ^ high) & _MASK
            words = []
            for _ in range(4):
                state = (state + 0x9E3779B9) & _MASK
                z = state
                z = _imul(z ^ (z >> 16), 0x85EBCA6B)
                z = _imul(z ^ (z >> 13), 0xC2B2AE35)
                words.append((z ^ (z >> 16)) & _MASK)
            self._a, self._b, self._c, self._d = words
            for _ in range(12):  # warm up, so that nearby seeds diverge
                self.next_uint32()
        else:
            if len(seed) != 4:
                raise ValueError(f"an rng state is 4 integers, got {len(seed)}")
            self._a, self._b, self._c, self._d = (int(x) & _MASK for x in seed)

    def next_uint32(self) -> int:
        a, b, c, d = self._a, self._b, self._c, self._d
        t = (a + b + d) & _MASK
        self._d = (d + 1) & _MASK
        self._a = b ^ (b >> 9)
        self._b = (c + (c << 3)) & _MASK
        c = ((c << 21) | (c >> 11)) & _MASK
        self._c = (c + t) & _MASK
        return t

    def next(self) -> float:
        """A float uniform in [0, 1)."""
        return self.next_uint32() / 4294967296

    def uniform(self, low: float, high: float) -> float:
        """A float uniform in [low, high)."""
        return low + (high - low) * self.next()

    def int(self, low: int, high: int) -> int:
        """An integer uniform in [low, high], both ends included."""
        return low + math.floor(self.next() * (high - low + 1))

    def get_state(self) -> list[int]:
        """The four words, to save and later pass to ``Rng(state)``."""
        return [self._a, self._b, self._c, self._d]
