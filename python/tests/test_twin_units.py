"""The PyTorch twin's parts on their own (no Node.js needed): configurations, batches, the networks'
weight conversion and modes, the safetensors format and model folders.
test_twin_equality.py checks the whole against Howl."""
from __future__ import annotations

import json
import math
import os
import struct
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

try:
    import numpy as np
    import torch

    if str(ROOT / "python") not in sys.path:
        sys.path.insert(0, str(ROOT / "python"))
    from howl_torch import (
        MODEL_PRESETS,
        BatchError,
        ConfigError,
        SafetensorsError,
        WeightError,
        build_model,
        load_model,
        make_batch,
        preset_config,
        save_model,
        validate_model_config,
        weight_layout,
    )
    from howl_torch.features import js_round, time_bin, velocity_bin
    from howl_torch.safetensors_io import decode_safetensors, encode_safetensors, js_json, js_number

    MISSING = None
except ImportError as error:  # pragma: no cover - depends on the machine
    MISSING = f"PyTorch is not installed ({error}); run with /usr/bin/python3 (Debian's python3-torch)"


def small(name: str, **overrides):
    """A preset at a size that runs in milliseconds (as the TypeScript tests' `small`)."""
    sizes = dict(units=7, denseUnits=6, blocks=2, headUnits=5, layers=2, modelUnits=8, heads=2, ffUnits=12, window=4)
    config = {k: sizes.get(k, v) for k, v in preset_config(name).items()}
    config.update(overrides)
    return validate_model_config(config)


def random_crop(rng, n: int) -> np.ndarray:
    delay = np.where(rng.random(n) < 0.3, 0.0, rng.exponential(0.2, n))
    delay[0] = 0
    return np.stack([delay, rng.exponential(0.4, n), rng.integers(1, 128, n) / 127,
                     rng.integers(-30, 30, n).astype(np.float64)], axis=1)


def crops(seed: int = 0, lengths=(17, 9, 2)) -> list:
    rng = np.random.default_rng(seed)
    return [random_crop(rng, n) for n in lengths]


@unittest.skipIf(MISSING is not None, MISSING or "")
class ConfigTest(unittest.TestCase):
    def test_presets_validate_unchanged(self) -> None:
        for name, config in MODEL_PRESETS.items():
            self.assertEqual(validate_model_config(config), config, name)
            self.assertEqual(list(validate_model_config(config)), list(config), name)

    def test_refusals_name_the_field(self) -> None:
        with self.assertRaisesRegex(ConfigError, "unknown model type"):
            validate_model_config({"type": "rnn"})
        with self.assertRaisesRegex(ConfigError, "units 0 is not an integer"):
            validate_model_config({**MODEL_PRESETS["lstm-192"], "units": 0})
        with self.assertRaisesRegex(ConfigError, "dropout 1 is not in"):
            validate_model_config({**MODEL_PRESETS["lstm-192"], "dropout": 1})
        with self.assertRaisesRegex(ConfigError, "not a multiple of heads"):
            validate_model_config({**MODEL_PRESETS["ordered-transformer"], "heads": 3})
        with self.assertRaisesRegex(ConfigError, "unknown architecture"):
            preset_config("lstm-9")

    def test_old_configs_are_one_hot(self) -> None:
        old = {k: v for k, v in MODEL_PRESETS["ordered-lstm"].items() if k != "pitchEncoding"}
        self.assertEqual(validate_model_config(old)["pitchEncoding"], "one-hot")

    def test_layout_sizes(self) -> None:
        count = sum(int(np.prod(shape)) for _, shape in weight_layout("lstm-192"))
        self.assertEqual(count, 478_907)  # docs/safetensors.md
        self.assertEqual(dict(weight_layout("gru-512"))["rnn/bias"], (2, 1536))


