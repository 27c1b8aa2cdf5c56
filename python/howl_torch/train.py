"""``python -m howl_torch.train``: trains a Howl network on a Howl dataset with PyTorch, in one
process or data-parallel under ``torchrun``, and writes a run folder that ``howl generate --model``,
``howl eval``, ``howl serve`` and the web page read (docs/scale.md).

    python3 -m howl_torch.train --data data/piano.howl --arch ordered-lstm --steps 2000 --out runs/torch
    torchrun --nproc_per_node 2 -m howl_torch.train --data data/piano.howl --steps 2000 --out runs/torch2
    python3 -m howl_torch.train --out runs/torch --resume --steps 4000

The options, defaults and schedule are ``howl train``'s (src/cli/commands/train*.ts,
src/train/train-options.ts). ``--batch`` is the crops of a whole step, split over the processes, so
a run means the same on 1 process or 64.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import Any, Optional

import torch

from .config import ConfigError, model_config_of, preset_config
from .dataset import DatasetFormatError, read_dataset
from .distributed import World, start_world
from .models import build_model
from .run_folder import holds_run, load_trainer_state, recorded_dataset, truncate_metrics, write_run_record
from .schedule import format_duration, parse_duration
from .trainer import Trainer, catch_signals

DEFAULT_PRESET = "ordered-lstm"
DEFAULT_CHECKPOINT_SECONDS = 600
#: Options a resumed run keeps from its checkpoint (the flags that set them are refused).
FIXED_ON_RESUME = (
    "arch", "config", "batch", "length", "lr", "seed", "warmup",
    "augment", "time_scale", "source_weight", "schedule", "clip", "crop_streams",
)


class UsageError(Exception):
    """A bad option or input: one line, exit status 1."""


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python3 -m howl_torch.train",
        description="Train a Howl network with PyTorch (one process, or torchrun's); writes a run folder "
        "that `howl generate --model DIR` reads.",
    )
    p.add_argument("--data", help="a .howl dataset, or a folder of Parquet tables from howl export-data (pyarrow)")
    p.add_argument("--out", required=True, help="run folder: checkpoint/, best/, metrics.jsonl, run.json")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    p.add_argument("--arch", help=f"a preset of src/model/config.ts (default {DEFAULT_PRESET})")
    p.add_argument("--config", help="a config.json (Howl's) or a JSON model configuration, instead of --arch")
    p.add_argument("--steps", type=int, help="stop after this many steps in all")
    p.add_argument("--epochs", type=float, help="stop after this many rounds of 4 crops per training song")
    p.add_argument("--time", help="stop after this much training time in all: 90s, 30m, 12h (default 12h)")
    p.add_argument("--batch", type=int, help="crops per step, over all processes (default 32; 64 for original-lstm)")
    p.add_argument("--length", type=int, help="notes per crop (default 256; 768 for original-lstm)")
    p.add_argument("--lr", type=float, help="peak learning rate (default 1e-3)")
    p.add_argument("--seed", type=int, help="seed of crops, augmentation, dropout and initial weights (default 1)")
    p.add_argument("--warmup", type=int, help="learning-rate warm-up steps (default 20, at most a tenth of the steps)")
    p.add_argument("--schedule", choices=("auto", "constant", "cosine"), help="default auto: cosine with a step limit")
    p.add_argument("--clip", type=float, help="global gradient-norm limit (default 1; 0: none)")
    p.add_argument("--augment", choices=("v1", "performance", "none"), help="default v1, the original's")
    p.add_argument("--time-scale", help="range of the augmentation's tempo factor, e.g. 0.8,1.25 (default 0.5,2)")
    p.add_argument("--source-weight", help="share of crops per source tag, e.g. asap=1,piano-midi-de=1")
    p.add_argument("--val-every", type=int, help="validate every this many steps (default 200; 0: at the end)")
    p.add_argument("--val-crops", type=int, help="fixed validation crops (default 2 × batch)")
    p.add_argument("--patience", type=int, help="stop after this many validations without a new best")
    p.add_argument("--checkpoint-every", help="checkpoint interval in training time (default 10m)")
    p.add_argument("--checkpoint-every-steps", type=int, help="also checkpoint every this many steps")
    p.add_argument(
        "--crop-streams",
        choices=("per-rank", "shared"),
        help="per-rank (default): each process draws its crops from its own generator; shared: every process "
        "draws the whole step's crops from one and keeps its share, so the crops do not depend on the process count",
    )
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="default: cuda when available")
    p.add_argument("--dist-backend", default="auto", help="auto (nccl on GPUs, gloo on CPUs), gloo or nccl")
    p.add_argument("--threads", type=int, help="PyTorch CPU threads per process (torchrun sets 1 per process)")
    p.add_argument("--no-verify", action="store_true", help="skip the .howl file's checksum (about 1 s per 10 MB)")
    p.add_argument("--log-every", type=float, default=30.0, help="seconds between progress lines (default 30)")
    return p.parse_args(argv)


def _positive(value: Any, name: str, allow_zero: bool = False) -> None:
    if value is not None and not (value >= 0 if allow_zero else value >= 1):
        raise UsageError(f"{name} {value} is not a whole number {'>= 0' if allow_zero else '>= 1'}")


def _source_weights(text: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for part in text.split(","):
        tag, _, value = part.rpartition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if not tag.strip() or value.strip() == "" or not weight >= 0:
            raise UsageError(f'--source-weight: "{part}" is not TAG=WEIGHT with a weight >= 0')
        weights[tag.strip()] = weight
    return weights


def _time_scale(text: str) -> list[float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        low, high = math.nan, math.nan
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low <= high):
        raise UsageError(f'--time-scale: "{text}" is not LOW,HIGH with 0 < LOW <= HIGH, e.g. 0.8,1.25')
    return [low, high]


def limits_and_intervals(args: argparse.Namespace) -> dict[str, Any]:
    """The options a resumed run may change (each replaces the saved one only when given)."""
    _positive(args.steps, "--steps")
    _positive(args.val_every, "--val-every", allow_zero=True)
    _positive(args.val_crops, "--val-crops", allow_zero=True)
    _positive(args.patience, "--patience")
    _positive(args.checkpoint_every_steps, "--checkpoint-every-steps")
    if args.epochs is not None and not args.epochs > 0:
        raise UsageError(f"--epochs {args.epochs} is not a positive number")
    try:
        given = {
            "steps": args.steps,
            "epochs": args.epochs,
            "timeSeconds": None if args.time is None else parse_duration(args.time),
            "checkpointEverySeconds": None if args.checkpoint_every is None else parse_duration(args.checkpoint_every),
            "checkpointEverySteps": args.checkpoint_every_steps,
            "validateEvery": args.val_every,
            "validationCrops": args.val_crops,
            "patience": args.patience,
        }
    except ValueError as error:
        raise UsageError(str(error)) from error
    return {k: v for k, v in given.items() if v is not None}


def _has_limit(options: dict[str, Any]) -> bool:
    return any(options.get(k) is not None for k in ("steps", "epochs", "timeSeconds"))


def new_run_options(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(model configuration, training options)`` of a new run, with Howl's defaults."""
    if args.arch is not None and args.config is not None:
        raise UsageError("give --arch or --config, not both")
    try:
        if args.config is not None:
            import json  # noqa: PLC0415

            with open(args.config, encoding="utf-8") as f:
                model_config = model_config_of(json.load(f))
        else:
            model_config = preset_config(args.arch or DEFAULT_PRESET)
    except (OSError, ValueError, ConfigError) as error:
        raise UsageError(f"{args.config or args.arch}: {error}") from error
    original = model_config["type"] == "original-lstm"
    batch = args.batch if args.batch is not None else (64 if original else 32)
    length = args.length if args.length is not None else (768 if original else 256)
    _positive(batch, "--batch")
    if length < 2:
        raise UsageError(f"--length {length} is not a whole number >= 2")
    _positive(args.warmup, "--warmup", allow_zero=True)
    if args.lr is not None and not args.lr > 0:
        raise UsageError(f"--lr {args.lr} is not a positive number")
    if args.clip is not None and not args.clip >= 0:
        raise UsageError(f"--clip {args.clip} is not a number >= 0")
    overrides = limits_and_intervals(args)
    options: dict[str, Any] = {
        "batchSize": batch,
        "length": length,
        "lr": 1e-3 if args.lr is None else args.lr,
        "schedule": args.schedule or "auto",
        "warmupSteps": 20 if args.warmup is None else args.warmup,
        "clipNorm": 1.0 if args.clip is None else args.clip,
        "seed": 1 if args.seed is None else args.seed,
        "augment": {"v1": True, "performance": "performance", "none": False}[args.augment or "v1"],
        "validateEvery": 200,
        "validationCrops": 2 * batch,
        "checkpointEverySeconds": DEFAULT_CHECKPOINT_SECONDS,
        "maxFailures": 5,
        "cropStreams": args.crop_streams or "per-rank",
        **({} if _has_limit(overrides) else {"timeSeconds": 12 * 3600.0}),
        **overrides,
    }
    if args.time_scale is not None:
        options["timeScale"] = _time_scale(args.time_scale)
    if args.source_weight is not None:
        options["sourceWeights"] = _source_weights(args.source_weight)
    if options["schedule"] == "cosine" and options.get("steps") is None and options.get("epochs") is None:
        raise UsageError("a cosine schedule needs --steps or --epochs")
    return model_config, options


