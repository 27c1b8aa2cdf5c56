"""Howl's model configurations (src/model/config.ts) in Python: the presets of `howl train --arch`,
the checks of `validateModelConfig`, and the sizes every network and batch is built from.

A configuration is the `model` object of a Howl `config.json`, a plain dict discriminated by
`type`: `'original-lstm'`, `'ordered-rnn'` or `'transformer'`. Functions here accept either that
object or a whole `config.json` dict (`{"format": "howl-checkpoint", "model": {...}, ...}`).
"""
from __future__ import annotations

import copy
import json
import math
import os
from typing import Any

# The shared grid (src/encoding/grid.ts) and the inputs (src/encoding/ordered-input.ts).
PITCH_COUNT = 120
TIME_BIN_SECONDS = 0.01
TIME_BINS = 401
VELOCITY_BINS = 32
VELOCITIES_PER_BIN = 4
OCTAVES = 10
PITCHES_PER_OCTAVE = 12
REGRESSION_FEATURES = 3
REGRESSION_MAX = 4.0
ORDERED_REALS = 5
#: Floats per step of the original network's input: delay, duration, volume, pitch one-hot.
V1_INPUT_FEATURES = REGRESSION_FEATURES + PITCH_COUNT

#: `config.json`'s format and version (src/model/checkpoint/checkpoint.ts).
CONFIG_FORMAT = "howl-checkpoint"
CONFIG_VERSION = 1

MODEL_TYPES = ("original-lstm", "ordered-rnn", "transformer")

#: Named architectures (`--arch`), exactly as `MODEL_PRESETS` in src/model/config.ts.
MODEL_PRESETS: dict[str, dict[str, Any]] = {
    "lstm-192": {"type": "original-lstm", "rnn": "lstm", "units": 192, "denseUnits": 256, "blocks": 3, "dropout": 0.01},
    "lstm-416": {"type": "original-lstm", "rnn": "lstm", "units": 416, "denseUnits": 256, "blocks": 3, "dropout": 0.01},
    "lstm-1024": {"type": "original-lstm", "rnn": "lstm", "units": 1024, "denseUnits": 256, "blocks": 3, "dropout": 0.01},
    "gru-512": {"type": "original-lstm", "rnn": "gru", "units": 512, "denseUnits": 256, "blocks": 3, "dropout": 0.01},
    "original-lstm": {"type": "original-lstm", "rnn": "lstm", "units": 192, "denseUnits": 256, "blocks": 3, "dropout": 0.01},
    "ordered-lstm": {
        "type": "ordered-rnn", "rnn": "lstm", "units": 192, "denseUnits": 256, "blocks": 3, "dropout": 0.01,
        "headUnits": 128, "pitchEncoding": "one-hot",
    },
    "ordered-lstm-416": {
        "type": "ordered-rnn", "rnn": "lstm", "units": 416, "denseUnits": 256, "blocks": 3, "dropout": 0.01,
        "headUnits": 128, "pitchEncoding": "one-hot",
    },
    "ordered-lstm-octave": {
        "type": "ordered-rnn", "rnn": "lstm", "units": 192, "denseUnits": 256, "blocks": 3, "dropout": 0.01,
        "headUnits": 128, "pitchEncoding": "octave-class",
    },
    "ordered-gru": {
        "type": "ordered-rnn", "rnn": "gru", "units": 256, "denseUnits": 256, "blocks": 3, "dropout": 0.01,
        "headUnits": 128, "pitchEncoding": "one-hot",
    },
    "ordered-transformer": {
        "type": "transformer", "layers": 2, "modelUnits": 128, "heads": 4, "ffUnits": 512, "window": 256,
        "dropout": 0, "headUnits": 128, "pitchEncoding": "one-hot",
    },
}

DEFAULT_PRESET = "ordered-lstm"


class ConfigError(ValueError):
    """A configuration Howl would refuse; the message names the field and the value."""


def preset_config(name: str) -> dict[str, Any]:
    """The model configuration of a named preset (`--arch`), as a new dict.

    >>> preset_config("gru-512")["units"]
    512
    """
    if name not in MODEL_PRESETS:
        raise ConfigError(f"unknown architecture '{name}'; known: {', '.join(MODEL_PRESETS)}")
    return copy.deepcopy(MODEL_PRESETS[name])


