"""Howl's crop sampler (src/data/crops.ts) and validation crops (src/train/validation.ts).

Each crop draws, from one ``Rng`` and in this order: a file (uniformly among the split's files, or a
source by weight and then one of its files), a start note (uniformly among those that leave
``length`` notes; a shorter file is taken whole), then the augmentation's parameters. The crop is
V1-encoded on its own (its first delay is 0). With the same seed the crops equal ``howl train``'s.

>>> sampler = CropSampler(dataset, "train", 256, Rng(1), augment_v1)
>>> batch = sampler.next_batch(32)   # 32 arrays [<=256, 4]
"""

from __future__ import annotations

from typing import Callable, Mapping, Optional

import numpy as np

from .dataset import Dataset
from .rng import Rng
from .v1 import encode_file

CROPS_PER_SONG_PER_ROUND = 4
DEFAULT_CROP_LENGTH = 768
VALIDATION_SEED = 0x5EED

Augmenter = Callable[[np.ndarray, Rng], np.ndarray]


class CropSampler:
    """Random V1 crops of one side of a dataset's split."""

    def __init__(
        self,
        dataset: Dataset,
        split: str,
        length: int = DEFAULT_CROP_LENGTH,
        rng: Optional[Rng] = None,
        augment: Optional[Augmenter] = None,
        source_weights: Optional[Mapping[str, float]] = None,
    ):
        if not (isinstance(length, int) and length >= 1):
            raise ValueError(f"crop length {length} is not a positive integer")
        self.dataset = dataset
        self.length = length
        self.rng = rng if rng is not None else Rng(1)
        self.augment = augment
        self.files = [i for i in dataset.file_indices(split) if dataset.files[i]["noteCount"] > 0]
        if not self.files:
            raise ValueError(f"the dataset has no {split} files with notes to crop")
        self._draw_file = (
            self._weighted_draw(source_weights) if source_weights is not None else self._uniform_draw
        )

    @property
    def file_count(self) -> int:
        return len(self.files)

    @property
    def round_size(self) -> int:
        """Crops in one training round: 4 × the files, as the original counted them."""
        return CROPS_PER_SONG_PER_ROUND * len(self.files)

    def _uniform_draw(self) -> int:
        return self.files[self.rng.int(0, len(self.files) - 1)]

    def _weighted_draw(self, weights: Mapping[str, float]) -> Callable[[], int]:
        tags = self.dataset.source_tags
        for tag, weight in weights.items():
            if tag not in tags:
                known = ", ".join(f'"{t}"' for t in tags)
                raise ValueError(f'source weight for "{tag}": the dataset\'s sources are {known}')
            if not (isinstance(weight, (int, float)) and weight >= 0 and weight != float("inf")):
                raise ValueError(f'source weight {weight} for "{tag}" is not a number >= 0')
        files_of: list[list[int]] = [[] for _ in tags]
        for i in self.files:
            files_of[self.dataset.files[i]["source"]].append(i)
        by_source = [(weights.get(tag, 1), files_of[s]) for s, tag in enumerate(tags)]
        by_source = [(w, files) for w, files in by_source if w > 0 and files]
        total = sum(w for w, _ in by_source)
        if total == 0:
            raise ValueError("every source with files has weight 0")

        def draw() -> int:
            u = self.rng.next() * total
            chosen = by_source[-1][1]
            for weight, files in by_source:
                if u < weight:
                    chosen = files
                    break
                u -= weight
            return chosen[self.rng.int(0, len(chosen) - 1)]

        return draw

    def next(self) -> np.ndarray:
        """One crop: up to ``length`` consecutive notes of a random file, V1-encoded, augmented."""
        index = self._draw_file()
        count = int(self.dataset.note_count[index])
        start = self.rng.int(0, max(0, count - self.length))
        rows = encode_file(self.dataset, index, start, start + self.length)
        return self.augment(rows, self.rng) if self.augment is not None else rows

    def next_batch(self, size: int) -> list[np.ndarray]:
        """``size`` crops, drawn one after another."""
        return [self.next() for _ in range(size)]


def validation_crops(dataset: Dataset, length: int, count: int) -> list[np.ndarray]:
    """Howl's fixed validation crops: ``count`` crops of the validation split drawn with
    ``VALIDATION_SEED``, not augmented, those of fewer than 2 notes left out; none when the
    dataset has no validation files."""
    if count == 0:
        return []
    try:
        sampler = CropSampler(dataset, "validation", length, Rng(VALIDATION_SEED))
    except ValueError:
        return []
    return [c for c in sampler.next_batch(count) if len(c) >= 2]