def resumed_options(args: argparse.Namespace, saved: dict[str, Any]) -> dict[str, Any]:
    conflicting = [k for k in FIXED_ON_RESUME if getattr(args, k) is not None]
    if conflicting:
        flags = ", ".join("--" + k.replace("_", "-") for k in conflicting)
        raise UsageError(f"--resume continues a run with its own settings; it cannot be combined with {flags}")
    overrides = limits_and_intervals(args)
    options = dict(saved)
    if _has_limit(overrides):  # new limits replace all the saved ones
        for key in ("steps", "epochs", "timeSeconds"):
            options.pop(key, None)
    options.update(overrides)
    return options


def already_done(options: dict[str, Any], progress: dict[str, Any], out: str) -> Optional[str]:
    """The line saying a resumed run is at its limit, naming the flag that extends it."""
    step = progress["step"]
    again = f"python3 -m howl_torch.train --out {out} --resume"
    at = f"{out} has already trained {step} steps"
    if options.get("steps") is not None and step >= options["steps"]:
        return (
            f"{at} (its limit: --steps {options['steps']}); to train on, give a higher total, "
            f"e.g. {again} --steps {2 * step}"
        )
    if options.get("timeSeconds") is not None and progress["elapsedSeconds"] >= options["timeSeconds"]:
        return (
            f"{at} in {format_duration(progress['elapsedSeconds'])} (its limit: --time "
            f"{format_duration(options['timeSeconds'])}); to train on, give a longer total, e.g. {again} --time "
            f"{format_duration(2 * progress['elapsedSeconds'])}"
        )
    return None


