"""One process or many (``torchrun``): who this process is, and the few collectives the trainer
needs, all no-ops in a single process.

Under ``torchrun --nproc_per_node N`` each process is a rank with ``RANK``, ``WORLD_SIZE`` and
``LOCAL_RANK`` in its environment; the process group is gloo on CPUs and NCCL on GPUs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Sequence

import torch
import torch.distributed as dist


@dataclass
class World:
    rank: int
    size: int
    local_rank: int
    device: torch.device
    backend: str  # '' for a single process

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1

    def _tensor(self, values: Sequence[float]) -> torch.Tensor:
        device = self.device if self.backend == "nccl" else torch.device("cpu")
        return torch.tensor(list(values), dtype=torch.float64, device=device)

    def sum(self, values: Sequence[float]) -> list[float]:
        """Element-wise sums over the ranks."""
        if not self.distributed:
            return [float(v) for v in values]
        t = self._tensor(values)
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return t.tolist()

    def max(self, values: Sequence[float]) -> list[float]:
        """Element-wise maxima over the ranks."""
        if not self.distributed:
            return [float(v) for v in values]
        t = self._tensor(values)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return t.tolist()

    def gather(self, value: Any) -> list[Any]:
        """Every rank's ``value`` (picklable), in rank order, on every rank."""
        if not self.distributed:
            return [value]
        out: list[Any] = [None] * self.size
        dist.all_gather_object(out, value)
        return out

    def close(self) -> None:
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()


def start_world(device: str = "auto", backend: str = "auto") -> World:
    """This process's place: a single process, or a rank of the group ``torchrun`` started.

    Args:
        device: ``auto`` (CUDA when available), ``cpu`` or ``cuda``.
        backend: ``auto`` (NCCL with CUDA, else gloo), ``gloo`` or ``nccl``.

    Raises:
        ValueError: for ``cuda`` without a GPU, or NCCL without CUDA.
    """
    size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("--device cuda: PyTorch sees no CUDA device here")
        torch.cuda.set_device(local_rank % torch.cuda.device_count())
        where = torch.device("cuda", torch.cuda.current_device())
    elif device == "cpu":
        where = torch.device("cpu")
    else:
        raise ValueError(f"--device {device}: expected auto, cpu or cuda")
    if backend == "auto":
        backend = "nccl" if where.type == "cuda" else "gloo"
    if backend not in ("gloo", "nccl"):
        raise ValueError(f"--dist-backend {backend}: expected auto, gloo or nccl")
    if backend == "nccl" and where.type != "cuda":
        raise ValueError("--dist-backend nccl needs --device cuda")
    if size > 1:
        dist.init_process_group(backend=backend, rank=rank, world_size=size)
        return World(rank, size, local_rank, where, backend)
    return World(0, 1, 0, where, "")
