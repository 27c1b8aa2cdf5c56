"""Howl's model folders in Python: `model.safetensors` + `config.json` read and written byte for byte
as Howl's `howl export --format safetensors` (src/model/checkpoint/safetensors.ts,
safetensors-model.ts, src/node/safetensors-folder.ts; docs/safetensors.md), with no dependency
beyond numpy. Howl's training checkpoints (`weights.json` + `weights.bin`) and run folders (`best/`,
then `checkpoint/`) are read too.

The safetensors format: 8 bytes, the header's length N as a little-endian unsigned 64-bit integer;
N bytes of UTF-8 JSON (`{"<name>": {"dtype", "shape", "data_offsets": [begin, end]}, …,
"__metadata__": {…}}`), padded with spaces; then the tensors' raw little-endian bytes.
"""
from __future__ import annotations

import json
import math
import os
import struct
import threading
from decimal import Decimal
from typing import Any, Mapping

import numpy as np
import torch

from .config import ConfigError, check_config, full_config
from .models import HowlModel, build_model

SAFETENSORS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
#: `__metadata__.format` of a Howl safetensors file.
SAFETENSORS_FORMAT = "howl"
_MAX_HEADER_BYTES = 100_000_000
_METADATA = "__metadata__"
_DTYPE_BYTES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "I16": 2, "U16": 2, "F16": 2,
                "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}
#: The dtypes read (into float32), as Howl.
READ_DTYPES = ("F32", "F16", "BF16", "F64")


class SafetensorsError(ValueError):
    """A file that is not a safetensors model Howl would read: the message names the file and why."""


# ---------------------------------------------------------------------------------------------
# JSON as JavaScript writes it (so config.json and the metadata are Howl's bytes).


