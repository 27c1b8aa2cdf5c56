"""Howl's networks in PyTorch, the same maths as src/model/*.ts:

- `original-lstm` (original-lstm.ts, trunk.ts): LSTM or GRU, `blocks` × [dense, SELU,
  AlphaDropout] whose output is concatenated with the recurrent output, a 120-way pitch head and a
  sigmoid × 4 regression head; loss = masked mean cross-entropy + 3 × masked mean squared error.
- `ordered-rnn` (ordered-rnn.ts): the same trunk, then the ordered heads (ordered-heads.ts):
  delay → pitch (or octave → pitch class) → duration and velocity, teacher-forced; loss = the sum of
  the masked mean cross-entropies, nats per note on Howl's grid.
- `transformer` (transformer.ts, alibi.ts): the trunk of `transformer.py`, then the ordered heads.

Dense layers (`layers.py`) keep Howl's (Keras) layout, `kernel` [in, out] and `bias`, so Howl's
weights load as they are; the recurrent layer is `nn.LSTM` / `nn.GRU` (fused kernels, cuDNN on a
GPU) and its weights are converted on the way in and out (`howl_state`, `load_howl_state`;
docs/safetensors.md). Dropout and AlphaDropout act only in training mode (`model.train()`), as in
Howl.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any, Callable, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .config import (
    OCTAVES,
    PITCH_COUNT,
    PITCHES_PER_OCTAVE,
    REGRESSION_FEATURES,
    REGRESSION_MAX,
    TIME_BINS,
    VELOCITY_BINS,
    input_features,
    model_config_of,
    weight_layout,
)
from .layers import Dense, Items
from .transformer import TransformerTrunk

#: Weight of the regression term in the original network's loss (original-lstm.ts).
REGRESSION_LOSS_WEIGHT = 3.0
class WeightError(ValueError):
    """Weights that do not fit a model: the message names the weight."""


def _gru_perm(m: torch.Tensor, H: int) -> torch.Tensor:
    """Keras GRU columns z | r | h ⇄ PyTorch's r | z | n, along the last dimension (an involution)."""
    return torch.cat([m[..., H:2 * H], m[..., :H], m[..., 2 * H:]], dim=-1)


def masked_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor,
                         count: torch.Tensor) -> torch.Tensor:
    """`Σ mask_i · (−log softmax(z_i)[t_i]) / count`, Howl's `maskedCrossEntropy`."""
    ce = F.cross_entropy(logits, targets, reduction="none")
    return (ce * mask).sum() / count


