"""Howl's datasets in numpy: the ``.howl`` file (docs/dataset-format.md, src/data/dataset-format.ts)
and the Parquet tables of ``howl export-data`` (docs/parquet.md, read with pyarrow when installed).

A ``Dataset`` holds the metadata as Howl's JSON has it (``files`` are dicts with Howl's keys:
``path``, ``source``, ``hash``, ``split``, ``group``, ``noteCount``, ``noteOffset``,
``durationSeconds``, ``bytes``) and four note columns: ``time`` (float64 s), ``duration`` (float32
s), ``pitch`` (uint8, MIDI 0..119) and ``velocity`` (uint8, 1..127). A ``.howl`` file is memory
mapped, so the columns are views of the file and processes reading one file share its pages.

>>> ds = read_dataset("data/piano.howl")
>>> ds.file_indices("validation")
>>> ds.file_notes(0)["pitch"][:8]
"""

from __future__ import annotations

import json
import math
import mmap
import os
import re
import struct
from dataclasses import dataclass, field
from typing import Any, Callable, NoReturn, Optional, Sequence

import numpy as np

from .content_hash import content_hash, content_hash64

MAGIC = b"HOWLDATA"
FORMAT_VERSION = 1
HEADER_BYTES = 16
CHECKSUM_BYTES = 8
MAX_PITCH = 119


class DatasetFormatError(ValueError):
    """A dataset that cannot be read; the message is ``FILE: reason``, as Howl's."""

    def __init__(self, file: Optional[str], reason: str):
        super().__init__(f"{file}: {reason}" if file else reason)
        self.file = file
        self.reason = reason


@dataclass
class Dataset:
    """A decoded dataset: Howl's metadata and the note columns (row ``i`` is one note)."""

    created: str
    sources: list[str]
    source_tags: list[str]
    settings: dict[str, Any]
    files: list[dict[str, Any]]
    failures: list[dict[str, Any]]
    totals: dict[str, Any]
    time: np.ndarray
    duration: np.ndarray
    pitch: np.ndarray
    velocity: np.ndarray
    format_version: int = FORMAT_VERSION
    path: Optional[str] = None
    # Per-file arrays for fast cropping, derived from `files`.
    note_offset: np.ndarray = field(init=False, repr=False)
    note_count: np.ndarray = field(init=False, repr=False)
    _keep: Any = field(default=None, repr=False)  # the mapped file the columns view

    def __post_init__(self) -> None:
        self.note_offset = np.array([f["noteOffset"] for f in self.files], dtype=np.int64)
        self.note_count = np.array([f["noteCount"] for f in self.files], dtype=np.int64)

    def file_indices(self, split: str) -> list[int]:
        """Indices of the files on one side of the split (``train`` or ``validation``), in order."""
        return [i for i, f in enumerate(self.files) if f["split"] == split]

    def file_notes(self, index: int, start: int = 0, end: Optional[int] = None) -> dict[str, np.ndarray]:
        """Notes ``start .. end - 1`` of file ``index`` (clipped to the file), as column views."""
        if not 0 <= index < len(self.files):
            raise IndexError(f"file index {index} outside 0..{len(self.files) - 1}")
        count = int(self.note_count[index])
        offset = int(self.note_offset[index])
        lo = offset + max(0, min(start, count))
        hi = offset + max(0, min(count if end is None else end, count))
        return {
            "time": self.time[lo:hi],
            "duration": self.duration[lo:hi],
            "pitch": self.pitch[lo:hi],
            "velocity": self.velocity[lo:hi],
        }

    def metadata(self) -> dict[str, Any]:
        """The metadata block as Howl writes it."""
        return {
            "created": self.created,
            "sources": self.sources,
            "sourceTags": self.source_tags,
            "settings": self.settings,
            "files": self.files,
            "failures": self.failures,
            "totals": self.totals,
        }

    def identity(self) -> dict[str, Any]:
        """Howl's ``datasetIdentity``: which files lie on which side, as a fingerprint."""
        lines = sorted(f"{f['split']}:{f['hash']}" for f in self.files)
        return {
            "fingerprint": content_hash("\n".join(lines).encode("utf-8")),
            "trainFiles": self.totals["trainFiles"],
            "validationFiles": self.totals["validationFiles"],
        }


def compute_totals(files: Sequence[dict[str, Any]], failures: int) -> dict[str, Any]:
    """Howl's ``computeTotals``: the counts derived from the file list, in Howl's key order."""
    totals: dict[str, Any] = {
        "files": len(files),
        "failures": failures,
        "notes": 0,
        "durationSeconds": 0,
        "bytes": 0,
        "trainFiles": 0,
        "validationFiles": 0,
        "trainNotes": 0,
        "validationNotes": 0,
    }
    for f in files:
        totals["notes"] += f["noteCount"]
        totals["durationSeconds"] += f["durationSeconds"]
        totals["bytes"] += f["bytes"]
        side = "train" if f["split"] == "train" else "validation"
        totals[f"{side}Files"] += 1
        totals[f"{side}Notes"] += f["noteCount"]
    return totals