def js_number(x: float | int) -> str:
    """JavaScript's `String(x)` of a number: `1234`, `56.5`, `1e-7`, `1.5e+21`, `NaN`."""
    if isinstance(x, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(x, int):
        if abs(x) < 10**21:
            return str(x)
        x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr is the shortest round-trip form, as JavaScript's; re-lay its digits out JavaScript's way.
    _, digits_tuple, exponent = Decimal(repr(abs(x))).as_tuple()
    digits = "".join(map(str, digits_tuple)).rstrip("0") or "0"
    exponent += len("".join(map(str, digits_tuple))) - len(digits)
    k = len(digits)
    n = exponent + k  # the value is 0.digits × 10^n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def js_json(value: Any, indent: int | None = None, _level: int = 0) -> str:
    """`JSON.stringify(value, null, indent)`: JavaScript's number forms, non-finite numbers as null."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return js_number(value)
    if isinstance(value, (np.integer, np.floating)):
        return js_json(value.item(), indent, _level)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    inner = "" if indent is None else "\n" + " " * (indent * (_level + 1))
    outer = "" if indent is None else "\n" + " " * (indent * _level)
    colon = ":" if indent is None else ": "
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        parts = [f"{json.dumps(str(k), ensure_ascii=False)}{colon}{js_json(v, indent, _level + 1)}"
                 for k, v in value.items()]
        return "{" + inner + ("," + inner).join(parts) + outer + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[" + inner + ("," + inner).join(js_json(v, indent, _level + 1) for v in value) + outer + "]"
    raise TypeError(f"{type(value).__name__} is not JSON")


# ---------------------------------------------------------------------------------------------
# The format.


def encode_safetensors(tensors: Mapping[str, Any], metadata: Mapping[str, str] | None = None) -> bytes:
    """A safetensors file of float32 tensors, in the given order, as Howl's `encodeSafetensors`
    (compact JSON header, `__metadata__` first, padded with spaces to a multiple of 8)."""
    header: dict[str, Any] = {}
    if metadata:
        header[_METADATA] = {str(k): str(v) for k, v in metadata.items()}
    arrays = []
    offset = 0
    for name, value in tensors.items():
        if name == _METADATA:
            raise SafetensorsError(f"{SAFETENSORS_FILE}: tensor name {json.dumps(name)} is reserved")
        a = value.detach().cpu().numpy() if torch.is_tensor(value) else np.asarray(value)
        a = np.ascontiguousarray(a, dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        arrays.append(a)
    text = js_json(header).encode("utf-8")
    padded = text + b" " * (-len(text) % 8)
    return b"".join([struct.pack("<Q", len(padded)), padded, *(a.tobytes() for a in arrays)])


def _float32_of(raw: bytes, dtype: str) -> np.ndarray:
    if dtype == "F32":
        return np.frombuffer(raw, dtype="<f4").astype(np.float32)
    if dtype == "F16":
        return np.frombuffer(raw, dtype="<f2").astype(np.float32)
    if dtype == "BF16":
        bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return bits.view(np.float32)
    return np.frombuffer(raw, dtype="<f8").astype(np.float32)


def decode_safetensors(data: bytes, file: str = SAFETENSORS_FILE) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Decodes and checks a safetensors file as strictly as Howl's `decodeSafetensors`.

    Returns `(tensors, metadata)`: float32 arrays (F16, BF16, F64 converted) by name, in the order of
    their data. Raises SafetensorsError naming `file` and the reason.
    """
    def fail(reason: str) -> SafetensorsError:
        return SafetensorsError(f"{file}: {reason}")

    if len(data) < 8:
        raise fail(f"{len(data)} bytes: too short for a safetensors file (an 8-byte header length first)")
    (length,) = struct.unpack("<Q", data[:8])
    if length > len(data) - 8:
        raise fail(f"the header length {length} runs past the end of the file ({len(data)} bytes): "
                   "truncated, or not a safetensors file")
    if length > _MAX_HEADER_BYTES:
        raise fail(f"the header is {length} bytes, over the limit of {_MAX_HEADER_BYTES}")
    try:
        header = json.loads(data[8:8 + length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise fail(f"the header is not valid UTF-8 JSON ({error})") from error
    if not isinstance(header, dict):
        raise fail("the header is not a JSON object")
    metadata = header.get(_METADATA) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise fail("__metadata__ is not an object of strings")
    entries = []
    for name, entry in header.items():
        if name == _METADATA:
            continue
        where = f"tensor {json.dumps(name)}"
        if not isinstance(entry, dict):
            raise fail(f"{where}: its header entry is not an object")
        extra = [k for k in entry if k not in ("dtype", "shape", "data_offsets")]
        if extra:
            raise fail(f"{where}: unknown field {json.dumps(extra[0])}")
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if dtype not in _DTYPE_BYTES:
            raise fail(f"{where}: unknown dtype {json.dumps(dtype)} (known: {', '.join(_DTYPE_BYTES)})")
        if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                                   for d in shape):
            raise fail(f"{where}: shape {json.dumps(shape)} is not a list of sizes")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in offsets)
                or offsets[0] > offsets[1]):
            raise fail(f"{where}: data_offsets {json.dumps(offsets)} are not [begin, end] with begin ≤ end")
        expected = int(np.prod(shape, dtype=np.int64)) * _DTYPE_BYTES[dtype]
        if offsets[1] - offsets[0] != expected:
            raise fail(f"{where}: {offsets[1] - offsets[0]} bytes of data, but shape {shape} of {dtype} "
                       f"needs {expected}")
        entries.append((offsets[0], offsets[1], name, dtype, shape))
    start = 8 + length
    size = len(data) - start
    at, previous = 0, None
    entries.sort(key=lambda e: (e[0], e[1]))
    for begin, end, name, _, _ in entries:
        if end > size:
            raise fail(f"tensor {json.dumps(name)}: data_offsets [{begin}, {end}] run past the end of the data "
                       f"({size} bytes): the file is truncated")
        if begin < at:
            raise fail(f"tensor {json.dumps(name)}: data_offsets [{begin}, {end}] overlap tensor "
                       f"{json.dumps(previous)}'s")
        if begin > at:
            raise fail(f"{begin - at} bytes at data offset {at} belong to no tensor")
        at, previous = end, name
    if at != size:
        raise fail(f"{size - at} bytes after the last tensor's data (trailing garbage)")
    tensors: dict[str, np.ndarray] = {}
    for begin, end, name, dtype, shape in entries:
        if dtype not in READ_DTYPES:
            raise fail(f"tensor {json.dumps(name)}: dtype {dtype} is not a floating-point type Howl reads "
                       f"({', '.join(READ_DTYPES)})")
        tensors[name] = _float32_of(data[start + begin:start + end], dtype).reshape(shape)
    return tensors, dict(metadata)


