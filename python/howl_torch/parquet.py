"""The Parquet tables of ``howl export-data`` (docs/parquet.md) read into a ``Dataset``, with the
checks Howl's reader makes (src/data/dataset-parquet-read.ts). Needs pyarrow; without it, reading
fails with one line naming the file and the reason.
"""

from __future__ import annotations

import json
import os
from typing import Any, NoReturn, Optional, Sequence

import numpy as np

from .dataset import MAX_PITCH, Dataset, DatasetFormatError, compute_totals, validate_metadata

PARQUET_FORMAT = "howl-dataset"
PARQUET_FORMAT_VERSION = 1
PARQUET_METADATA_KEY = b"howl"
PARQUET_TABLES = ("notes", "files", "failures")


def _import_pyarrow(where: str, source: Optional[str] = None):
    """pyarrow.parquet, or an error naming ``where`` and how to do without (``howl import SOURCE``)."""
    try:
        import pyarrow.parquet as pq  # noqa: PLC0415 (optional dependency)
    except ImportError as error:
        raise DatasetFormatError(
            where,
            f"reading Parquet needs pyarrow, which is not installed ({error}); install pyarrow, or "
            f"turn the tables into a .howl file with Howl: howl import {source or where} -o data.howl",
        ) from error
    return pq


def parquet_table_files(paths: Sequence[str]) -> dict[str, str]:
    """The notes, files and (optional) failures tables among ``paths``: a folder (its
    ``notes.parquet``, ``files.parquet``, ``failures.parquet``) or the ``.parquet`` files, each told
    by its ``howl`` metadata, else by its name."""
    if len(paths) == 1 and os.path.isdir(paths[0]):
        folder = paths[0]
        found = {t: os.path.join(folder, f"{t}.parquet") for t in PARQUET_TABLES}
        tables = {t: p for t, p in found.items() if os.path.exists(p)}
        for needed in ("notes", "files"):
            if needed not in tables:
                raise DatasetFormatError(folder, f"no {needed}.parquet: not a folder written by howl export-data")
        return tables
    for path in paths:
        if not os.path.isfile(path):
            raise DatasetFormatError(path, "no such file")
    pq = _import_pyarrow(paths[0], " ".join(paths))
    tables: dict[str, str] = {}
    for path in paths:
        info = _parquet_info(pq, path)
        name = os.path.basename(path).lower()
        table = info["table"] if info else next((t for t in PARQUET_TABLES if name == f"{t}.parquet"), None)
        if table is None:
            raise DatasetFormatError(path, "has no Howl metadata and is not named notes, files or failures.parquet")
        if table in tables:
            raise DatasetFormatError(path, f"a second {table} table (the first: {tables[table]})")
        tables[table] = path
    for needed in ("notes", "files"):
        if needed not in tables:
            raise DatasetFormatError(paths[0], f"no {needed} table among the Parquet files given")
    return tables


def _parquet_info(pq: Any, path: str) -> Optional[dict[str, Any]]:
    try:
        schema = pq.read_schema(path)
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise DatasetFormatError(path, f"not a readable Parquet file ({error})") from error
    raw = (schema.metadata or {}).get(PARQUET_METADATA_KEY)
    if raw is None:
        return None
    try:
        info = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatasetFormatError(path, f'its "howl" metadata is not JSON ({error})') from error
    if not isinstance(info, dict) or info.get("format") != PARQUET_FORMAT:
        raise DatasetFormatError(path, f'its "howl" metadata is not Howl\'s (no format "{PARQUET_FORMAT}")')
    if info.get("version") != PARQUET_FORMAT_VERSION:
        raise DatasetFormatError(
            path, f"Howl Parquet version {info.get('version')}; this Howl reads version {PARQUET_FORMAT_VERSION}"
        )
    return info


