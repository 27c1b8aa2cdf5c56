"""The PyTorch twin against Howl itself: the same weights (a safetensors folder Howl exported), the
same crops, the same batch (bit for bit) and the same loss (within 1e-4 nats per note), for every
preset at a tiny size and for the shipped models at full size; and back: folders written by
`save_model` are byte for byte Howl's, and Howl reads a model the twin trained and scores it as the
twin does.

Howl's side is python/tests/howl_reference.mjs on the built library (`npm run build` first). Skipped,
with the reason, when PyTorch, Node.js or dist/ is missing.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(__file__).resolve().parent / "howl_reference.mjs"
TOLERANCE = 1e-4  # nats per note (issue 18)

try:
    import numpy as np
    import torch

    if str(ROOT / "python") not in sys.path:
        sys.path.insert(0, str(ROOT / "python"))
    from howl_torch import MODEL_PRESETS, load_model, make_batch, save_model

    MISSING = None
except ImportError as error:  # pragma: no cover - depends on the machine
    MISSING = f"PyTorch is not installed ({error}); run with /usr/bin/python3 (Debian's python3-torch)"

NODE = shutil.which("node")
if MISSING is None and NODE is None:
    MISSING = "node is not on PATH"
if MISSING is None and not (ROOT / "dist" / "public" / "model.js").exists():
    MISSING = "dist/ is not built: run `npm run build` first"


def run_node(*args: str, timeout: int = 900) -> str:
    result = subprocess.run([NODE, str(REFERENCE), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"howl_reference.mjs {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout


def cls_backend(test: "TwinEqualityTest") -> str:
    return f"PyTorch {torch.__version__} CPU, Howl's TensorFlow.js {test.backend}"


def architecture(case: dict) -> str:
    model = case["config"]
    if model["type"] == "transformer":
        return f"transformer ({model['pitchEncoding']})"
    return f"{model['type']} {model['rnn']} ({model.get('pitchEncoding', 'one-hot')})"


@unittest.skipIf(MISSING is not None, MISSING or "")
class TwinEqualityTest(unittest.TestCase):
    """Every case of howl_reference.mjs, once."""

    tmp: tempfile.TemporaryDirectory
    cases: list[dict]

    @classmethod
    def setUpClass(cls) -> None:
        torch.set_num_threads(1)
        cls.tmp = tempfile.TemporaryDirectory(prefix="howl-twin-")
        out = os.path.join(cls.tmp.name, "howl")
        run_node("reference", out)
        with open(os.path.join(out, "cases.json"), encoding="utf-8") as f:
            reference = json.load(f)
        cls.cases = reference["cases"]
        cls.presets = reference["presets"]
        cls.backend = reference["backend"]
        cls.loaded = {c["name"]: load_model(c["folder"]) for c in cls.cases}

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    @staticmethod
    def crops_of(case: dict) -> list[np.ndarray]:
        rows = np.fromfile(os.path.join(case["folder"], "crops.bin"), dtype="<f8").reshape(-1, 4)
        ends = np.cumsum(case["cropLengths"])
        return [rows[end - n:end] for n, end in zip(case["cropLengths"], ends)]

    def test_cases_cover_every_architecture(self) -> None:
        kinds = {architecture(c) for c in self.cases}
        for kind in ("original-lstm lstm (one-hot)", "original-lstm gru (one-hot)", "ordered-rnn lstm (one-hot)",
                     "ordered-rnn lstm (octave-class)", "ordered-rnn gru (one-hot)", "ordered-rnn gru (octave-class)",
                     "transformer (one-hot)", "transformer (octave-class)"):
            self.assertIn(kind, kinds)
        self.assertIn("shipped-piano-asap-ordered-lstm", {c["name"] for c in self.cases})

    def test_presets_are_howls(self) -> None:
        self.assertEqual(json.dumps(MODEL_PRESETS, sort_keys=True), json.dumps(self.presets, sort_keys=True))

    def test_batches_equal_howls_bit_for_bit(self) -> None:
        for case in self.cases:
            config, _ = self.loaded[case["name"]]
            batch = make_batch(config, self.crops_of(case))
            self.assertEqual(int(batch["tokens"]), case["tokens"], case["name"])
            self.assertEqual(set(batch) - {"tokens"}, set(case["features"]), case["name"])
            for key, meta in case["features"].items():
                with self.subTest(case=case["name"], feature=key):
                    dtype = np.float32 if meta["dtype"] == "float32" else np.int32
                    ref = np.fromfile(os.path.join(case["folder"], "features", f"{key}.bin"), dtype=dtype)
                    ref = ref.reshape(meta["shape"])
                    mine = batch[key].numpy()
                    self.assertEqual(list(mine.shape), meta["shape"])
                    if dtype is np.float32:
                        self.assertEqual(mine.dtype, np.float32)
                        same = np.array_equal(ref.view(np.uint32), mine.view(np.uint32))
                    else:
                        same = np.array_equal(ref.astype(np.int64), mine)
                    self.assertTrue(same, f"{key} differs at {np.argwhere(ref != mine)[:5].tolist()}")

    def test_losses_equal_howls(self) -> None:
        worst: dict[str, float] = {}
        for case in self.cases:
            config, model = self.loaded[case["name"]]
            self.assertFalse(model.training)
            with torch.no_grad():
                loss, terms = model.loss_and_terms(make_batch(config, self.crops_of(case)))
            with self.subTest(case=case["name"]):
                delta = abs(loss.item() - case["loss"])
                self.assertLessEqual(delta, TOLERANCE, f"torch {loss.item()} vs Howl {case['loss']}")
                self.assertEqual(set(terms), set(case["parts"]))
                for name, value in terms.items():
                    self.assertLessEqual(abs(value.item() - case["parts"][name]), TOLERANCE, name)
                kind = architecture(case) + (" tiny" if case["name"].startswith("tiny") else " full size")
                worst[kind] = max(worst.get(kind, 0.0), delta)
        report = "\n".join(f"  {kind:48s} max |Δloss| {delta:.2e}" for kind, delta in sorted(worst.items()))
        print(f"\nPyTorch twin vs Howl ({cls_backend(self)} backend), nats per note:\n{report}", file=sys.stderr)

    def test_saved_folders_are_howls_bytes(self) -> None:
        for case in self.cases:
            config, model = self.loaded[case["name"]]
            with self.subTest(case=case["name"]), tempfile.TemporaryDirectory() as out:
                save_model(out, config, model, training=model.training_summary)
                for file in ("model.safetensors", "config.json"):
                    mine = Path(out, file).read_bytes()
                    howl = Path(case["folder"], file).read_bytes()
                    self.assertEqual(mine, howl, f"{file} differs from Howl's export")
                self.assertEqual(sorted(os.listdir(out)), ["config.json", "model.safetensors"])

    def test_howl_reads_what_the_twin_trained(self) -> None:
        """Two Adam steps in PyTorch (training mode, dropout on), `save_model`, then Howl reads the
        folder (its strict reader and its step network) and gives the twin's loss."""
        jobs, expected = [], []
        out = os.path.join(self.tmp.name, "trained")
        for case in self.cases:
            config, model = load_model(case["folder"])
            crops = self.crops_of(case)
            batch = make_batch(config, crops)
            model.train()
            optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
            torch.manual_seed(3)
            for _ in range(2):
                optimizer.zero_grad()
                model.loss(batch).backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                loss, terms = model.loss_and_terms(batch)
            self.assertNotAlmostEqual(loss.item(), case["loss"], places=3, msg=f"{case['name']}: training changed nothing")
            folder = os.path.join(out, case["name"])
            save_model(folder, config, model, training={"steps": 2, "seconds": 0.5, "best_loss": None})
            jobs.append({"folder": folder, "crops": [c.tolist() for c in crops]})
            expected.append((case["name"], loss.item(), {k: v.item() for k, v in terms.items()}))
        jobs_file = os.path.join(out, "jobs.json")
        with open(jobs_file, "w", encoding="utf-8") as f:
            json.dump(jobs, f)
        results = json.loads(run_node("losses", jobs_file))
        self.assertEqual(len(results), len(expected))
        for (name, loss, terms), howl in zip(expected, results):
            with self.subTest(case=name):
                self.assertLessEqual(abs(loss - howl["loss"]), TOLERANCE, f"torch {loss} vs Howl {howl['loss']}")
                for key, value in terms.items():
                    self.assertLessEqual(abs(value - howl["parts"][key]), TOLERANCE, key)


if __name__ == "__main__":
    unittest.main()