@unittest.skipIf(MISSING is not None, MISSING or "")
class BatchTest(unittest.TestCase):
    def test_grid_bins(self) -> None:
        self.assertEqual(time_bin(np.array([0.255, -0.003, 7, 0.29, 3.995, 4.0])).tolist(), [25, 0, 400, 29, 399, 400])
        self.assertEqual(velocity_bin(np.array([64, 0, 127, 3.5, -4, 200])).tolist(), [16, 0, 31, 1, 0, 31])
        self.assertEqual(js_round(np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.49999999999999994])).tolist(),
                         [1, 2, 3, 0, -1, 0])

    def test_original_batch(self) -> None:
        batch = make_batch("lstm-192", [np.array([[0, 1, 1, 0], [0.5, 5, -0.1, 2], [0.1, 0.2, 0.3, -60]])])
        self.assertEqual(batch["inputs"].shape, (1, 2, 123))
        self.assertEqual(batch["pitch"].tolist(), [[62, 0]])
        self.assertEqual(batch["regression"][0, 0].tolist(), [0.5, 4.0, 0.0])
        self.assertEqual(batch["inputs"][0, 1, 3 + 62].item(), 1)
        self.assertEqual(int(batch["tokens"]), 2)

    def test_ordered_batch_and_padding(self) -> None:
        batch = make_batch(small("ordered-lstm-octave"), crops(lengths=(5, 3)))
        self.assertEqual(batch["inputs"].shape, (2, 4, 27))
        self.assertEqual(batch["mask"].tolist(), [[1, 1, 1, 1], [1, 1, 0, 0]])
        self.assertEqual(batch["inputs"][1, 2:].abs().sum().item(), 0)
        self.assertTrue(((batch["pitch"] == batch["octave"] * 12 + batch["pitch_class"]) | (batch["mask"] == 0)).all())
        self.assertEqual(float(batch["inputs"][0, 0, 3]), np.float32(math.log(0.01) / 4))

    def test_refusals(self) -> None:
        with self.assertRaisesRegex(BatchError, "at least one crop"):
            make_batch("ordered-lstm", [])
        with self.assertRaisesRegex(BatchError, "at least 2"):
            make_batch("ordered-lstm", [np.zeros((1, 4))])
        with self.assertRaisesRegex(BatchError, "pitch"):
            make_batch("ordered-lstm", [np.array([[0, 1, 1, 0], [0, 1, 1, 60]])])
        with self.assertRaisesRegex(BatchError, "not finite"):
            make_batch("ordered-lstm", [np.array([[0, 1, 1, 0], [math.nan, 1, 1, 0]])])
        with self.assertRaisesRegex(BatchError, "more than 1 steps"):
            make_batch("ordered-lstm", [np.zeros((3, 4))], steps=1)


