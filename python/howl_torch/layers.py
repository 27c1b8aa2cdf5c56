"""Howl's dense layer in PyTorch (src/model/kernels/layers.ts): Keras's layout, `kernel` [in, out] and
`bias`, so Howl's weights load as they are; and the table that ties a module's parameters to Howl's
weight names (`Items`: name, getter in Howl's layout, setter from it)."""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

#: Keras's lecun_normal: the std of a normal truncated at ±2 std is 0.8796… of the untruncated one.
_TRUNCATED_STD = 0.8796256610342398

Getter = Callable[[], torch.Tensor]
Setter = Callable[[torch.Tensor], None]
Items = list[tuple[str, Getter, Setter]]


class Dense(nn.Module):
    """A dense layer in Howl's (Keras) layout: `y = x · kernel + bias`, kernel `[inputs, outputs]`."""

    def __init__(self, inputs: int, outputs: int, init: str = "glorot-uniform") -> None:
        super().__init__()
        self.kernel = nn.Parameter(torch.empty(inputs, outputs))
        self.bias = nn.Parameter(torch.zeros(outputs))
        self.init = init
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Howl's initialisers: Glorot-uniform, or LeCun-normal (truncated at 2 std); zero bias."""
        fan_in, fan_out = self.kernel.shape
        with torch.no_grad():
            if self.init == "lecun-normal":
                std = math.sqrt(1 / fan_in) / _TRUNCATED_STD
                nn.init.trunc_normal_(self.kernel, 0.0, std, -2 * std, 2 * std)
            else:
                limit = math.sqrt(6 / (fan_in + fan_out))
                nn.init.uniform_(self.kernel, -limit, limit)
            self.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.kernel.t(), self.bias)

    def rows(self, indices: torch.Tensor) -> torch.Tensor:
        """The layer on one-hot rows, `onehot(indices) · kernel + bias`, as a row lookup."""
        return F.embedding(indices, self.kernel) + self.bias

    def items(self, name: str) -> Items:
        return [plain(f"{name}/kernel", self.kernel), plain(f"{name}/bias", self.bias)]


def plain(name: str, param: torch.Tensor) -> tuple[str, Getter, Setter]:
    return (name, lambda: param.detach(), lambda value: param.copy_(value))
