"""Howl's 64-bit content hash (src/data/content-hash.ts): two MurmurHash3 x86-32 lanes over
little-endian 32-bit words. It checks a ``.howl`` file's trailing checksum and fingerprints a
dataset's files for a resumed run.

The per-word mixing runs in numpy; the running state is sequential, so it is a Python loop over the
words (about 1 s per 10 MB).
"""

from __future__ import annotations

import numpy as np

SEED_HIGH = 0x686F776C  # "howl"
SEED_LOW = 0x9747B28C
_C1 = 0xCC9E2D51
_C2 = 0x1B873593
_MASK = 0xFFFFFFFF


def _fmix32(x: int) -> int:
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & _MASK
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & _MASK
    x ^= x >> 16
    return x


def _mix_words(words: np.ndarray) -> np.ndarray:
    """``mixWord`` on every word at once (uint32 arithmetic wraps as Math.imul does)."""
    k = words.astype(np.uint32) * np.uint32(_C1)
    k = (k << np.uint32(15)) | (k >> np.uint32(17))
    return k * np.uint32(_C2)


def content_hash64(data) -> tuple[int, int]:
    """The (high, low) 32-bit halves of Howl's ``contentHash64`` of ``data`` (bytes-like)."""
    view = memoryview(data).cast("B")
    length = len(view)
    words = length >> 2
    mixed = _mix_words(np.frombuffer(view[: words * 4], dtype="<u4")).tolist() if words else []
    high = SEED_HIGH
    low = SEED_LOW
    for k in mixed:
        high ^= k
        high = ((high << 13) | (high >> 19)) & _MASK
        high = (high * 5 + 0xE6546B64) & _MASK
        low ^= k
        low = ((low << 13) | (low >> 19)) & _MASK
        low = (low * 5 + 0xE6546B64) & _MASK
    if length & 3:
        tail = 0
        for i in range(length - 1, words * 4 - 1, -1):
            tail = (tail << 8) | view[i]
        k = int(_mix_words(np.array([tail], dtype=np.uint32))[0])
        high ^= k
        low ^= k
    return _fmix32(high ^ (length & _MASK)), _fmix32(low ^ (length & _MASK))


def content_hash(data) -> str:
    """16 lower-case hex digits, as Howl's ``contentHash``."""
    high, low = content_hash64(data)
    return f"{high:08x}{low:08x}"