def _setup(args: argparse.Namespace, world: World) -> tuple[Any, Any, dict[str, Any], Optional[dict[str, Any]], str]:
    """Everything before training, on every rank: options, dataset, model, the checkpoint resumed."""
    resume: Optional[dict[str, Any]] = None
    if args.resume:
        try:
            _, resume = load_trainer_state(args.out)
        except (FileNotFoundError, ValueError) as error:
            raise UsageError(str(error)) from error
        model_config = resume["model"]
        options = resumed_options(args, resume["options"])
        data = args.data or recorded_dataset(args.out)
        if data is None:
            raise UsageError(f"{args.out} does not record its dataset; name it with --data")
    else:
        if args.data is None:
            raise UsageError("give the dataset to train on (--data DATA.howl), or --resume to continue --out's run")
        if holds_run(args.out):
            raise UsageError(
                f"{args.out} already holds a training run; continue it with --resume, or choose another --out"
            )
        model_config, options = new_run_options(args)
        data = args.data
    try:
        dataset = read_dataset(data, verify_checksum=world.is_main and not args.no_verify)
    except OSError as error:
        raise UsageError(f"{data}: {error.strerror or error}") from error
    except DatasetFormatError as error:
        raise UsageError(str(error)) from error
    if dataset.totals["trainFiles"] == 0:
        raise UsageError(f"{data} has no training files")
    identity = dataset.identity()
    trained_on = options.get("dataset")
    if trained_on is not None and trained_on.get("fingerprint") != identity["fingerprint"]:
        raise UsageError(
            f"{data} is not the data this run trained on (fingerprint {trained_on.get('fingerprint')}, this one "
            f"{identity['fingerprint']}); resume with that dataset, or start a new run"
        )
    options["dataset"] = identity
    if options["batchSize"] < world.size:
        raise UsageError(
            f"--batch {options['batchSize']} is smaller than the {world.size} processes; each needs a crop"
        )
    model = build_model(model_config, seed=options["seed"])
    return dataset, model, options, resume, data


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    try:
        world = start_world(args.device, args.dist_backend)
    except ValueError as error:
        print(f"howl_torch.train: {error}", file=sys.stderr)
        return 1

    def say(line: str) -> None:
        print(line, flush=True)

    failure: Optional[str] = None
    try:
        dataset, model, options, resume, data = _setup(args, world)
        model_config = model.config
    except (UsageError, ValueError) as error:
        failure = str(error)
    except Exception as error:  # noqa: BLE001 (every rank must reach the exchange below)
        failure = f"{type(error).__name__}: {error}"
    # Every rank learns whether any failed, so none waits for a collective that will not come;
    # rank 0 says the first reason (the ranks usually fail alike).
    failures = world.gather(failure)
    failed = [(rank, reason) for rank, reason in enumerate(failures) if reason]
    if failed:
        if world.is_main:
            rank, reason = failed[0]
            print(f"howl_torch.train: {reason}" + (f" (process {rank})" if rank else ""), file=sys.stderr)
        world.close()
        return 1
    if resume is not None:
        done = already_done(options, resume["progress"], args.out)
        if done is not None:
            if world.is_main:
                say(done)
            world.close()
            return 0
    if world.is_main:
        os.makedirs(args.out, exist_ok=True)
        write_run_record(args.out, data, f"torch-{world.device.type}")
        if resume is not None:
            truncate_metrics(args.out, resume["progress"]["step"])
    if world.distributed:
        world.sum([0])  # the run folder exists before any rank opens it
    trainer = Trainer(world, dataset, model, options, args.out, resume, say, args.log_every)
    catch_signals(trainer)
    if world.is_main:
        say(
            f"{'resuming' if resume else 'training'} {model_config['type']} on "
            f"{dataset.totals['trainFiles']} training files, {dataset.totals['validationFiles']} validation files; "
            f"batch {options['batchSize']} × {options['length']} notes "
            f"on {world.size} process{'es' if world.size > 1 else ''} ({world.device.type}"
            f"{', ' + world.backend if world.backend else ''}); run folder {args.out}"
            + (f"; from step {resume['progress']['step']}" if resume else "")
        )
    trainer.event("resumed" if resume else "started")
    try:
        reason, message = trainer.run()
        trainer.event(f"{reason}: {message}")
    finally:
        trainer.close()
        world.close()
    if reason == "diverged":
        print(f"howl_torch.train: training diverged: {message}", file=sys.stderr)
        return 1
    if reason == "stopped":
        import signal  # noqa: PLC0415

        interrupted = trainer.stop_signal == signal.SIGINT
        print(
            f"howl_torch.train: {'interrupted' if interrupted else 'terminated'} at step {trainer.progress['step']}; "
            f"checkpoint saved; continue with: python3 -m howl_torch.train --out {args.out} --resume",
            file=sys.stderr,
        )
        return 130 if interrupted else 143
    if world.is_main:
        best = trainer.progress["best"]
        say(
            f"done ({message}); checkpoint in {os.path.join(args.out, 'checkpoint')}"
            + (
                f", best validation loss {best['loss']:.4f} at step {best['step']} in {os.path.join(args.out, 'best')}"
                if best
                else ""
            )
            + f"; howl generate --model {args.out}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