@unittest.skipIf(MISSING is not None, MISSING or "")
class ModelTest(unittest.TestCase):
    def configs(self):
        return {name: small(name) for name in MODEL_PRESETS} | {
            "transformer-octave": small("ordered-transformer", pitchEncoding="octave-class", heads=4),
            "gru-octave": small("ordered-gru", pitchEncoding="octave-class"),
        }

    def test_howl_state_round_trip(self) -> None:
        for name, config in self.configs().items():
            with self.subTest(config=name):
                a, b = build_model(config, seed=1).eval(), build_model(config, seed=2).eval()
                state = a.howl_state()
                self.assertEqual([(k, tuple(v.shape)) for k, v in state.items()], weight_layout(config))
                b.load_howl_state(state)
                for (k, va), vb in zip(state.items(), b.howl_state().values()):
                    self.assertTrue(torch.equal(va, vb), k)
                batch = make_batch(config, crops())
                with torch.no_grad():
                    self.assertEqual(a.loss(batch).item(), b.loss(batch).item())

    def test_seeded_builds_repeat(self) -> None:
        config = small("ordered-transformer")
        a, b = build_model(config, seed=5), build_model(config, seed=5)
        for va, vb in zip(a.howl_state().values(), b.howl_state().values()):
            self.assertTrue(torch.equal(va, vb))

    def test_refuses_foreign_weights(self) -> None:
        model = build_model(small("ordered-lstm"), seed=1)
        state = model.howl_state()
        with self.assertRaisesRegex(WeightError, "unexpected tensor 'x'"):
            model.load_howl_state({**state, "x": np.zeros(1)})
        with self.assertRaisesRegex(WeightError, "no tensor 'velocity/bias'"):
            model.load_howl_state({k: v for k, v in state.items() if k != "velocity/bias"})
        with self.assertRaisesRegex(WeightError, "has shape"):
            model.load_howl_state({**state, "delay/bias": torch.zeros(3)})

    def test_recurrent_layers_compute_keras_cells(self) -> None:
        """nn.LSTM / nn.GRU with converted weights = the Keras cells of docs/safetensors.md on Howl's layout."""
        for rnn in ("lstm", "gru"):
            config = small("ordered-lstm", rnn=rnn, units=9)
            model = build_model(config, seed=3).eval()
            w = {k: v.double() for k, v in model.howl_state().items()}
            x = make_batch(config, crops())["inputs"]
            with torch.no_grad():
                out, _ = model.trunk.rnn(x)
            H = config["units"]
            h = torch.zeros(x.shape[0], H, dtype=torch.float64)
            c = torch.zeros_like(h)
            for t in range(x.shape[1]):
                xt = x[:, t].double()
                if rnn == "lstm":
                    z = xt @ w["rnn/kernel"] + h @ w["rnn/recurrent_kernel"] + w["rnn/bias"]
                    i, f, g, o = z.split(H, dim=1)
                    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                    h = torch.sigmoid(o) * torch.tanh(c)
                else:
                    xp = xt @ w["rnn/kernel"] + w["rnn/bias"][0]
                    hp = h @ w["rnn/recurrent_kernel"] + w["rnn/bias"][1]
                    z = torch.sigmoid(xp[:, :H] + hp[:, :H])
                    r = torch.sigmoid(xp[:, H:2 * H] + hp[:, H:2 * H])
                    n = torch.tanh(xp[:, 2 * H:] + r * hp[:, 2 * H:])
                    h = z * h + (1 - z) * n
                self.assertLess((out[:, t].double() - h).abs().max().item(), 1e-5, f"{rnn} step {t}")

    def test_dropout_only_while_training(self) -> None:
        for config in (small("lstm-192", dropout=0.5), small("ordered-transformer", dropout=0.5)):
            model = build_model(config, seed=1)
            batch = make_batch(config, crops())
            model.eval()
            with torch.no_grad():
                first, second = model.loss(batch).item(), model.loss(batch).item()
                model.train()
                torch.manual_seed(0)
                trained = model.loss(batch).item()
            self.assertEqual(first, second)
            self.assertNotEqual(first, trained)

    def test_padding_changes_nothing(self) -> None:
        for name in ("lstm-192", "ordered-gru", "ordered-transformer"):
            config = small(name, window=64)
            model = build_model(config, seed=1).eval()
            with torch.no_grad():
                tight = model.loss_terms(make_batch(config, crops()))
                padded = model.loss_terms(make_batch(config, crops(), steps=40))
            for key in tight:
                self.assertAlmostEqual(tight[key].item(), padded[key].item(), places=5)

    def test_transformer_is_causal_and_windowed(self) -> None:
        config = small("ordered-transformer", window=3)
        model = build_model(config, seed=1).eval()
        a = crops(lengths=(12,))[0]
        b = a.copy()
        b[8:, 3] = -a[8:, 3]  # later notes differ
        c = a.copy()
        c[0, 1] = 3.0  # a note further back than window × layers (3 × 2) from the last step
        with torch.no_grad():
            f = [model.features(make_batch(config, [x])["inputs"]) for x in (a, b, c)]
        self.assertTrue(torch.equal(f[0][:, :8], f[1][:, :8]))
        self.assertTrue(torch.allclose(f[0][:, -1], f[2][:, -1], atol=1e-6))
        self.assertFalse(torch.allclose(f[0][:, 1], f[2][:, 1]))

    def test_initial_loss_and_overfit(self) -> None:
        """A fresh ordered network starts near the uniform distributions' 20.3 nats and learns one
        phrase (the TypeScript tests' tiny overfit)."""
        for name in ("ordered-lstm", "ordered-transformer"):
            config = small(name, units=32, denseUnits=32, headUnits=32, modelUnits=32, ffUnits=64, window=64,
                           dropout=0)
            model = build_model(config, seed=1)
            batch = make_batch(config, crops(lengths=(40,)))
            optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
            start = model.loss(batch).item()
            self.assertTrue(15 < start < 25, start)
            for _ in range(80):
                optimizer.zero_grad()
                loss = model.loss(batch)
                loss.backward()
                optimizer.step()
            self.assertLess(model.eval().loss(batch).item(), 6, name)