def _is_count(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 2**53 - 1


def _is_seconds(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x >= 0


def _default_source_tags(sources: Sequence[str]) -> list[str]:
    """Howl's ``defaultSourceTags``: the shortest distinct path suffix of each source folder."""
    parts = [[p for p in re.split(r"[\\/]+", s) if p != ""] for s in sources]
    depth = [1] * len(parts)

    def tag_of(i: int) -> str:
        return "/".join(parts[i][-depth[i] :]) or "."

    for _ in range(64):
        tags = [tag_of(i) for i in range(len(parts))]
        changed = False
        for i, tag in enumerate(tags):
            clash = any(j != i and other == tag for j, other in enumerate(tags))
            if clash and depth[i] < len(parts[i]):
                depth[i] += 1
                changed = True
        if not changed:
            return tags
    return [tag_of(i) for i in range(len(parts))]


def validate_metadata(parsed: Any, fail: Callable[[str], NoReturn]) -> dict[str, Any]:
    """Howl's ``validateMetadata``: types, ranges, note offsets and the stored totals.

    Fields that datasets written before groups and tags lack are filled in with the format's
    defaults. ``fail`` is called with ``inconsistent metadata: …`` and must raise.
    """

    def bad(what: str) -> NoReturn:
        fail(f"inconsistent metadata: {what}")

    if not isinstance(parsed, dict):
        bad("not a JSON object")
    sources = parsed.get("sources")
    if not isinstance(parsed.get("created"), str):
        bad("created is not a string")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        bad("sources is not a list of strings")
    settings = parsed.get("settings")
    files = parsed.get("files")
    if "sourceTags" not in parsed:
        parsed["sourceTags"] = _default_source_tags(sources)
    if isinstance(settings, dict):
        settings.setdefault("groupBy", ["file" for _ in sources])
    if isinstance(files, list):
        for f in files:
            if isinstance(f, dict) and "group" not in f:
                f["group"] = f"file:{f.get('hash')}"

    def string_list(x: Any, n: int) -> bool:
        return isinstance(x, list) and len(x) == n and all(isinstance(s, str) for s in x)

    if not string_list(parsed["sourceTags"], len(sources)):
        bad("sourceTags is not a string per source")
    if (
        not isinstance(settings, dict)
        or not isinstance(settings.get("sustain"), bool)
        or not isinstance(settings.get("includeDrums"), bool)
        or not isinstance(settings.get("validationFraction"), (int, float))
        or not 0 <= settings["validationFraction"] <= 1
        or not _is_count(settings.get("maxFileBytes"))
        or not string_list(settings.get("groupBy"), len(sources))
    ):
        bad("settings are missing or malformed")
    if not isinstance(files, list):
        bad("files is not a list")
    failures = parsed.get("failures")
    if not isinstance(failures, list):
        bad("failures is not a list")

    def is_source(x: Any) -> bool:
        return _is_count(x) and x < len(sources)

    offset = 0
    for i, f in enumerate(files):
        at = f"files[{i}]"
        if not isinstance(f, dict):
            bad(f"{at} is not an object")
        if not isinstance(f.get("path"), str):
            bad(f"{at}.path is not a string")
        if not is_source(f.get("source")):
            bad(f"{at}.source is not an index into sources")
        if not isinstance(f.get("hash"), str) or not re.fullmatch(r"[0-9a-f]{16}", f["hash"]):
            bad(f"{at}.hash is not 16 hex digits")
        if f.get("split") not in ("train", "validation"):
            bad(f'{at}.split is not "train" or "validation"')
        if not isinstance(f.get("group"), str):
            bad(f"{at}.group is not a string")
        if not _is_count(f.get("noteCount")):
            bad(f"{at}.noteCount is not a non-negative integer")
        if f.get("noteOffset") != offset or isinstance(f.get("noteOffset"), bool):
            bad(f"{at}.noteOffset is {f.get('noteOffset')}, expected {offset}")
        if not _is_seconds(f.get("durationSeconds")):
            bad(f"{at}.durationSeconds is not a non-negative number")
        if not _is_count(f.get("bytes")):
            bad(f"{at}.bytes is not a non-negative integer")
        offset += f["noteCount"]
    for i, f in enumerate(failures):
        if (
            not isinstance(f, dict)
            or not isinstance(f.get("path"), str)
            or not isinstance(f.get("reason"), str)
            or not is_source(f.get("source"))
        ):
            bad(f"failures[{i}] is not {{path, source, reason}}")
    totals = parsed.get("totals")
    if not isinstance(totals, dict):
        bad("totals is missing")
    expected = compute_totals(files, len(failures))
    for key, value in expected.items():
        stored = totals.get(key)
        if key == "durationSeconds":
            same = _is_seconds(stored) and abs(stored - value) <= 1e-6 * max(1, value)
        else:
            same = stored == value and not isinstance(stored, bool)
        if not same:
            bad(f"totals.{key} is {_js(stored)} but the files give {_js(value)}")
    return parsed


def _js(x: Any) -> str:
    """A value as JavaScript's ``String(x)`` shows it, for messages equal to Howl's."""
    if x is None:
        return "undefined"
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _align8(n: int) -> int:
    return (n + 7) // 8 * 8


def _layout(metadata_bytes: int, notes: int) -> dict[str, int]:
    time = _align8(HEADER_BYTES + metadata_bytes)
    duration = time + 8 * notes
    pitch = duration + _align8(4 * notes)
    velocity = pitch + _align8(notes)
    checksum = velocity + _align8(notes)
    return {
        "time": time,
        "duration": duration,
        "pitch": pitch,
        "velocity": velocity,
        "checksum": checksum,
        "total": checksum + CHECKSUM_BYTES,
    }


def read_howl(path: str, verify_checksum: bool = True) -> Dataset:
    """Reads a ``.howl`` dataset file (format version 1), with the checks Howl's reader makes.

    Args:
        path: the file.
        verify_checksum: check the trailing 64-bit hash (about 1 s per 10 MB here).

    Raises:
        DatasetFormatError: naming the file and the problem, in Howl's words (wrong magic bytes,
            another version, truncated, trailing bytes, checksum mismatch, inconsistent metadata).
        OSError: when the file cannot be opened.
    """

    def fail(reason: str) -> NoReturn:
        raise DatasetFormatError(path, reason)

    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        data: Any = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size > 0 else b""
    view = memoryview(data)
    head = bytes(view[: len(MAGIC)])
    if head != MAGIC[: len(head)]:
        fail("not a Howl dataset (wrong magic bytes)")
    if size < HEADER_BYTES + CHECKSUM_BYTES:
        fail(f"truncated: {size} bytes, shorter than the {HEADER_BYTES + CHECKSUM_BYTES}-byte minimum")
    version, metadata_length = struct.unpack_from("<II", view, 8)
    if version != FORMAT_VERSION:
        fail(f"dataset format version {version}; this Howl reads version {FORMAT_VERSION}")
    if HEADER_BYTES + metadata_length + CHECKSUM_BYTES > size:
        fail(f"truncated: {size} bytes, but the metadata alone needs {HEADER_BYTES + metadata_length}")

    def check_checksum(end: int) -> None:
        if not verify_checksum:
            return
        high, low = content_hash64(view[:end])
        stored_low, stored_high = struct.unpack_from("<II", view, end)
        if (stored_high, stored_low) != (high, low):
            fail(
                f"checksum mismatch (stored {stored_high:08x}{stored_low:08x}, computed {high:08x}{low:08x}): "
                "the file is corrupt"
            )

    try:
        parsed = json.loads(bytes(view[HEADER_BYTES : HEADER_BYTES + metadata_length]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        check_checksum(size - CHECKSUM_BYTES)
        fail(f"inconsistent metadata: not valid JSON ({error})")
    metadata = validate_metadata(parsed, fail)
    count = metadata["totals"]["notes"]
    layout = _layout(metadata_length, count)
    if size < layout["total"]:
        fail(f"truncated: {size} bytes, expected {layout['total']} for {count} notes")
    if size > layout["total"]:
        fail(f"{size - layout['total']} unexpected bytes after the end (expected {layout['total']} bytes)")
    check_checksum(layout["checksum"])
    return Dataset(
        created=metadata["created"],
        sources=metadata["sources"],
        source_tags=metadata["sourceTags"],
        settings=metadata["settings"],
        files=metadata["files"],
        failures=metadata["failures"],
        totals=metadata["totals"],
        time=np.frombuffer(data, dtype="<f8", count=count, offset=layout["time"]),
        duration=np.frombuffer(data, dtype="<f4", count=count, offset=layout["duration"]),
        pitch=np.frombuffer(data, dtype=np.uint8, count=count, offset=layout["pitch"]),
        velocity=np.frombuffer(data, dtype=np.uint8, count=count, offset=layout["velocity"]),
        format_version=version,
        path=path,
        _keep=data,
    )


def read_dataset(path: str, verify_checksum: bool = True) -> Dataset:
    """A ``.howl`` file, or a Parquet export (a folder holding ``notes.parquet`` and
    ``files.parquet``, or one of its ``.parquet`` files: its folder is read)."""
    if os.path.isdir(path) or path.lower().endswith(".parquet"):
        from .parquet import read_parquet  # noqa: PLC0415 (a cycle: parquet.py builds Datasets)

        if not os.path.exists(path):
            raise DatasetFormatError(path, "no such file")
        return read_parquet([path if os.path.isdir(path) else os.path.dirname(path) or "."])
    return read_howl(path, verify_checksum=verify_checksum)