def _js(value: Any) -> str:
    """`JSON.stringify` of a field's value, for messages as Howl words them."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _positive_integer(config: dict, key: str, maximum: int) -> int:
    value = config.get(key)
    ok = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and float(value).is_integer()
        and 1 <= value <= maximum
    )
    if not ok:
        raise ConfigError(f"model config: {key} {_js(value)} is not an integer in 1..{maximum}")
    return int(value)


def _dropout(config: dict) -> float | int:
    value = config.get("dropout")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value < 1):
        raise ConfigError(f"model config: dropout {_js(value)} is not in [0, 1)")
    return value


def _trunk_fields(config: dict) -> dict[str, Any]:
    rnn = config.get("rnn")
    if rnn not in ("lstm", "gru"):
        raise ConfigError(f"model config: rnn {_js(rnn)} is not 'lstm' or 'gru'")
    return {
        "rnn": rnn,
        "units": _positive_integer(config, "units", 16384),
        "denseUnits": _positive_integer(config, "denseUnits", 16384),
        "blocks": _positive_integer(config, "blocks", 64),
        "dropout": _dropout(config),
    }


def _head_fields(config: dict) -> dict[str, Any]:
    # Configs written before note-octave encoding existed are one-hot.
    encoding = config.get("pitchEncoding", "one-hot")
    if encoding is None:
        encoding = "one-hot"
    if encoding not in ("one-hot", "octave-class"):
        raise ConfigError(f"model config: pitchEncoding {_js(encoding)} is not 'one-hot' or 'octave-class'")
    return {"headUnits": _positive_integer(config, "headUnits", 16384), "pitchEncoding": encoding}


def validate_model_config(value: Any) -> dict[str, Any]:
    """Checks a model configuration as Howl's `validateModelConfig` does and returns a clean copy
    with only the known fields, in Howl's order.

    Raises ConfigError naming the bad field (the same checks and wording as Howl's).
    """
    if not isinstance(value, dict):
        raise ConfigError("model config is not a JSON object")
    kind = value.get("type")
    if kind not in MODEL_TYPES:
        raise ConfigError(f"unknown model type {_js(kind)}; known: {', '.join(MODEL_TYPES)}")
    if kind == "original-lstm":
        return {"type": kind, **_trunk_fields(value)}
    if kind == "ordered-rnn":
        return {"type": kind, **_trunk_fields(value), **_head_fields(value)}
    model_units = _positive_integer(value, "modelUnits", 16384)
    heads = _positive_integer(value, "heads", 256)
    if model_units % heads != 0:
        raise ConfigError(f"model config: modelUnits {model_units} is not a multiple of heads {heads}")
    return {
        "type": kind,
        "layers": _positive_integer(value, "layers", 64),
        "modelUnits": model_units,
        "heads": heads,
        "ffUnits": _positive_integer(value, "ffUnits", 65536),
        "window": _positive_integer(value, "window", 1 << 20),
        "dropout": _dropout(value),
        **_head_fields(value),
    }


def model_config_of(config: Any) -> dict[str, Any]:
    """The validated model configuration of either a model configuration or a whole `config.json`
    dict (its `model`), or of a preset's name."""
    if isinstance(config, str):
        return preset_config(config)
    if isinstance(config, dict) and "model" in config and "type" not in config:
        return validate_model_config(config["model"])
    return validate_model_config(config)


def read_config(path: str | os.PathLike) -> dict[str, Any]:
    """Reads and checks a Howl `config.json` (a file, or the folder that holds it), as Howl's
    `decodeCheckpointConfig`: version 1, encoding 'v1', a valid model.

    Returns `{"format", "version", "model", "encoding", "training"}` with the model validated and
    `training` (the training options, any JSON object) as written.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "config.json")
    where = os.path.dirname(path) or "."
    try:
        with open(path, "rb") as f:
            value = json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where}: config.json is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"{where}: config.json is not valid JSON ({error})") from error
    return check_config(value, where)


def check_config(value: Any, where: str = "config.json") -> dict[str, Any]:
    """Checks a parsed `config.json` object (see `read_config`) and returns its clean form."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: config.json is not a JSON object")
    if value.get("version") != CONFIG_VERSION:
        raise ConfigError(
            f"{where}: config.json is checkpoint format version {_js(value.get('version'))}; "
            f"this reads version {CONFIG_VERSION}"
        )
    if value.get("encoding") != "v1":
        raise ConfigError(f"{where}: unknown encoding {_js(value.get('encoding'))}")
    try:
        model = validate_model_config(value.get("model"))
    except ConfigError as error:
        raise ConfigError(f"{where}: config.json: {error}") from error
    training = value.get("training")
    return {
        "format": CONFIG_FORMAT,
        "version": CONFIG_VERSION,
        "model": model,
        "encoding": "v1",
        "training": training if isinstance(training, dict) else {},
    }


