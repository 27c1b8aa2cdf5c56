"""``python -m howl_torch.train``: Howl's schedule and optimiser, an exact resume, a stop on SIGTERM,
and data-parallel runs under ``torchrun --nproc_per_node 2`` (gloo, CPU) whose model folder
``howl generate --model`` reads; 2 processes on the same crops train as 1 (1e-5)."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import numpy as np
import torch

from howl_torch.optim import HowlAdam, clip_scale
from howl_torch.safetensors_io import read_safetensors
from howl_torch.schedule import TrainingBudget, learning_rate_at, parse_duration

from tests.support import PYTHON, REPO, howl, python_env, reference, tiny_dataset

#: A small ordered LSTM (dropout 0, so that runs on different process counts can be compared).
TINY = {
    "type": "ordered-rnn",
    "rnn": "lstm",
    "units": 16,
    "denseUnits": 16,
    "blocks": 1,
    "dropout": 0,
    "headUnits": 16,
    "pitchEncoding": "one-hot",
}


def torchrun_command() -> list[str]:
    """``torchrun``, with ``--redirects 1 --tee 1`` where its default ``0`` fails: PyTorch before
    2.0 on Python 3.11 (Debian 12's) maps ``0`` to None, as 3.11's flag enums no longer list it."""
    from torch.distributed.elastic.multiprocessing.api import Std

    beside = os.path.join(os.path.dirname(PYTHON), "torchrun")  # /usr/bin/torchrun for /usr/bin/python3
    command = [beside] if os.path.exists(beside) else [PYTHON, "-m", "torch.distributed.run"]
    return command + (["--redirects", "1", "--tee", "1"] if Std.from_str("0") is None else [])


def run_train(*args: str, nproc: int = 1, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
    launcher = [PYTHON, "-m"]
    if nproc > 1:
        launcher = [*torchrun_command(), "--standalone", "--nproc_per_node", str(nproc), "-m"]
    result = subprocess.run(
        [*launcher, "howl_torch.train", *args],
        cwd=REPO,
        env=python_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"train {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def metrics(run: str) -> list[dict]:
    with open(os.path.join(run, "metrics.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def weights(folder: str) -> dict[str, np.ndarray]:
    return read_safetensors(os.path.join(folder, "model.safetensors"))[0]


class ScheduleAndOptimiserTest(unittest.TestCase):
    def test_schedule_equals_howls(self) -> None:
        # (steps, time, warm-up, lr, round, batch): cosine, constant (time only), warm-up capped.
        for steps, seconds, warmup, lr, round_size, batch in (
            ("30", "-", "20", "0.001", "20", "32"),
            ("-", "100", "20", "0.002", "20", "8"),
            ("500", "-", "20", "0.001", "4", "1"),
        ):
            ref = reference("schedule", steps, seconds, warmup, lr, round_size, batch)
            options = {
                "steps": None if steps == "-" else int(steps),
                "timeSeconds": None if seconds == "-" else float(seconds),
                "warmupSteps": int(warmup),
                "lr": float(lr),
                "batchSize": int(batch),
            }
            budget = TrainingBudget(options, int(round_size))
            self.assertEqual(budget.schedule.to_json(), ref["schedule"])
            for i, rate in enumerate(ref["rates"]):
                # Math.cos and libm's cos may differ in the last bit.
                self.assertTrue(math.isclose(learning_rate_at(budget.schedule, i + 1), rate, rel_tol=1e-14), i)

    def test_durations(self) -> None:
        self.assertEqual(parse_duration("1h30m"), 5400)
        self.assertEqual(parse_duration("90"), 90)
        with self.assertRaisesRegex(ValueError, "is not a duration"):
            parse_duration("soon")

    def test_adam_is_tensorflows_update(self) -> None:
        w = torch.nn.Parameter(torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64))
        adam = HowlAdam([w])
        m = np.zeros(3)
        v = np.zeros(3)
        x = w.detach().numpy().copy()
        for t, (g, lr) in enumerate(((np.array([0.1, -0.2, 1e-4]), 1e-3), (np.array([0.3, 0.0, -2.0]), 5e-4)), 1):
            w.grad = torch.tensor(g)
            adam.step(lr, grad_scale=0.5)
            g = g * 0.5
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            x = x - lr * math.sqrt(1 - 0.999**t) / (1 - 0.9**t) * m / (np.sqrt(v) + 1e-7)
            np.testing.assert_allclose(w.detach().numpy(), x, rtol=1e-12)
        self.assertEqual(clip_scale(4.0, 1.0), 0.25)
        self.assertEqual(clip_scale(0.5, 1.0), 1.0)
        self.assertEqual(clip_scale(4.0, 0.0), 1.0)


class TrainingRunTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.data = tiny_dataset()
        cls.folder = tempfile.mkdtemp(prefix="howl-torch-train-")
        cls.config = os.path.join(cls.folder, "tiny.json")
        with open(cls.config, "w", encoding="utf-8") as f:
            json.dump(TINY, f)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.folder, ignore_errors=True)

    def out(self, name: str) -> str:
        return os.path.join(self.folder, name)

    def test_a_resumed_run_equals_a_straight_one_and_logs_each_step_once(self) -> None:
        common = ["--data", self.data, "--arch", "ordered-lstm", "--batch", "4", "--length", "32", "--val-every", "2"]
        common += ["--schedule", "constant", "--warmup", "0"]
        straight, resumed = self.out("straight"), self.out("resumed")
        run_train(*common, "--out", straight, "--steps", "4")
        run_train(*common, "--out", resumed, "--steps", "2")
        run_train("--out", resumed, "--resume", "--steps", "4")  # the dataset from run.json
        a, b = weights(os.path.join(straight, "checkpoint")), weights(os.path.join(resumed, "checkpoint"))
        for name in a:  # dropout (0.01) included: PyTorch's generator is restored too
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        steps = [r for r in metrics(resumed) if r["type"] == "step"]
        self.assertEqual([r["step"] for r in steps], [1, 2, 3, 4])
        self.assertEqual([r["loss"] for r in steps], [r["loss"] for r in metrics(straight) if r["type"] == "step"])
        keys = {"type", "step", "epoch", "loss", "parts", "lr", "gradNorm", "tokensPerSecond", "elapsedSeconds"}
        self.assertEqual(set(steps[0]), keys | {"skipped"})
        self.assertEqual(set(steps[0]["parts"]), {"delay", "pitch", "duration", "velocity"})
        validations = [r for r in metrics(resumed) if r["type"] == "validation"]
        self.assertEqual([r["step"] for r in validations], [2, 4])
        with open(os.path.join(resumed, "best", "config.json"), encoding="utf-8") as f:
            config = json.load(f)
        self.assertEqual(config["training"]["batchSize"], 4)
        self.assertEqual(config["training"]["dataset"]["trainFiles"], 5)
        again = run_train("--out", resumed, "--resume", "--steps", "4")
        self.assertIn("has already trained 4 steps (its limit: --steps 4)", again.stdout)
        refused = run_train("--out", resumed, "--resume", "--lr", "0.1", check=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("cannot be combined with --lr", refused.stderr)
        taken = run_train("--data", self.data, "--out", resumed, "--steps", "1", check=False)
        self.assertIn("already holds a training run; continue it with --resume", taken.stderr)
        missing = run_train("--data", self.out("none.howl"), "--out", self.out("missing"), "--steps", "1", check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("none.howl: No such file or directory", missing.stderr)

    def test_sigterm_saves_a_checkpoint_and_exits_143(self) -> None:
        out = self.out("signal")
        process = subprocess.Popen(
            [PYTHON, "-m", "howl_torch.train", "--data", self.data, "--config", self.config, "--out", out]
            + ["--time", "1h", "--batch", "2", "--length", "16", "--val-every", "0"],
            cwd=REPO,
            env=python_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        log = os.path.join(out, "metrics.jsonl")

        def stepped() -> bool:
            if not os.path.exists(log):
                return False
            with open(log, encoding="utf-8") as f:
                return '"type":"step"' in f.read()

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not stepped():
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 143, stderr)
        self.assertIn("terminated at step", stderr)
        last = [r for r in metrics(out) if r["type"] == "step"][-1]["step"]
        state = torch.load(os.path.join(out, "checkpoint", "trainer.pt"))
        self.assertEqual(state["progress"]["step"], last)

    def test_two_processes_on_the_same_crops_train_as_one(self) -> None:
        common = ["--data", self.data, "--config", self.config, "--steps", "4", "--batch", "5", "--length", "48"]
        common += ["--val-every", "2", "--crop-streams", "shared"]
        one, two = self.out("one"), self.out("two")
        run_train(*common, "--out", one)
        run_train(*common, "--out", two, nproc=2)  # 3 + 2 crops: the ranks' losses weighted by notes
        a, b = weights(os.path.join(one, "checkpoint")), weights(os.path.join(two, "checkpoint"))
        for name in a:
            np.testing.assert_allclose(a[name], b[name], atol=1e-5, err_msg=name)
        for x, y in zip(metrics(one), metrics(two)):
            if x["type"] != "event":
                self.assertAlmostEqual(x["loss"], y["loss"], delta=1e-5)

    def test_a_torchrun_run_writes_a_model_howl_generates_from(self) -> None:
        out = self.out("torchrun")
        result = run_train(
            "--data", self.data, "--arch", "ordered-lstm", "--out", out, "--steps", "3", "--batch", "4",
            "--length", "32", "--val-every", "2", nproc=2,
        )
        self.assertIn("on 2 processes (cpu, gloo)", result.stdout)
        for folder in ("checkpoint", "best"):
            self.assertTrue(os.path.exists(os.path.join(out, folder, "model.safetensors")), folder)
        self.assertEqual([r["step"] for r in metrics(out) if r["type"] == "validation"], [2, 3])
        midi = os.path.join(self.folder, "piece.mid")
        generated = howl("generate", "--model", out, "-o", midi, "--notes", "40", "--no-audio", "--seed", "3")
        self.assertIn("40 notes", generated.stdout)
        with open(midi, "rb") as f:
            self.assertEqual(f.read(4), b"MThd")


if __name__ == "__main__":
    unittest.main()
