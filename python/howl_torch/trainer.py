"""The training loop of ``python -m howl_torch.train`` (the command line is ``train.py``): Howl's
trainer (src/train/trainer.ts) on PyTorch, in one process or data-parallel over ``torchrun``'s.

Every step: ``batchSize`` crops split over the ranks (each draws its share from its own crop
generator), each rank's loss weighted by its share of the step's notes so that
``DistributedDataParallel``'s average is the token-weighted mean over the whole batch (Howl's
loss), the gradient clipped to a global norm of ``clipNorm``, and Howl's Adam at the scheduled rate
× ``lrFactor``. A step whose loss or gradient norm is not finite is skipped and ``lrFactor`` halved;
``maxFailures`` in a row stop the run without a new checkpoint. Validation every ``validateEvery``
steps and at the end, on Howl's fixed validation crops, shared over the ranks. Rank 0 writes
``metrics.jsonl`` lines as Howl's, ``best/`` at a new best, and ``checkpoint/`` every
``checkpointEverySeconds`` / ``checkpointEverySteps``, on a stop request and at the end.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
from datetime import datetime, timezone
from typing import Any, Callable, Optional

import torch
from torch.nn.parallel import DistributedDataParallel

from .augment import augmenter
from .crops import CropSampler, validation_crops
from .dataset import Dataset
from .distributed import World
from .features import batch_to, make_batch
from .optim import HowlAdam, clip_scale, global_grad_norm
from .progress import (
    close_interval,
    finite_or_none,
    new_progress,
    part_names,
    rank_seed,
    record_skip,
    record_update,
    record_validation,
)
from .rng import Rng
from .run_folder import TRAINER_FILE, save_trainer_state, write_folder_atomic
from .safetensors_io import js_json, save_model
from .schedule import TrainingBudget, format_duration, learning_rate_at

#: Most crops × notes in one validation forward pass (Howl's default micro-batch).
EVAL_STEPS = 16_384


class Trainer:
    """One run: the model, optimiser, generators and counters of this rank."""

    def __init__(
        self,
        world: World,
        dataset: Dataset,
        model: torch.nn.Module,
        options: dict[str, Any],
        run_dir: str,
        resume: Optional[dict[str, Any]] = None,
        say: Callable[[str], None] = print,
        log_every_seconds: float = 30.0,
    ):
        self.world = world
        self.options = options
        self.run_dir = run_dir
        self.say = say
        self.log_every_seconds = log_every_seconds
        self.net = model.to(world.device)
        self.model_config = dict(model.config)
        self.parts = part_names(self.model_config)
        self.optimizer = HowlAdam(self.net.parameters(), lr=options["lr"])
        batch = options["batchSize"]
        self.local_batch = batch // world.size + (1 if world.rank < batch % world.size else 0)
        first = world.rank * (batch // world.size) + min(world.rank, batch % world.size)
        self.my_crops = slice(first, first + self.local_batch)
        # 'shared': every rank draws the whole step's crops from the run's one stream and keeps its
        # share, so the crops do not depend on the number of processes; 'per-rank': each draws only
        # its own, from its own stream.
        self.shared_crops = options.get("cropStreams", "per-rank") == "shared"
        self.progress = new_progress()
        crop_rng = Rng(options["seed"] if self.shared_crops else rank_seed(options["seed"], world.rank))
        torch.manual_seed((options["seed"] ^ 0x2545F491) + world.rank)
        if resume is not None:
            crop_rng = self._restore(resume)
        augment_name = {True: "v1", False: "none", "performance": "performance"}[options["augment"]]
        self.sampler = CropSampler(
            dataset,
            "train",
            options["length"],
            crop_rng,
            augmenter(augment_name, tuple(options["timeScale"]) if options.get("timeScale") else None),
            options.get("sourceWeights"),
        )
        self.budget = TrainingBudget(options, self.sampler.round_size)
        crops = validation_crops(dataset, options["length"], options["validationCrops"])
        self.has_validation = len(crops) > 0
        self.validation = crops[world.rank :: world.size]
        if not self.has_validation and options["validationCrops"] > 0:
            self.say("warning: the dataset has no validation files: no validation loss, no best checkpoint")
        self.ddp = (
            DistributedDataParallel(self.net, device_ids=[world.device.index] if world.device.type == "cuda" else None)
            if world.distributed
            else self.net
        )
        self.stop_signal: Optional[int] = None
        self._metrics = open(os.path.join(run_dir, "metrics.jsonl"), "a", encoding="utf-8") if world.is_main else None

    # --- state ------------------------------------------------------------------------------

    def _restore(self, saved: dict[str, Any]) -> Rng:
        self.net.load_state_dict(saved["model_state"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.progress = saved["progress"]
        ranks = saved["ranks"]
        if len(ranks) == self.world.size:
            mine = ranks[self.world.rank]
            torch.set_rng_state(mine["torch"])
            if mine.get("cuda") is not None and self.world.device.type == "cuda":
                torch.cuda.set_rng_state(mine["cuda"])
            return Rng(mine["crops"])
        if self.world.is_main:
            self.say(
                f"warning: the checkpoint was written by {len(ranks)} processes, this run has {self.world.size}: "
                "the crop generators start afresh (seeded by the seed, rank and step)"
            )
        step = self.progress["step"]
        torch.manual_seed((self.options["seed"] ^ 0x2545F491) + self.world.rank + 7919 * step)
        if self.shared_crops and ranks:
            return Rng(ranks[0]["crops"])
        return Rng(rank_seed(self.options["seed"], self.world.rank) + 7919 * step)

    @property
    def epoch(self) -> float:
        return self.progress["crops"] / self.sampler.round_size

    def _summary(self) -> dict[str, Any]:
        best = self.progress["best"]
        return {
            "steps": self.progress["step"],
            "seconds": self.progress["elapsedSeconds"],
            "best_loss": None if best is None else best["loss"],
            "options": self.options,
        }

    def _log(self, record: dict[str, Any]) -> None:
        if self._metrics is not None:
            self._metrics.write(js_json(record) + "\n")
            self._metrics.flush()

    def event(self, message: str) -> None:
        self._log(
            {
                "type": "event",
                "step": self.progress["step"],
                "message": message,
                "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            }
        )

    # --- checkpoints ------------------------------------------------------------------------

    def save_checkpoint(self) -> None:
        """``checkpoint/``: the Howl model folder and ``trainer.pt`` (every rank's generators)."""
        mine = {
            "crops": self.sampler.rng.get_state(),
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state() if self.world.device.type == "cuda" else None,
        }
        ranks = self.world.gather(mine)
        if not self.world.is_main:
            return
        state = {
            "model": self.model_config,
            "options": self.options,
            "progress": self.progress,
            "model_state": {k: v.detach().cpu() for k, v in self.net.state_dict().items()},
            "optimizer": self.optimizer.state_dict(),
            "ranks": ranks,
            "world_size": self.world.size,
        }

        def write(folder: str) -> None:
            save_model(folder, self.model_config, self.net, self._summary())
            save_trainer_state(os.path.join(folder, TRAINER_FILE), state)

        write_folder_atomic(os.path.join(self.run_dir, "checkpoint"), write)

    def save_best(self) -> None:
        if self.world.is_main:
            summary = self._summary()
            write_folder_atomic(
                os.path.join(self.run_dir, "best"),
                lambda folder: save_model(folder, self.model_config, self.net, summary),
            )

    # --- steps ------------------------------------------------------------------------------

    def train_step(self) -> dict[str, Any]:
        """One step on every rank; returns the step's record (the same on every rank)."""
        p = self.progress
        started = time.perf_counter()
        if self.shared_crops:
            crops = self.sampler.next_batch(self.options["batchSize"])[self.my_crops]
        else:
            crops = self.sampler.next_batch(self.local_batch)
        p["crops"] += self.options["batchSize"]
        lr = learning_rate_at(self.budget.schedule, p["step"] + 1) * p["lrFactor"]
        batch = batch_to(make_batch(self.model_config, crops), self.world.device)
        local_tokens = int(batch["tokens"])
        (total_tokens,) = self.world.sum([local_tokens])
        self.net.train()
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.ddp(batch)
        terms = self.net.last_terms
        # DDP averages the ranks' gradients: weighting each rank's mean by its share of the notes
        # (× the number of ranks) makes the average the gradient of the whole batch's mean.
        (loss * (local_tokens * self.world.size / total_tokens)).backward()
        sums = self.world.sum(
            [float(loss.detach()) * local_tokens] + [float(terms[n]) * local_tokens for n in self.parts]
        )
        global_loss = sums[0] / total_tokens
        parts = {n: sums[i + 1] / total_tokens for i, n in enumerate(self.parts)}
        norm = global_grad_norm(self.net.parameters())
        skipped = not (math.isfinite(global_loss) and math.isfinite(norm))
        if not skipped:
            self.optimizer.step(lr, clip_scale(norm, self.options["clipNorm"]))
        if self.world.device.type == "cuda":
            torch.cuda.synchronize()
        seconds, stop = self.world.max([time.perf_counter() - started, 1 if self.stop_signal else 0])
        if stop and self.stop_signal is None:
            self.stop_signal = signal.SIGTERM
        p["elapsedSeconds"] += seconds
        if skipped:
            record_skip(p)
            if self.world.is_main:
                self.say(
                    f"warning: step {p['step'] + 1}: loss {global_loss}, gradient norm {norm}; "
                    f"step skipped, learning rate halved to {lr / 2}"
                )
        else:
            record_update(p, global_loss, int(total_tokens), lr)
        record = {
            "type": "step",
            "step": p["step"],
            "epoch": self.epoch,
            "loss": finite_or_none(global_loss),
            "parts": {n: finite_or_none(v) for n, v in parts.items()},
            "lr": lr,
            "gradNorm": finite_or_none(norm),
            "tokensPerSecond": round(total_tokens / seconds) if seconds > 0 else None,
            "elapsedSeconds": p["elapsedSeconds"],
            "skipped": skipped,
        }
        self._log(record)
        return record

    def evaluate(self) -> tuple[float, dict[str, float]]:
        """The token-weighted mean loss over the validation crops (no dropout), over every rank."""
        self.net.eval()
        per_pass = max(1, min(self.options["batchSize"], EVAL_STEPS // self.options["length"]))
        sums = [0.0] * (len(self.parts) + 2)
        with torch.no_grad():
            for i in range(0, len(self.validation), per_pass):
                batch = batch_to(make_batch(self.model_config, self.validation[i : i + per_pass]), self.world.device)
                tokens = int(batch["tokens"])
                loss, terms = self.net.loss_and_terms(batch)
                sums[0] += float(loss) * tokens
                for j, n in enumerate(self.parts):
                    sums[j + 1] += float(terms[n]) * tokens
                sums[-1] += tokens
        total = self.world.sum(sums)
        tokens = max(1.0, total[-1])
        return total[0] / tokens, {n: total[j + 1] / tokens for j, n in enumerate(self.parts)}

    def validate(self) -> None:
        """Closes the train-loss interval, scores the validation crops, saves a new best."""
        p = self.progress
        train_loss = close_interval(p)
        if not self.has_validation:
            return
        loss, parts = self.evaluate()
        best = record_validation(p, loss)
        self._log(
            {
                "type": "validation",
                "step": p["step"],
                "epoch": self.epoch,
                "loss": finite_or_none(loss),
                "parts": {n: finite_or_none(v) for n, v in parts.items()},
                "trainLoss": finite_or_none(train_loss),
                "best": best,
                "elapsedSeconds": p["elapsedSeconds"],
            }
        )
        if self.world.is_main:
            self.say(
                f"step {p['step']} epoch {self.epoch:.2f}: train {train_loss:.4f} validation {loss:.4f}"
                f"{' (best)' if best else ''} after {format_duration(p['elapsedSeconds'])}"
            )
        if best:
            self.save_best()

    # --- the run ----------------------------------------------------------------------------

    def run(self) -> tuple[str, str]:
        """Trains until a limit, a stop request, early stopping or divergence; returns
        ``(reason, message)``."""
        o, p = self.options, self.progress
        last_checkpoint = (p["step"], p["elapsedSeconds"])
        last_say = -math.inf
        stop: tuple[str, str]
        while True:
            limit = self.budget.limit_reached(p["step"], self.epoch, p["elapsedSeconds"])
            if limit is not None:
                stop = limit
                break
            if self.stop_signal is not None:
                stop = ("stopped", f"stopped on request after {p['step']} steps")
                break
            record = self.train_step()
            now = time.monotonic()
            if self.world.is_main and now - last_say >= self.log_every_seconds:
                last_say = now
                self._say_step(record)
            if p["consecutiveFailures"] >= o["maxFailures"]:
                lr = learning_rate_at(self.budget.schedule, p["step"] + 1) * p["lrFactor"]
                return "diverged", (
                    f"the loss was not finite for {p['consecutiveFailures']} steps in a row (learning rate now "
                    f"{lr}); stopped, the last good checkpoint is kept"
                )
            if record["skipped"]:
                continue
            if o["validateEvery"] > 0 and p["step"] % o["validateEvery"] == 0:
                self.validate()
                patience = o.get("patience")
                if patience is not None and p["validationsWithoutImprovement"] >= patience:
                    best = p["best"] or {}
                    stop = (
                        "early-stopping",
                        f"no better validation loss in {patience} validations; "
                        f"best {best.get('loss')} at step {best.get('step')}",
                    )
                    break
            every_steps = o.get("checkpointEverySteps")
            due = (every_steps is not None and p["step"] - last_checkpoint[0] >= every_steps) or (
                p["elapsedSeconds"] - last_checkpoint[1] >= o["checkpointEverySeconds"]
            )
            if due:
                self.save_checkpoint()
                last_checkpoint = (p["step"], p["elapsedSeconds"])
        if stop[0] in ("steps", "epochs", "time") and (p["interval"]["steps"] > 0 or not p["curves"]["validation"]):
            self.validate()
        self.save_checkpoint()
        return stop

    def _say_step(self, record: dict[str, Any]) -> None:
        p = self.progress
        total = self.budget.max_steps
        fraction = self.budget.fraction_done(p["step"], p["elapsedSeconds"])
        eta = (
            p["elapsedSeconds"] * (1 - fraction) / fraction if fraction is not None and fraction > 0 else math.nan
        )
        loss = record["loss"]
        self.say(
            f"step {p['step']}{'' if total is None else f'/{total}'} epoch {self.epoch:.2f} "
            f"loss {'nan' if loss is None else f'{loss:.4f}'} lr {record['lr']:.3g} "
            f"{record['tokensPerSecond']} notes/s elapsed {format_duration(p['elapsedSeconds'])} "
            f"eta {format_duration(eta)}"
        )

    def close(self) -> None:
        if self._metrics is not None:
            self._metrics.close()
            self._metrics = None


def catch_signals(trainer: Trainer) -> None:
    """SIGINT and SIGTERM finish the step, save a checkpoint and stop; a second one leaves at once."""

    def handler(signum: int, _frame: Any) -> None:
        if trainer.stop_signal is not None:
            sys.exit(130 if signum == signal.SIGINT else 143)
        trainer.stop_signal = signum

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