def full_config(config: Any, training: dict | None = None) -> dict[str, Any]:
    """A whole `config.json` dict: from a model configuration (or a preset's name), with the training
    options `training` (default none); or from a whole `config.json` dict, checked, its training
    options replaced by `training` when given."""
    if isinstance(config, dict) and "model" in config and "type" not in config:
        out = check_config(config)
    else:
        out = {"format": CONFIG_FORMAT, "version": CONFIG_VERSION, "model": model_config_of(config),
               "encoding": "v1", "training": {}}
    if training is not None:
        out["training"] = dict(training)
    return out


def pitch_encoding(config: dict) -> str:
    """'one-hot' or 'octave-class' for an ordered model; 'one-hot' for the original network."""
    return config.get("pitchEncoding", "one-hot") if config["type"] != "original-lstm" else "one-hot"


def input_features(config: Any) -> int:
    """Floats per input step: 123 (original), 125 (ordered, one-hot) or 27 (octave-class)."""
    model = model_config_of(config)
    if model["type"] == "original-lstm":
        return V1_INPUT_FEATURES
    if model["pitchEncoding"] == "one-hot":
        return ORDERED_REALS + PITCH_COUNT
    return ORDERED_REALS + OCTAVES + PITCHES_PER_OCTAVE


def weight_layout(config: Any) -> list[tuple[str, tuple[int, ...]]]:
    """Every weight's Howl name and shape, in the order Howl creates and writes them, exactly as
    `weightLayout` (src/model/checkpoint/weight-layout.ts; Keras layout, docs/safetensors.md)."""
    model = model_config_of(config)

    def dense(name: str, inputs: int, outputs: int) -> list[tuple[str, tuple[int, ...]]]:
        return [(f"{name}/kernel", (inputs, outputs)), (f"{name}/bias", (outputs,))]

    def trunk(inputs: int) -> list[tuple[str, tuple[int, ...]]]:
        H = model["units"]
        gates = 4 if model["rnn"] == "lstm" else 3
        specs = [
            ("rnn/kernel", (inputs, gates * H)),
            ("rnn/recurrent_kernel", (H, gates * H)),
            ("rnn/bias", (4 * H,) if model["rnn"] == "lstm" else (2, 3 * H)),
        ]
        for i in range(1, model["blocks"] + 1):
            specs += dense(f"dense{i}", H if i == 1 else model["denseUnits"], model["denseUnits"])
        return specs

    def heads(F: int) -> list[tuple[str, tuple[int, ...]]]:
        E = model["headUnits"]
        octave_class = model["pitchEncoding"] == "octave-class"
        P = OCTAVES if octave_class else PITCH_COUNT
        specs = [
            *dense("context", F, E),
            *dense("delay", E, TIME_BINS),
            *dense("pitch", F, P),
            *dense("pitch_delay", TIME_BINS, E),
            *dense("pitch_hidden", E, P),
        ]
        if octave_class:
            specs += [
                *dense("class", F, PITCHES_PER_OCTAVE),
                *dense("class_octave", OCTAVES, E),
                *dense("class_hidden", E, PITCHES_PER_OCTAVE),
            ]
        return specs + [
            *dense("rest_delay", TIME_BINS, E),
            *dense("rest_pitch", PITCH_COUNT, E),
            *dense("duration", E, TIME_BINS),
            *dense("velocity", E, VELOCITY_BINS),
        ]

    if model["type"] == "original-lstm":
        F = model["denseUnits"] + model["units"]
        return trunk(V1_INPUT_FEATURES) + dense("pitch", F, PITCH_COUNT) + dense("regression", F, REGRESSION_FEATURES)
    if model["type"] == "ordered-rnn":
        return trunk(input_features(model)) + heads(model["denseUnits"] + model["units"])
    d = model["modelUnits"]

    def norm(name: str) -> list[tuple[str, tuple[int, ...]]]:
        return [(f"{name}/gamma", (d,)), (f"{name}/beta", (d,))]

    specs = dense("embed", input_features(model), d)
    for layer in range(1, model["layers"] + 1):
        specs += [
            *norm(f"layer{layer}/norm1"),
            *dense(f"layer{layer}/qkv", d, 3 * d),
            *dense(f"layer{layer}/out", d, d),
            *norm(f"layer{layer}/norm2"),
            *dense(f"layer{layer}/ff1", d, model["ffUnits"]),
            *dense(f"layer{layer}/ff2", model["ffUnits"], d),
        ]
    return specs + norm("norm") + heads(d)