class RecurrentTrunk(nn.Module):
    """trunk.ts: the recurrent layer, then `blocks` × [Dense, SELU, AlphaDropout], whose output is
    concatenated with the recurrent output (block output first): `denseUnits + units` features."""

    def __init__(self, config: Mapping[str, Any], inputs: int) -> None:
        super().__init__()
        self.kind = config["rnn"]
        self.units = H = config["units"]
        self.dropout = float(config["dropout"])
        self.rnn = (nn.LSTM if self.kind == "lstm" else nn.GRU)(inputs, H, batch_first=True)
        if self.kind == "lstm":
            # Howl's LSTM has one bias; PyTorch's second one stays zero and untrained.
            self.rnn.bias_hh_l0.requires_grad_(False)
        self.blocks = nn.ModuleList(
            Dense(H if i == 0 else config["denseUnits"], config["denseUnits"], "lecun-normal")
            for i in range(config["blocks"])
        )
        self.features = config["denseUnits"] + H
        self.reset_recurrent()

    def reset_recurrent(self) -> None:
        """Howl's recurrent initialisation: Glorot-uniform kernel, orthogonal recurrent kernel,
        zero bias (LSTM: forget-gate bias 1)."""
        H, gates = self.units, (4 if self.kind == "lstm" else 3)
        with torch.no_grad():
            fan_in = self.rnn.weight_ih_l0.shape[1]
            limit = math.sqrt(6 / (fan_in + gates * H))
            nn.init.uniform_(self.rnn.weight_ih_l0, -limit, limit)
            recurrent = torch.empty(H, gates * H)
            nn.init.orthogonal_(recurrent)
            self.rnn.weight_hh_l0.copy_(recurrent.t())
            self.rnn.bias_ih_l0.zero_()
            self.rnn.bias_hh_l0.zero_()
            if self.kind == "lstm":
                self.rnn.bias_ih_l0[H:2 * H] = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        recurrent, _ = self.rnn(x)
        h = recurrent
        for dense in self.blocks:
            h = torch.selu(dense(h))
            if self.training and self.dropout > 0:
                h = F.alpha_dropout(h, self.dropout, True)
        return torch.cat([h, recurrent], dim=-1)

    def items(self) -> Items:
        rnn, H = self.rnn, self.units
        if self.kind == "lstm":
            def get_bias() -> torch.Tensor:
                return (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach()

            def set_bias(b: torch.Tensor) -> None:
                rnn.bias_ih_l0.copy_(b)
                rnn.bias_hh_l0.zero_()

            fix: Callable[[torch.Tensor], torch.Tensor] = lambda m: m
        else:
            def get_bias() -> torch.Tensor:
                return torch.stack([_gru_perm(rnn.bias_ih_l0.detach(), H), _gru_perm(rnn.bias_hh_l0.detach(), H)])

            def set_bias(b: torch.Tensor) -> None:
                rnn.bias_ih_l0.copy_(_gru_perm(b[0], H))
                rnn.bias_hh_l0.copy_(_gru_perm(b[1], H))

            fix = lambda m: _gru_perm(m, H)  # noqa: E731
        items: Items = [
            ("rnn/kernel", lambda: fix(rnn.weight_ih_l0.detach().t()), lambda k: rnn.weight_ih_l0.copy_(fix(k).t())),
            ("rnn/recurrent_kernel", lambda: fix(rnn.weight_hh_l0.detach().t()),
             lambda k: rnn.weight_hh_l0.copy_(fix(k).t())),
            ("rnn/bias", get_bias, set_bias),
        ]
        for i, dense in enumerate(self.blocks):
            items += dense.items(f"dense{i + 1}")
        return items


class OrderedHeads(nn.Module):
    """ordered-heads.ts: delay → pitch (or octave → pitch class) → duration and velocity on the
    grid, each given the ones before (teacher forcing)."""

    def __init__(self, features: int, head_units: int, pitch_encoding: str) -> None:
        super().__init__()
        Fw, E = features, head_units
        self.octave_class = pitch_encoding == "octave-class"
        P = OCTAVES if self.octave_class else PITCH_COUNT
        self.context = Dense(Fw, E, "lecun-normal")
        self.delay = Dense(E, TIME_BINS)
        self.pitch = Dense(Fw, P)
        self.pitch_delay = Dense(TIME_BINS, E)
        self.pitch_hidden = Dense(E, P)
        if self.octave_class:
            self.class_head = Dense(Fw, PITCHES_PER_OCTAVE)
            self.class_octave = Dense(OCTAVES, E)
            self.class_hidden = Dense(E, PITCHES_PER_OCTAVE)
        self.rest_delay = Dense(TIME_BINS, E)
        self.rest_pitch = Dense(PITCH_COUNT, E)
        self.duration = Dense(E, TIME_BINS)
        self.velocity = Dense(E, VELOCITY_BINS)

    def losses(self, f: torch.Tensor, batch: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The four masked mean cross-entropies (nats per note) on `[B, T, F]` features."""
        f = f.reshape(-1, f.shape[-1])
        flat = lambda key: batch[key].reshape(-1)  # noqa: E731
        mask = batch["mask"].reshape(-1).to(f.dtype)
        count = mask.sum().clamp(min=1)
        delay, pitch = flat("delay"), flat("pitch")
        a = self.context(f)
        hp = torch.selu(a + self.pitch_delay.rows(delay))
        pitch_logits = self.pitch(f) + self.pitch_hidden(hp)
        if self.octave_class:
            octave = flat("octave")
            hc = torch.selu(hp + self.class_octave.rows(octave))
            class_logits = self.class_head(f) + self.class_hidden(hc)
            pitch_loss = masked_cross_entropy(pitch_logits, octave, mask, count) + masked_cross_entropy(
                class_logits, flat("pitch_class"), mask, count)
        else:
            pitch_loss = masked_cross_entropy(pitch_logits, pitch, mask, count)
        r = torch.selu(a + self.rest_delay.rows(delay) + self.rest_pitch.rows(pitch))
        return {
            "delay": masked_cross_entropy(self.delay(torch.selu(a)), delay, mask, count),
            "pitch": pitch_loss,
            "duration": masked_cross_entropy(self.duration(r), flat("duration"), mask, count),
            "velocity": masked_cross_entropy(self.velocity(r), flat("velocity"), mask, count),
        }

    def items(self) -> Items:
        items = (self.context.items("context") + self.delay.items("delay") + self.pitch.items("pitch")
                 + self.pitch_delay.items("pitch_delay") + self.pitch_hidden.items("pitch_hidden"))
        if self.octave_class:
            items += (self.class_head.items("class") + self.class_octave.items("class_octave")
                      + self.class_hidden.items("class_hidden"))
        return items + (self.rest_delay.items("rest_delay") + self.rest_pitch.items("rest_pitch")
                        + self.duration.items("duration") + self.velocity.items("velocity"))


class HowlModel(nn.Module):
    """A Howl network. `model(batch)` is the training loss (so `DistributedDataParallel(model)(batch)`
    works); `loss`, `loss_terms` and `loss_and_terms` name it. Weights in Howl's names and layout:
    `howl_state()`, `load_howl_state(weights)`."""

    config: dict[str, Any]

    def _items(self) -> Items:
        raise NotImplementedError

    def _losses(self, batch: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        raise NotImplementedError

    def _on_device(self, batch: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        device = next(self.parameters()).device
        return {k: (v if k == "tokens" or v.device == device else v.to(device)) for k, v in batch.items()}

    def forward(self, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The loss of a batch from `make_batch` (a scalar); the terms are kept in `last_terms`."""
        total, terms = self._losses(self._on_device(batch))
        self.last_terms = {k: v.detach() for k, v in terms.items()}
        return total

    def loss(self, batch: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Howl's training loss of a batch (`model.loss(batch).total`), a differentiable scalar: the
        masked mean over real steps. Ordered networks: nats per note on the grid; the original:
        cross-entropy + 3 × squared error. Dropout acts only in training mode."""
        return self(batch)

    def loss_terms(self, batch: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Howl's named parts of the loss (`model.loss(batch).parts`), scalars summing to the loss
        (with the regression weighted by 3 for the original): ordered networks `delay`, `pitch`,
        `duration`, `velocity` (nats per note; octave-class's `pitch` = octave + class), the original
        `pitch` (nats per note) and `regression` (mean squared error)."""
        return self.loss_and_terms(batch)[1]

    def loss_and_terms(self, batch: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """`(loss, terms)` in one pass."""
        return self._losses(self._on_device(batch))

    def howl_state(self) -> "OrderedDict[str, torch.Tensor]":
        """Every weight under its Howl name, in Howl's layout and order (`weight_layout`), as
        contiguous float32 CPU tensors (copies)."""
        items = {name: get for name, get, _ in self._items()}
        out: OrderedDict[str, torch.Tensor] = OrderedDict()
        for name, shape in weight_layout(self.config):
            value = items[name]().to("cpu", torch.float32).contiguous().clone()
            assert tuple(value.shape) == shape, (name, value.shape, shape)
            out[name] = value
        return out

    def load_howl_state(self, weights: Mapping[str, Any]) -> None:
        """Sets every weight from Howl's names and layout (arrays or tensors, float32 or wider).
        Raises WeightError for a weight that is missing, misshapen or not of this model."""
        layout = weight_layout(self.config)
        kind = f"the '{self.config['type']}' model"
        known = {name for name, _ in layout}
        extra = [name for name in weights if name not in known]
        if extra:
            raise WeightError(f"unexpected tensor{'s' if len(extra) > 1 else ''} "
                              f"{', '.join(repr(n) for n in extra)} (not weights of {kind})")
        setters = {name: put for name, _, put in self._items()}
        with torch.no_grad():
            for name, shape in layout:
                if name not in weights:
                    raise WeightError(f"no tensor '{name}' ({kind} needs one of shape {list(shape)})")
                value = torch.as_tensor(np.asarray(weights[name]) if not torch.is_tensor(weights[name])
                                        else weights[name])
                if tuple(value.shape) != shape:
                    raise WeightError(f"tensor '{name}' has shape {list(value.shape)}; {kind} needs {list(shape)}")
                device = next(self.parameters()).device
                setters[name](value.to(device=device, dtype=torch.float32))


class OriginalLstm(HowlModel):
    """original-lstm.ts: the trunk, a 120-way pitch head and a sigmoid × 4 regression head."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__()
        self.config = dict(config)
        self.trunk = RecurrentTrunk(config, input_features(config))
        self.pitch = Dense(self.trunk.features, PITCH_COUNT)
        self.regression = Dense(self.trunk.features, REGRESSION_FEATURES)

    def outputs(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Next-pitch logits `[B, T, 120]` and next (delay, duration, volume) `[B, T, 3]` in (0, 4)."""
        f = self.trunk(inputs)
        return self.pitch(f), torch.sigmoid(self.regression(f)) * REGRESSION_MAX

    def _losses(self, batch: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        logits, predicted = self.outputs(batch["inputs"])
        mask = batch["mask"].reshape(-1).to(logits.dtype)
        count = mask.sum().clamp(min=1)
        ce = masked_cross_entropy(logits.reshape(-1, PITCH_COUNT), batch["pitch"].reshape(-1), mask, count)
        squared = torch.mean((predicted - batch["regression"]) ** 2, dim=2).reshape(-1)
        mse = (squared * mask).sum() / count
        return ce + REGRESSION_LOSS_WEIGHT * mse, {"pitch": ce, "regression": mse}

    def _items(self) -> Items:
        return self.trunk.items() + self.pitch.items("pitch") + self.regression.items("regression")


class OrderedModel(HowlModel):
    """ordered-rnn.ts and transformer.ts: a trunk (recurrent or transformer), then the ordered heads."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__()
        self.config = dict(config)
        inputs = input_features(config)
        self.trunk: nn.Module = (RecurrentTrunk(config, inputs) if config["type"] == "ordered-rnn"
                                 else TransformerTrunk(config, inputs))
        self.heads = OrderedHeads(self.trunk.features, config["headUnits"], config["pitchEncoding"])

    def features(self, inputs: torch.Tensor) -> torch.Tensor:
        """The trunk's features `[B, T, F]` the heads read."""
        return self.trunk(inputs)

    def _losses(self, batch: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        terms = self.heads.losses(self.trunk(batch["inputs"]), batch)
        total = terms["delay"] + terms["pitch"] + terms["duration"] + terms["velocity"]
        return total, terms

    def _items(self) -> Items:
        return self.trunk.items() + self.heads.items()


def build_model(config: dict, seed: int | None = None) -> torch.nn.Module:
    """Builds a Howl network in PyTorch from its configuration, with fresh weights initialised as
    Howl does (Glorot-uniform, LeCun-normal for the SELU layers and the heads' context, orthogonal
    recurrent kernels, zero biases, LSTM forget-gate bias 1; not Howl's random numbers).

    Args:
        config: the model configuration (`config.json`'s `model`), a whole config.json dict, or a
            preset's name (`'ordered-lstm'`, …).
        seed: seeds the initial weights (PyTorch's generator, restored afterwards); default: the
            current global generator.

    Returns:
        a `HowlModel` (an `nn.Module`): `model.loss(batch)`, `model.loss_terms(batch)`,
        `model(batch)` (= the loss), `model.howl_state()`, `model.load_howl_state(weights)`,
        `model.config` (the validated model configuration). It starts in training mode, as any
        `nn.Module`: call `model.eval()` for Howl's evaluation loss (no dropout).
    """
    model_config = model_config_of(config)
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        if model_config["type"] == "original-lstm":
            return OriginalLstm(model_config)
        return OrderedModel(model_config)
