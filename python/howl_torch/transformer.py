"""The transformer's trunk in PyTorch (src/model/transformer.ts, alibi.ts): `[B, T, I]` ordered inputs
embedded to `modelUnits`, pre-norm blocks of causal multi-head attention with ALiBi's distance
penalty and a window, and a ReLU feed-forward, then a final layer norm. `models.py` puts the ordered
heads on it."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .layers import Dense, Items, plain

#: Layer norm's variance floor (alibi.ts).
NORM_EPSILON = 1e-5
#: Added to the attention scores of keys a note may not see (transformer.ts).
MASKED = -1e9


def _norm_items(name: str, norm: nn.LayerNorm) -> Items:
    return [plain(f"{name}/gamma", norm.weight), plain(f"{name}/beta", norm.bias)]


def alibi_slopes(heads: int) -> list[float]:
    """ALiBi's slope of each head, 2^(−8(h+1)/heads) (alibi.ts)."""
    return [2 ** ((-8 * (h + 1)) / heads) for h in range(heads)]


def attention_bias(heads: int, T: int, window: int) -> torch.Tensor:
    """`[heads, T, T]` float32: −slope_h · (i − j) where 0 ≤ i − j < window, −1e9 elsewhere; the
    values Howl computes in float64 and stores as float32 (transformer.ts `attentionBias`)."""
    i = np.arange(T)
    distance = (i[:, None] - i[None, :]).astype(np.float64)
    slopes = np.asarray(alibi_slopes(heads), dtype=np.float64)
    bias = -slopes[:, None, None] * distance[None]
    visible = (distance >= 0) & (distance < window)
    bias = np.where(visible[None], bias, MASKED).astype(np.float32)
    return torch.from_numpy(bias)


class TransformerBlock(nn.Module):
    """One pre-norm block: `x += out(attention(norm1(x)))`, `x += ff2(relu(ff1(norm2(x))))`."""

    def __init__(self, d: int, ff: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d, eps=NORM_EPSILON)
        self.qkv = Dense(d, 3 * d)
        self.out = Dense(d, d)
        self.norm2 = nn.LayerNorm(d, eps=NORM_EPSILON)
        self.ff1 = Dense(d, ff)
        self.ff2 = Dense(ff, d)


class TransformerTrunk(nn.Module):
    """transformer.ts's trunk: `[B, T, I]` ordered inputs to `[B, T, modelUnits]` features."""

    def __init__(self, config: Mapping[str, Any], inputs: int) -> None:
        super().__init__()
        self.d = d = config["modelUnits"]
        self.heads = config["heads"]
        self.window = config["window"]
        self.dropout = float(config["dropout"])
        self.embed = Dense(inputs, d)
        self.layers = nn.ModuleList(TransformerBlock(d, config["ffUnits"]) for _ in range(config["layers"]))
        self.norm = nn.LayerNorm(d, eps=NORM_EPSILON)
        self.features = d
        self._bias: dict[tuple[int, str, torch.dtype], torch.Tensor] = {}

    def bias(self, T: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
        key = (T, str(device), dtype)
        if key not in self._bias:
            if len(self._bias) > 8:
                self._bias.clear()
            self._bias[key] = attention_bias(self.heads, T, self.window).to(device=device, dtype=dtype)
        return self._bias[key]

    def _drop(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(x, self.dropout, True) if self.training and self.dropout > 0 else x

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        B, T, _ = inputs.shape
        d, H = self.d, self.heads
        dh = d // H
        bias = self.bias(T, inputs.device, inputs.dtype)
        scale = 1 / math.sqrt(dh)

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(B, T, H, dh).transpose(1, 2)

        x = self.embed(inputs)
        for block in self.layers:
            q, k, v = block.qkv(block.norm1(x)).split(d, dim=-1)
            scores = torch.matmul(split(q), split(k).transpose(-1, -2)) * scale + bias
            heads = torch.matmul(torch.softmax(scores, dim=-1), split(v)).transpose(1, 2).reshape(B, T, d)
            x = x + self._drop(block.out(heads))
            x = x + self._drop(block.ff2(torch.relu(block.ff1(block.norm2(x)))))
        return self.norm(x)

    def items(self) -> _Items:
        items = self.embed.items("embed")
        for i, block in enumerate(self.layers):
            name = f"layer{i + 1}"
            items += _norm_items(f"{name}/norm1", block.norm1)
            items += block.qkv.items(f"{name}/qkv") + block.out.items(f"{name}/out")
            items += _norm_items(f"{name}/norm2", block.norm2)
            items += block.ff1.items(f"{name}/ff1") + block.ff2.items(f"{name}/ff2")
        return items + _norm_items("norm", self.norm)
