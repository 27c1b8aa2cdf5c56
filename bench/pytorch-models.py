#!/usr/bin/env python3
"""The PyTorch side of bench/train-native.js: Howl's architectures written in plain PyTorch with the
same layer sizes, inputs, heads and losses, timed for one training step (forward, backward, Adam) on
the CPU. Used only as a yardstick of speed: the weights are not Howl's.

  original-lstm networks (lstm-192, lstm-416, gru-512): input 123 (docs/original-system.md §5),
    recurrent layer, three 256-wide Linear + SELU + AlphaDropout(0.01) blocks joined to the recurrent
    output, a 120-way softmax head and a 3-wide sigmoid×4 regression head; loss CE + 3·MSE.
  ordered-lstm: input 125 (5 reals + one-hot pitch), the same trunk, and the ordered heads of
    src/model/ordered-heads.ts (context 128; delay 401, pitch 120, duration 401, velocity 32; the
    teacher-forced bins enter through embeddings, which is what a one-hot times a matrix is).
  ordered-transformer: input 125 → 128, 2 pre-norm layers (4 heads, causal attention with ALiBi
    slopes, ReLU feed-forward 512), final norm, the same ordered heads.

Needs Debian's python3-torch; for a fair figure also libopenblas0-pthread (PyTorch on Debian uses
libblas.so.3, the reference BLAS, without it).

Usage: /usr/bin/python3 bench/pytorch-models.py --arch lstm-192 [--batch 64] [--length 256]
                                                [--rounds 3] [--threads 1]
Prints one JSON line: {"arch", "threads", "seconds", "rate", "peak_rss_mb"}.
"""
import argparse
import json
import math
import resource
import statistics
import time

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--arch", required=True)
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--length", type=int, default=256)
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)

TIME_BINS, VELOCITY_BINS, PITCHES = 401, 32, 120


class Trunk(nn.Module):
    def __init__(self, inputs, rnn, units, dense=256, blocks=3):
        super().__init__()
        self.rnn = (nn.LSTM if rnn == "lstm" else nn.GRU)(inputs, units, batch_first=True)
        layers, width = [], units
        for _ in range(blocks):
            layers += [nn.Linear(width, dense), nn.SELU(), nn.AlphaDropout(0.01)]
            width = dense
        self.block = nn.Sequential(*layers)
        self.features = units + dense

    def forward(self, x):
        r, _ = self.rnn(x)
        return torch.cat([self.block(r), r], -1)


class OriginalLstm(nn.Module):
    def __init__(self, rnn, units):
        super().__init__()
        self.trunk = Trunk(123, rnn, units)
        self.pitch = nn.Linear(self.trunk.features, PITCHES)
        self.regression = nn.Linear(self.trunk.features, 3)

    def loss(self, batch):
        f = self.trunk(batch["x"])
        ce = nn.functional.cross_entropy(self.pitch(f).reshape(-1, PITCHES), batch["pitch"].reshape(-1))
        reg = torch.sigmoid(self.regression(f)) * 4
        return ce + 3 * torch.mean((reg - batch["reg"]) ** 2)


class OrderedHeads(nn.Module):
    def __init__(self, F, E=128):
        super().__init__()
        self.context = nn.Linear(F, E)
        self.delay = nn.Linear(E, TIME_BINS)
        self.pitch = nn.Linear(F, PITCHES)
        self.pitch_delay = nn.Embedding(TIME_BINS, E)
        self.pitch_hidden = nn.Linear(E, PITCHES)
        self.rest_delay = nn.Embedding(TIME_BINS, E)
        self.rest_pitch = nn.Embedding(PITCHES, E)
        self.duration = nn.Linear(E, TIME_BINS)
        self.velocity = nn.Linear(E, VELOCITY_BINS)

    def loss(self, f, b):
        f = f.reshape(-1, f.shape[-1])
        a = self.context(f)
        ce = nn.functional.cross_entropy
        delay = ce(self.delay(torch.selu(a)), b["delay"])
        pitch_logits = self.pitch(f) + self.pitch_hidden(torch.selu(a + self.pitch_delay(b["delay"])))
        pitch = ce(pitch_logits, b["pitch"])
        r = torch.selu(a + self.rest_delay(b["delay"]) + self.rest_pitch(b["pitch"]))
        return delay + pitch + ce(self.duration(r), b["duration"]) + ce(self.velocity(r), b["velocity"])


class OrderedRnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = Trunk(125, "lstm", 192)
        self.heads = OrderedHeads(self.trunk.features)

    def loss(self, batch):
        return self.heads.loss(self.trunk(batch["x"]), batch)


class Transformer(nn.Module):
    def __init__(self, layers=2, d=128, heads=4, ff=512, T=256):
        super().__init__()
        self.heads_n = heads
        self.embed = nn.Linear(125, d)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            self.layers.append(
                nn.ModuleDict(
                    {
                        "norm1": nn.LayerNorm(d),
                        "qkv": nn.Linear(d, 3 * d),
                        "out": nn.Linear(d, d),
                        "norm2": nn.LayerNorm(d),
                        "ff1": nn.Linear(d, ff),
                        "ff2": nn.Linear(ff, d),
                    }
                )
            )
        self.norm = nn.LayerNorm(d)
        slopes = torch.tensor([2 ** (-8 * (h + 1) / heads) for h in range(heads)])
        i = torch.arange(T)
        distance = (i[:, None] - i[None, :]).float()
        bias = -slopes[:, None, None] * distance
        self.register_buffer("bias", bias.masked_fill(distance < 0, -1e9))
        self.out_heads = OrderedHeads(d)

    def loss(self, batch):
        x = self.embed(batch["x"])
        B, T, d = x.shape
        H = self.heads_n
        for layer in self.layers:
            q, k, v = layer["qkv"](layer["norm1"](x)).split(d, -1)
            split = lambda t: t.reshape(B, T, H, d // H).transpose(1, 2)
            scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(d // H) + self.bias[:, :T, :T]
            attended = (scores.softmax(-1) @ split(v)).transpose(1, 2).reshape(B, T, d)
            x = x + layer["out"](attended)
            x = x + layer["ff2"](torch.relu(layer["ff1"](layer["norm2"](x))))
        return self.out_heads.loss(self.norm(x), batch)


def make(arch):
    if arch in ("lstm-192", "original-lstm"):
        return OriginalLstm("lstm", 192)
    if arch == "lstm-416":
        return OriginalLstm("lstm", 416)
    if arch == "gru-512":
        return OriginalLstm("gru", 512)
    if arch == "ordered-lstm":
        return OrderedRnn()
    if arch == "ordered-transformer":
        return Transformer(T=args.length)
    raise SystemExit(f"unknown arch {arch}")


B, T = args.batch, args.length
model = make(args.arch)
ordered = args.arch.startswith("ordered")
batch = {
    "x": torch.randn(B, T, 125 if ordered else 123),
    "pitch": torch.randint(0, PITCHES, (B, T)).reshape(-1),
    "reg": torch.rand(B, T, 3) * 2,
    "delay": torch.randint(0, TIME_BINS, (B * T,)),
    "duration": torch.randint(0, TIME_BINS, (B * T,)),
    "velocity": torch.randint(0, VELOCITY_BINS, (B * T,)),
}
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def step():
    optimizer.zero_grad()
    loss = model.loss(batch)
    loss.backward()
    optimizer.step()
    return loss.item()


step()  # warm-up
times = []
for _ in range(args.rounds):
    start = time.perf_counter()
    step()
    times.append(time.perf_counter() - start)
seconds = statistics.median(times)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"arch": args.arch, "threads": args.threads, "seconds": seconds, "rate": B * T / seconds, "peak_rss_mb": round(peak)}))