@unittest.skipIf(MISSING is not None, MISSING or "")
class SafetensorsTest(unittest.TestCase):
    def test_js_numbers(self) -> None:
        cases = {1234: "1234", 56.5: "56.5", 7.25: "7.25", 0.1: "0.1", 1e-7: "1e-7", 1.5e-6: "0.0000015",
                 0.000001: "0.000001", 1e21: "1e+21", 1.2345e22: "1.2345e+22", 123456789012345680000.0: "123456789012345680000",
                 -0.0: "0", 3720.0: "3720", 2**53: "9007199254740992", -2.5: "-2.5", 1 / 3: "0.3333333333333333"}
        for value, text in cases.items():
            self.assertEqual(js_number(value), text, repr(value))
        self.assertEqual(js_json({"a": [1.0, None, "x\n"], "b": {}}, indent=1),
                         '{\n "a": [\n  1,\n  null,\n  "x\\n"\n ],\n "b": {}\n}')

    def test_format_and_strictness(self) -> None:
        data = encode_safetensors({"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(1)}, {"format": "howl"})
        (length,) = struct.unpack("<Q", data[:8])
        self.assertEqual(length % 8, 0)
        self.assertTrue(data[8:8 + length].startswith(b'{"__metadata__":{"format":"howl"},"a":{"dtype":"F32"'))
        tensors, metadata = decode_safetensors(data)
        self.assertEqual(metadata, {"format": "howl"})
        self.assertEqual(tensors["a"].tolist(), [[0, 1, 2], [3, 4, 5]])
        refusals = {
            "truncated": data[:-1],
            "trailing garbage": data + b"\0",
            "past the end of the file": struct.pack("<Q", 10**6) + data[8:],
            "too short": data[:5],
        }
        for reason, bad in refusals.items():
            with self.assertRaisesRegex(SafetensorsError, reason):
                decode_safetensors(bad)

    def header_file(self, header: dict, payload: bytes) -> bytes:
        text = json.dumps(header).encode()
        return struct.pack("<Q", len(text)) + text + payload

    def test_other_dtypes_and_refusals(self) -> None:
        values = np.array([1.5, -2.25, 49152.0])
        f16 = values.astype("<f2").tobytes()
        bf16 = (values.astype("<f4").view("<u4") >> 16).astype("<u2").tobytes()
        f64 = values.astype("<f8").tobytes()
        for dtype, payload in (("F16", f16), ("BF16", bf16), ("F64", f64)):
            tensors, _ = decode_safetensors(self.header_file(
                {"w": {"dtype": dtype, "shape": [3], "data_offsets": [0, len(payload)]}}, payload))
            self.assertEqual(tensors["w"].dtype, np.float32)
            self.assertEqual(tensors["w"].tolist(), values.tolist(), dtype)
        bad = {
            "not a floating-point type": ({"w": {"dtype": "I32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
            "unknown dtype": ({"w": {"dtype": "F17", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
            "unknown field": ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}}, b"\0" * 4),
            "needs 8": ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4),
            "overlap": ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                         "v": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8),
            "belong to no tensor": ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8),
        }
        for reason, (header, payload) in bad.items():
            with self.assertRaisesRegex(SafetensorsError, reason):
                decode_safetensors(self.header_file(header, payload))

    def test_model_folders(self) -> None:
        config = small("ordered-gru")
        model = build_model(config, seed=4).eval()
        batch = make_batch(config, crops())
        with tempfile.TemporaryDirectory() as out:
            paths = save_model(out, config, model, training={"steps": 3, "seconds": 1.5, "best_loss": 20.25,
                                                             "options": {"lr": 0.001}})
            self.assertEqual([os.path.basename(p) for p in paths], ["model.safetensors", "config.json"])
            self.assertEqual(sorted(os.listdir(out)), ["config.json", "model.safetensors"])  # no temporary files
            whole, back = load_model(out)
            self.assertEqual(whole["model"], config)
            self.assertEqual(whole["training"], {"lr": 0.001})
            self.assertEqual(back.training_summary, {"steps": 3, "seconds": 1.5, "best_loss": 20.25})
            self.assertFalse(back.training)
            with torch.no_grad():
                self.assertEqual(model.loss(batch).item(), back.loss(batch).item())
            # The architecture must agree with config.json; a checkpoint folder is never overwritten.
            text = Path(out, "config.json").read_text()
            Path(out, "config.json").write_text(text.replace('"gru"', '"lstm"'))
            with self.assertRaisesRegex(ValueError, "rnn/"):
                load_model(out)
            other = {**small("ordered-transformer"), "pitchEncoding": "one-hot"}
            Path(out, "config.json").write_text(json.dumps({"format": "howl-checkpoint", "version": 1, "model": other,
                                                            "encoding": "v1", "training": {}}))
            with self.assertRaisesRegex(SafetensorsError, "architecture"):
                load_model(out)
            Path(out, "state.json").write_text("{}")
            with self.assertRaisesRegex(ValueError, "checkpoint"):
                save_model(out, config, model)

    def test_reads_shipped_checkpoint(self) -> None:
        folder = ROOT / "models" / "piano-asap-ordered-lstm"
        if not (folder / "weights.bin").exists():
            self.skipTest("the shipped model is not in this checkout")
        config, model = load_model(str(folder))
        self.assertEqual(config["model"]["type"], "ordered-rnn")
        self.assertGreater(model.training_summary["steps"], 0)
        rng = np.random.default_rng(1)
        with torch.no_grad():
            loss = model.loss(make_batch(config, [random_crop(rng, 64)])).item()
        self.assertTrue(0 < loss < 25, loss)


if __name__ == "__main__":
    unittest.main()
