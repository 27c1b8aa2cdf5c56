"""The run folder of ``python -m howl_torch.train``, laid out as ``howl train``'s so that
``howl generate --model RUN`` reads it (src/node/run-folder.ts):

| path | what |
|---|---|
| ``checkpoint/`` | the latest: ``model.safetensors`` + ``config.json`` (a Howl model folder) and ``trainer.pt`` (PyTorch's weights, Adam's moments, every rank's generators, the counters: what ``--resume`` needs) |
| ``best/`` | the best validation loss so far: ``model.safetensors`` + ``config.json`` |
| ``metrics.jsonl`` | one JSON object a line, as Howl's (src/train/metrics.ts) |
| ``run.json`` | the dataset (relative to the folder) and the trainer |

A folder is written whole into ``NAME.tmp-PID-N/`` (every file flushed to disk), then swapped in by
two renames; a crash leaves the previous folder, or (between the renames) a complete sibling that
the next load takes.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
from typing import Any, Callable, Optional

import torch

from .safetensors_io import write_file_atomic

TRAINER_FILE = "trainer.pt"
TRAINER_FORMAT = "howl-torch-trainer"
TRAINER_VERSION = 1

_counter = 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_folder(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _leftovers(final: str) -> list[str]:
    return glob.glob(glob.escape(final) + ".tmp-*") + glob.glob(glob.escape(final) + ".old-*")


def _pid_of(leftover: str) -> Optional[int]:
    try:
        return int(leftover.rsplit(".", 1)[1].split("-")[1])
    except (IndexError, ValueError):
        return None


def write_folder_atomic(final: str, write: Callable[[str], None]) -> None:
    """Writes a folder with ``write(tmp)`` into a temporary sibling, flushes its files, and swaps
    it in for ``final``; leftovers of dead processes are removed."""
    global _counter
    _counter += 1
    pid = os.getpid()
    tmp = f"{final}.tmp-{pid}-{_counter}"
    old = f"{final}.old-{pid}-{_counter}"
    for leftover in _leftovers(final):
        owner = _pid_of(leftover)
        if owner is None or owner == pid or not _pid_alive(owner):
            shutil.rmtree(leftover, ignore_errors=True)
    os.makedirs(tmp)
    try:
        write(tmp)
        for name in os.listdir(tmp):
            with open(os.path.join(tmp, name), "rb+") as f:
                os.fsync(f.fileno())
        _fsync_folder(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if os.path.exists(final):
        os.rename(final, old)
    os.rename(tmp, final)
    _fsync_folder(os.path.dirname(os.path.abspath(final)))
    shutil.rmtree(old, ignore_errors=True)


def save_trainer_state(path: str, state: dict[str, Any]) -> None:
    """``trainer.pt``: ``torch.save`` of the state with its format and version."""
    torch.save({"format": TRAINER_FORMAT, "version": TRAINER_VERSION, **state}, path)


def _read_trainer(folder: str) -> Optional[dict[str, Any]]:
    path = os.path.join(folder, TRAINER_FILE)
    if not os.path.exists(path):
        return None
    state = torch.load(path, map_location="cpu")
    if not isinstance(state, dict) or state.get("format") != TRAINER_FORMAT:
        raise ValueError(f"{path}: not a howl_torch trainer checkpoint")
    if state.get("version") != TRAINER_VERSION:
        raise ValueError(f"{path}: trainer checkpoint version {state.get('version')}; this reads {TRAINER_VERSION}")
    return state


def load_trainer_state(run_dir: str) -> tuple[str, dict[str, Any]]:
    """The latest checkpoint of a run: ``checkpoint/``, or when a crash left it missing between the
    two renames, the complete sibling with the most steps.

    Raises:
        FileNotFoundError: naming the folder, when there is none.
        ValueError: for a file that is not a trainer checkpoint.
    """
    final = os.path.join(run_dir, "checkpoint")
    state = _read_trainer(final)
    if state is not None:
        return final, state
    found: list[tuple[int, str, dict[str, Any]]] = []
    for leftover in _leftovers(final):
        try:
            candidate = _read_trainer(leftover)
        except Exception:  # noqa: BLE001 (a half-written leftover is skipped)
            continue
        if candidate is not None:
            found.append((candidate["progress"]["step"], leftover, candidate))
    if not found:
        raise FileNotFoundError(f"{run_dir}: no checkpoint to resume from ({final}/{TRAINER_FILE} is missing)")
    found.sort(key=lambda x: x[0])
    _, folder, state = found[-1]
    return folder, state


def holds_run(run_dir: str) -> bool:
    """Whether a new run must not start in ``run_dir`` (it has a checkpoint or a metrics log)."""
    return os.path.exists(os.path.join(run_dir, "checkpoint")) or os.path.exists(os.path.join(run_dir, "metrics.jsonl"))


def write_run_record(run_dir: str, dataset: str, trainer: str) -> None:
    """``run.json``: the dataset relative to the folder (Howl's ``RunRecord``) and the trainer."""
    relative = os.path.relpath(os.path.abspath(dataset), os.path.abspath(run_dir)).replace(os.sep, "/")
    record = {"dataset": relative, "backend": trainer}
    write_file_atomic(os.path.join(run_dir, "run.json"), (json.dumps(record, indent=2) + "\n").encode())


def recorded_dataset(run_dir: str) -> Optional[str]:
    """The dataset ``run.json`` names, as a path from here, or None without one."""
    try:
        with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
            record = json.load(f)
    except FileNotFoundError:
        return None
    dataset = record.get("dataset") if isinstance(record, dict) else None
    if not isinstance(dataset, str):
        raise ValueError(f"{run_dir}/run.json: not a run record (it needs a \"dataset\" path)")
    return os.path.normpath(os.path.join(run_dir, dataset))


def truncate_metrics(run_dir: str, step: int) -> int:
    """Cuts ``metrics.jsonl`` back to ``step`` (Howl's ``metricsUpToStep``): a resumed run writes
    the later steps again, so each is logged once; lines cut off by a kill go too. Atomic."""
    path = os.path.join(run_dir, "metrics.jsonl")
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        return 0
    kept: list[str] = []
    dropped = 0
    for line in lines:
        if line.strip() == "":
            continue
        try:
            record_step = json.loads(line).get("step")
        except (json.JSONDecodeError, AttributeError):
            record_step = None
        if isinstance(record_step, (int, float)) and not isinstance(record_step, bool) and record_step <= step:
            kept.append(line + "\n")
        else:
            dropped += 1
    if dropped:
        write_file_atomic(path, "".join(kept).encode("utf-8"))
    return dropped