def _columns(pq: Any, path: str, wanted: dict[str, str]) -> dict[str, Any]:
    """The named columns of a table: numbers as numpy arrays, strings as lists; types checked."""
    import pyarrow as pa  # noqa: PLC0415

    try:
        table = pq.read_table(path, columns=list(wanted))
    except KeyError as error:
        raise DatasetFormatError(path, f"column {error} is missing") from error
    except Exception as error:
        names = None
        try:
            names = pq.read_schema(path).names
        except Exception:  # noqa: BLE001 (the first error is the one to report)
            pass
        missing = [c for c in wanted if names is not None and c not in names]
        if missing:
            raise DatasetFormatError(path, f"column {missing[0]} is missing (it has {', '.join(names)})") from error
        raise DatasetFormatError(path, f"cannot read its columns, the file is damaged ({error})") from error
    out: dict[str, Any] = {}
    for name, kind in wanted.items():
        column = table.column(name)
        type_ok = {
            "int": pa.types.is_integer,
            "float": pa.types.is_floating,
            "string": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
        }[kind](column.type)
        if not type_ok:
            raise DatasetFormatError(path, f"column {name} is {column.type}, expected {kind}")
        if column.null_count > 0:
            raise DatasetFormatError(path, f"column {name} holds {column.null_count} nulls")
        out[name] = column.to_pylist() if kind == "string" else column.to_numpy()
    return out


def read_parquet(paths: Sequence[str]) -> Dataset:
    """Reads the tables of ``howl export-data`` (a folder, or its ``.parquet`` files) into the same
    dataset Howl reads back, with the recorded split, groups and tags; needs pyarrow.

    Raises:
        DatasetFormatError: naming the file: pyarrow missing, not Parquet, another table or export,
            a missing or mistyped column, a value out of range, a note missing or given twice.
    """
    tables = parquet_table_files(paths)
    pq = _import_pyarrow(tables["files"], " ".join(paths))
    infos = {t: _parquet_info(pq, p) for t, p in tables.items()}
    info = infos["files"]
    files_path = tables["files"]
    if info is None:
        raise DatasetFormatError(files_path, 'no Howl metadata (key "howl"): not written by howl export-data')
    for table, other in infos.items():
        if other is not None and other.get("table") != table:
            raise DatasetFormatError(tables[table], f"holds Howl's {other.get('table')} table, not its {table} table")
        if other is not None and other.get("created") != info.get("created"):
            raise DatasetFormatError(
                tables[table],
                f"comes from another export than {files_path} "
                f"(created {other.get('created')}, not {info.get('created')})",
            )

    def fail_files(reason: str) -> NoReturn:
        raise DatasetFormatError(files_path, reason.replace("inconsistent metadata: ", "", 1))

    c = _columns(
        pq,
        files_path,
        {
            "file_index": "int",
            "path": "string",
            "source": "int",
            "hash": "string",
            "split": "string",
            "group_key": "string",
            "note_count": "int",
            "duration_seconds": "float",
            "bytes": "int",
        },
    )
    rows = len(c["path"])
    row_of = [-1] * rows
    for row, index in enumerate(c["file_index"].tolist()):
        if not 0 <= index < rows:
            fail_files(f"row {row}: file_index {index} is not in 0..{rows - 1}")
        if row_of[index] != -1:
            fail_files(f"row {row}: file_index {index} appears twice")
        row_of[index] = row
    files: list[dict[str, Any]] = []
    offset = 0
    for row in row_of:
        count = int(c["note_count"][row])
        files.append(
            {
                "path": c["path"][row],
                "source": int(c["source"][row]),
                "hash": c["hash"][row],
                "split": c["split"][row],
                "group": c["group_key"][row],
                "noteCount": count,
                "noteOffset": offset,
                "durationSeconds": float(c["duration_seconds"][row]),
                "bytes": int(c["bytes"][row]),
            }
        )
        offset += max(0, count)
    sources = info.get("sources")
    failures: list[dict[str, Any]] = []
    if "failures" in tables:
        f = _columns(pq, tables["failures"], {"path": "string", "source": "int", "reason": "string"})
        failures = [
            {"path": p, "source": int(s), "reason": r} for p, s, r in zip(f["path"], f["source"].tolist(), f["reason"])
        ]
    metadata = {
        "created": info.get("created"),
        "sources": sources,
        "sourceTags": info.get("sourceTags"),
        "settings": info.get("settings"),
        "files": files,
        "failures": failures,
        "totals": compute_totals(files, len(failures)),
    }
    validate_metadata(metadata, fail_files)
    columns = _read_notes(pq, tables["notes"], files, metadata["totals"]["notes"])
    return Dataset(
        created=metadata["created"],
        sources=metadata["sources"],
        source_tags=metadata["sourceTags"],
        settings=metadata["settings"],
        files=files,
        failures=failures,
        totals=metadata["totals"],
        path=os.path.dirname(files_path) or ".",
        **columns,
    )