def read_safetensors(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Reads a safetensors file: `(tensors, metadata)` as `decode_safetensors`."""
    with open(path, "rb") as f:
        return decode_safetensors(f.read(), os.fspath(path))


_temp_counter = 0
_temp_lock = threading.Lock()


def write_file_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Writes `data` to `path` atomically: a temporary file beside it (`.NAME.PID.N.tmp`, the names
    Howl's `removeStaleTempFiles` cleans up), flushed to disk, then renamed over `path`."""
    global _temp_counter
    path = os.fspath(path)
    folder, name = os.path.split(path)
    with _temp_lock:
        _temp_counter += 1
        temp = os.path.join(folder, f".{name}.{os.getpid()}.{_temp_counter}.tmp")
    try:
        with open(temp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise


# ---------------------------------------------------------------------------------------------
# Model folders.


def _metadata_of(model_type: str, training: Mapping[str, Any] | None) -> dict[str, str]:
    metadata = {"format": SAFETENSORS_FORMAT, "architecture": model_type}
    if training and training.get("steps") is not None:
        metadata["training_steps"] = js_number(training["steps"])
        metadata["training_seconds"] = js_number(training.get("seconds", 0))
        best = training.get("best_loss", training.get("bestLoss"))
        if best is not None:
            metadata["best_validation_loss"] = js_number(best)
    return metadata


def _summary_of(metadata: Mapping[str, str], fail: Any) -> dict[str, Any] | None:
    def number(key: str) -> float | None:
        text = metadata.get(key)
        if text is None:
            return None
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if text.strip() == "" or not math.isfinite(value):
            raise fail(f"__metadata__.{key} {json.dumps(text)} is not a number")
        return int(value) if value.is_integer() else value

    steps = number("training_steps")
    if steps is None:
        return None
    return {"steps": steps, "seconds": number("training_seconds") or 0, "best_loss": number("best_validation_loss")}


def save_model(folder: str, config: dict, model: torch.nn.Module, training: dict | None = None) -> list[str]:
    """Writes a model as Howl's safetensors folder, `folder/model.safetensors` then
    `folder/config.json`, each atomically, byte for byte as `howl export --format safetensors`
    would write the same weights: every weight as F32 under Howl's names and layout, in Howl's order;
    `__metadata__` `format: "howl"`, `architecture`, and the training summary when given.

    Args:
        folder: created if missing; must not hold a Howl checkpoint (`state.json`, `weights.json`).
        config: the model configuration, or a whole config.json dict (its `training` options kept).
        model: a `HowlModel` of that configuration (from `build_model` or `load_model`; a
            `DistributedDataParallel` wrapper is unwrapped).
        training: `None`, or `{"steps": int, "seconds": float, "best_loss": float | None}` (written as
            the metadata's `training_steps`, `training_seconds`, `best_validation_loss`), optionally
            with `"options"`: a dict that becomes config.json's `training` (the training options).

    Returns:
        the two paths written.

    Raises:
        ValueError when `folder` holds a checkpoint or the model does not match the configuration.
    """
    folder = os.fspath(folder)
    net = getattr(model, "module", model)
    if not isinstance(net, HowlModel):
        raise TypeError(f"{type(net).__name__} is not a Howl model (build_model / load_model make one)")
    whole = full_config(config, (training or {}).get("options"))
    if whole["model"] != net.config:
        raise ConfigError(f"the model is {json.dumps(net.config)} but the configuration says "
                          f"{json.dumps(whole['model'])}")
    if os.path.exists(os.path.join(folder, "state.json")) or os.path.exists(os.path.join(folder, "weights.json")):
        raise ValueError(f"{folder} holds a Howl checkpoint; write the safetensors to another folder "
                         "(its config.json would be replaced)")
    weights = net.howl_state()
    data = encode_safetensors(weights, _metadata_of(net.config["type"], training))
    config_bytes = (js_json(whole, indent=1) + "\n").encode("utf-8")
    os.makedirs(folder, exist_ok=True)
    paths = [os.path.join(folder, SAFETENSORS_FILE), os.path.join(folder, CONFIG_FILE)]
    write_file_atomic(paths[0], data)
    write_file_atomic(paths[1], config_bytes)
    return paths


def _read_checkpoint_weights(folder: str) -> dict[str, np.ndarray]:
    """A Howl checkpoint's model weights (`weights.json` + `weights.bin`, without `adam/…`)."""
    with open(os.path.join(folder, "weights.json"), "rb") as f:
        manifest = json.loads(f.read().decode("utf-8"))
    with open(os.path.join(folder, "weights.bin"), "rb") as f:
        blob = f.read()
    weights = {}
    for t in manifest.get("tensors", []):
        if t["name"].startswith("adam/"):
            continue
        end = t["offset"] + t["bytes"]
        if t.get("dtype") != "float32" or end > len(blob) or t["bytes"] != 4 * int(np.prod(t["shape"], dtype=np.int64)):
            raise SafetensorsError(f"{folder}: weights.json: tensor {t['name']!r} does not fit weights.bin")
        weights[t["name"]] = np.frombuffer(blob[t["offset"]:end], dtype="<f4").astype(np.float32).reshape(t["shape"])
    return weights


def _model_folder(folder: str) -> str:
    """The folder holding the model: `folder` itself, or a run folder's `best/`, then `checkpoint/`."""
    def holds(path: str) -> bool:
        return any(os.path.exists(os.path.join(path, f)) for f in (SAFETENSORS_FILE, "state.json"))

    if holds(folder):
        return folder
    for sub in ("best", "checkpoint"):
        if os.path.exists(os.path.join(folder, sub, "state.json")):
            return os.path.join(folder, sub)
    return folder


def load_model(folder: str) -> tuple[dict, torch.nn.Module]:
    """Reads a Howl model folder into PyTorch: a safetensors folder (`model.safetensors` +
    `config.json`, as `howl export --format safetensors` or `save_model` write it), a Howl
    checkpoint folder, or a run folder of `howl train` (its `best/`, else `checkpoint/`).

    Checks as Howl does: metadata `format` "howl" and an `architecture` equal to config.json's
    model type, every weight present with its shape and nothing else.

    Returns:
        `(config, model)`: the whole config.json dict (`{"format", "version", "model", "encoding",
        "training"}`, its model validated) and a `HowlModel` on the CPU in eval mode, its weights
        Howl's. `model.training_summary` is the file's `{"steps", "seconds", "best_loss"}` (or None),
        which `save_model(..., training=model.training_summary)` writes back.

    Raises:
        SafetensorsError or ConfigError (both ValueError) naming the file and what is wrong.
    """
    folder = _model_folder(os.fspath(folder))
    if not os.path.isdir(folder):
        raise ConfigError(f"{folder}: no such model folder")
    config_path = os.path.join(folder, CONFIG_FILE)
    if not os.path.exists(config_path):
        raise ConfigError(f"{folder}: config.json is missing (it goes beside {SAFETENSORS_FILE})")
    with open(config_path, "rb") as f:
        try:
            raw = json.loads(f.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ConfigError(f"{folder}: config.json is not valid JSON ({error})") from error
    config = check_config(raw, folder)
    st_path = os.path.join(folder, SAFETENSORS_FILE)
    summary = None
    if os.path.exists(st_path) and not os.path.exists(os.path.join(folder, "state.json")):
        weights, metadata = read_safetensors(st_path)

        def fail(reason: str) -> SafetensorsError:
            return SafetensorsError(f"{st_path}: {reason}")

        if metadata.get("format") != SAFETENSORS_FORMAT:
            raise fail(f"__metadata__.format is {json.dumps(metadata.get('format'))}, not "
                       f"\"{SAFETENSORS_FORMAT}\": not a Howl model")
        if metadata.get("architecture") != config["model"]["type"]:
            raise fail(f"__metadata__.architecture is {json.dumps(metadata.get('architecture'))} but config.json's "
                       f"model is '{config['model']['type']}': the two files are not of one model")
        summary = _summary_of(metadata, fail)
    elif os.path.exists(os.path.join(folder, "weights.json")):
        weights = _read_checkpoint_weights(folder)
        with open(os.path.join(folder, "state.json"), "rb") as f:
            state = json.loads(f.read().decode("utf-8"))
        best = state.get("best")
        summary = {"steps": state.get("step", 0), "seconds": state.get("elapsedSeconds", 0),
                   "best_loss": best.get("loss") if isinstance(best, dict) else None}
    else:
        raise SafetensorsError(f"{st_path}: missing")
    model = build_model(config["model"], seed=0)
    try:
        model.load_howl_state(weights)
    except ValueError as error:
        raise SafetensorsError(f"{st_path}: {error}") from error
    model.eval()
    model.training_summary = summary
    return config, model
