#!/usr/bin/env python3
"""The PyTorch side of bench/train-step.js: the same training step (one recurrent layer on
[B, T, 123] inputs, mean squared error on its outputs, Adam) timed on the CPU, so Howl's layer can be
stated as a ratio to PyTorch. Needs Debian's python3-torch (`apt-get install python3-torch`).

Usage: /usr/bin/python3 bench/pytorch-lstm.py [--kind lstm|gru] [--units 192] [--batch 64] [--steps 256]
                                     [--threads 1,2] [--rounds 5]
Prints timesteps x batch per second (median of the rounds) for each thread count.
"""
import argparse
import statistics
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--kind", default="lstm", choices=["lstm", "gru"])
parser.add_argument("--units", type=int, default=192)
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--steps", type=int, default=256)
parser.add_argument("--threads", default="1,2")
parser.add_argument("--rounds", type=int, default=5)
args = parser.parse_args()

INPUT = 123
torch.manual_seed(1)
x = torch.randn(args.steps, args.batch, INPUT)
target = torch.rand(args.steps, args.batch, args.units) - 0.5
layer_type = torch.nn.LSTM if args.kind == "lstm" else torch.nn.GRU

print(f"{args.kind.upper()}-{args.units}, B={args.batch}, T={args.steps}, input {INPUT}, torch {torch.__version__}")
print("| threads | s/step | timesteps x batch/s |")
print("|---|---|---|")
for threads in [int(t) for t in args.threads.split(",")]:
    torch.set_num_threads(threads)
    layer = layer_type(INPUT, args.units)
    optimizer = torch.optim.Adam(layer.parameters(), lr=1e-3)

    def step():
        optimizer.zero_grad()
        out, _ = layer(x)
        loss = torch.mean((out - target) ** 2)
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
    print(f"| {threads} | {seconds:.3f} | {round(args.batch * args.steps / seconds):,} |")