def _read_notes(pq: Any, path: str, files: list[dict[str, Any]], total: int) -> dict[str, np.ndarray]:
    def fail(reason: str) -> NoReturn:
        raise DatasetFormatError(path, reason)

    c = _columns(
        pq,
        path,
        {
            "file_index": "int",
            "note_index": "int",
            "time": "float",
            "duration": "float",
            "pitch": "int",
            "velocity": "int",
        },
    )
    rows = len(c["time"])
    if rows != total:
        fail(f"{rows} notes, but the files table counts {total}")
    fi = c["file_index"].astype(np.int64)
    ni = c["note_index"].astype(np.int64)
    offsets = np.array([f["noteOffset"] for f in files], dtype=np.int64)
    counts = np.array([f["noteCount"] for f in files], dtype=np.int64)
    bad = np.flatnonzero((fi < 0) | (fi >= len(files)))
    if bad.size:
        fail(f"row {bad[0]}: file_index {fi[bad[0]]} is not a file of the files table")
    bad = np.flatnonzero((ni < 0) | (ni >= counts[fi]))
    if bad.size:
        r = bad[0]
        fail(f"row {r}: note_index {ni[r]} is outside file {fi[r]}'s notes 0..{counts[fi[r]] - 1}")
    at = offsets[fi] + ni
    seen = np.zeros(total, dtype=np.int64)
    np.add.at(seen, at, 1)
    twice = np.flatnonzero(seen[at] > 1)
    if twice.size:
        r = twice[-1]
        fail(f"row {r}: note {ni[r]} of file {fi[r]} appears twice")
    t = c["time"].astype(np.float64)
    d = c["duration"].astype(np.float64)
    p = c["pitch"]
    v = c["velocity"]
    bad = np.flatnonzero(~(np.isfinite(t) & (t >= 0) & np.isfinite(d) & (d >= 0)))
    if bad.size:
        fail(f"row {bad[0]}: time {t[bad[0]]} or duration {d[bad[0]]} is not a number of seconds >= 0")
    bad = np.flatnonzero((p < 0) | (p > MAX_PITCH))
    if bad.size:
        fail(f"row {bad[0]}: pitch {p[bad[0]]} is not in 0..{MAX_PITCH}")
    bad = np.flatnonzero((v < 1) | (v > 127))
    if bad.size:
        fail(f"row {bad[0]}: velocity {v[bad[0]]} is not in 1..127")
    out = {
        "time": np.zeros(total, dtype=np.float64),
        "duration": np.zeros(total, dtype=np.float32),
        "pitch": np.zeros(total, dtype=np.uint8),
        "velocity": np.zeros(total, dtype=np.uint8),
    }
    out["time"][at] = t
    out["duration"][at] = c["duration"].astype(np.float32)
    out["pitch"][at] = p.astype(np.uint8)
    out["velocity"][at] = v.astype(np.uint8)
    return out
