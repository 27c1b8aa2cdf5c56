"""The PyTorch twin's data side against Howl's own (Node, dist/): a ``.howl`` file read alike
(metadata, split, notes), V1 rows, crops and validation crops equal for a seed, the reader's
refusals, and the Parquet tables of ``howl export-data`` (through pyarrow, or through a stand-in
serving the columns hyparquet reads when pyarrow is not installed)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import types
import unittest

import numpy as np

from howl_torch.augment import augment_performance, augment_v1, augmenter
from howl_torch.content_hash import content_hash
from howl_torch.crops import CropSampler, validation_crops
from howl_torch.dataset import DatasetFormatError, read_dataset, read_howl
from howl_torch.rng import Rng
from howl_torch.v1 import encode_file

from tests.support import howl, reference, tiny_dataset


class HowlFileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.path = tiny_dataset()
        cls.dataset = read_howl(cls.path)
        cls.ref = reference("dataset", cls.path, "0", "3", "5")

    def test_metadata_split_and_identity_equal_howls(self) -> None:
        self.assertEqual(self.dataset.metadata(), self.ref["metadata"])
        self.assertEqual(self.dataset.file_indices("train"), self.ref["train"])
        self.assertEqual(self.dataset.file_indices("validation"), self.ref["validation"])
        self.assertEqual(self.dataset.identity(), self.ref["identity"])
        self.assertEqual(self.dataset.totals["notes"], 9126)
        self.assertEqual(len(self.ref["validation"]), 1)

    def test_notes_and_v1_rows_equal_howls_exactly(self) -> None:
        for index, ref in self.ref["notes"].items():
            notes = self.dataset.file_notes(int(index))
            for column in ("time", "duration", "pitch", "velocity"):
                np.testing.assert_array_equal(notes[column], np.array(ref[column]), err_msg=f"{index}.{column}")
            rows = encode_file(self.dataset, int(index))
            self.assertEqual(rows.shape, (len(ref["time"]), 4))
            np.testing.assert_array_equal(rows, np.array(ref["v1"]), err_msg=f"file {index}'s V1 rows")

    def test_content_hash_equals_howls(self) -> None:
        self.assertEqual(content_hash(b"a"), "f14b3bd07fa09ea6")
        self.assertEqual(content_hash(b"The quick brown fox jumps over the lazy dog"), "7c4c56362fa826cd")

    def test_refusals_name_the_file_and_the_reason_in_howls_words(self) -> None:
        with open(self.path, "rb") as f:
            data = f.read()
        folder = tempfile.mkdtemp(prefix="howl-torch-bad-")
        self.addCleanup(shutil.rmtree, folder)
        cases = {
            "magic.howl": (b"NOTHOWL!" + data[8:], "not a Howl dataset (wrong magic bytes)"),
            "version.howl": (
                data[:8] + (2).to_bytes(4, "little") + data[12:],
                "dataset format version 2; this Howl reads version 1",
            ),
            "short.howl": (data[:-100], f"truncated: {len(data) - 100} bytes, expected {len(data)} for 9126 notes"),
            "long.howl": (data + bytes(8), f"8 unexpected bytes after the end (expected {len(data)} bytes)"),
            "flipped.howl": (data[:-20] + bytes([data[-20] ^ 1]) + data[-19:], "checksum mismatch"),
        }
        for name, (content, message) in cases.items():
            path = os.path.join(folder, name)
            with open(path, "wb") as f:
                f.write(content)
            with self.assertRaises(DatasetFormatError, msg=name) as caught:
                read_howl(path)
            self.assertTrue(str(caught.exception).startswith(f"{path}: {message}"), str(caught.exception))
        # The flipped byte is in the velocities: without the checksum the file reads.
        read_howl(os.path.join(folder, "flipped.howl"), verify_checksum=False)


class CropsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.path = tiny_dataset()
        cls.dataset = read_howl(cls.path)

    def test_v1_crops_equal_howls_for_a_seed(self) -> None:
        ref = reference("crops", self.path, "train", "64", "7", "v1", "12")
        rng = Rng(7)
        sampler = CropSampler(self.dataset, "train", 64, rng, augment_v1)
        self.assertEqual(sampler.round_size, ref["roundSize"])
        for mine, theirs in zip(sampler.next_batch(12), ref["crops"]):
            np.testing.assert_array_equal(mine, np.array(theirs))
        self.assertEqual(rng.get_state(), ref["rng"])

    def test_performance_crops_and_source_weights_equal_howls(self) -> None:
        # pow and exp may differ from V8's in the last bit: the curve's volumes within 1e-12.
        ref = reference("crops", self.path, "train", "300", "11", "performance", "8", "piano-midi-de=2")
        rng = Rng(11)
        sampler = CropSampler(self.dataset, "train", 300, rng, augment_performance, {"piano-midi-de": 2})
        for mine, theirs in zip(sampler.next_batch(8), ref["crops"]):
            np.testing.assert_allclose(mine, np.array(theirs), rtol=1e-12, atol=1e-15)
        self.assertEqual(rng.get_state(), ref["rng"])

    def test_time_scale_crops_equal_howls(self) -> None:
        # --augment performance --time-scale 0.8,1.25 on both sides.
        ref = reference("crops", self.path, "train", "200", "5", "performance-narrow", "8")
        rng = Rng(5)
        sampler = CropSampler(self.dataset, "train", 200, rng, augmenter("performance", (0.8, 1.25)))
        for mine, theirs in zip(sampler.next_batch(8), ref["crops"]):
            np.testing.assert_allclose(mine, np.array(theirs), rtol=1e-12, atol=1e-15)
        self.assertEqual(rng.get_state(), ref["rng"])

    def test_unaugmented_validation_crops_equal_howls(self) -> None:
        ref = reference("validation", self.path, "128", "9")
        mine = validation_crops(self.dataset, 128, 9)
        self.assertEqual(len(mine), len(ref["crops"]))
        for a, b in zip(mine, ref["crops"]):
            np.testing.assert_array_equal(a, np.array(b))

    def test_bad_options_are_refused(self) -> None:
        with self.assertRaisesRegex(ValueError, "crop length 0"):
            CropSampler(self.dataset, "train", 0)
        with self.assertRaisesRegex(ValueError, 'source weight for "asap"'):
            CropSampler(self.dataset, "train", 8, Rng(1), None, {"asap": 1})


class _Column:
    """A stand-in for a pyarrow ChunkedArray: what howl_torch.parquet reads of one."""

    def __init__(self, kind: str, values: list) -> None:
        self.type = kind
        self.values = values
        self.null_count = sum(v is None for v in values)

    def to_pylist(self) -> list:
        return list(self.values)

    def to_numpy(self) -> np.ndarray:
        dtype = {"INT32": np.int32, "INT64": np.int64, "FLOAT": np.float32}.get(self.type, np.float64)
        return np.array(self.values, dtype=dtype)


def fake_pyarrow(tables: dict, folder: str, shuffle_notes: bool) -> dict[str, types.ModuleType]:
    """Modules named pyarrow and pyarrow.parquet serving the columns Howl's hyparquet read."""

    def table_of(path: str) -> dict:
        return tables[os.path.basename(path).split(".")[0]]

    def read_schema(path: str):
        t = table_of(path)
        return types.SimpleNamespace(
            metadata={k.encode(): v.encode() for k, v in t["keyValue"].items()}, names=list(t["columns"])
        )

    def read_table(path: str, columns: list):
        t = table_of(path)
        order = None
        if shuffle_notes and os.path.basename(path) == "notes.parquet":
            order = np.random.default_rng(5).permutation(len(t["columns"]["time"]["values"]))

        def column(name: str) -> _Column:
            c = t["columns"][name]
            values = c["values"] if order is None else [c["values"][i] for i in order]
            return _Column(c["type"], values)

        return types.SimpleNamespace(column=column)

    pa = types.ModuleType("pyarrow")
    pa.types = types.SimpleNamespace(
        is_integer=lambda t: t in ("INT32", "INT64"),
        is_floating=lambda t: t in ("FLOAT", "DOUBLE"),
        is_string=lambda t: t == "BYTE_ARRAY",
        is_large_string=lambda t: False,
    )
    pq = types.ModuleType("pyarrow.parquet")
    pq.read_schema = read_schema
    pq.read_table = read_table
    pa.parquet = pq
    return {"pyarrow": pa, "pyarrow.parquet": pq}


class ParquetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.path = tiny_dataset()
        cls.folder = os.path.join(os.path.dirname(cls.path), "tiny-parquet")
        if not os.path.exists(os.path.join(cls.folder, "files.parquet")):
            howl("export-data", cls.path, "-o", cls.folder)
        cls.howl_file = read_howl(cls.path)

    def assert_same_dataset(self, dataset) -> None:
        self.assertEqual(dataset.metadata(), self.howl_file.metadata())
        for column in ("time", "duration", "pitch", "velocity"):
            a, b = getattr(dataset, column), getattr(self.howl_file, column)
            self.assertEqual(a.dtype, b.dtype, column)
            np.testing.assert_array_equal(a, b, err_msg=column)

    def test_tables_read_as_the_howl_file_through_pyarrow_or_its_stand_in(self) -> None:
        tables = reference("parquet", self.folder)
        saved = {name: sys.modules.get(name) for name in ("pyarrow", "pyarrow.parquet")}
        sys.modules.update(fake_pyarrow(tables, self.folder, shuffle_notes=True))
        try:
            self.assert_same_dataset(read_dataset(self.folder))  # notes in a shuffled order
            self.assert_same_dataset(read_dataset(os.path.join(self.folder, "files.parquet")))
            tables["notes"]["columns"]["pitch"]["values"][3] = 120
            with self.assertRaisesRegex(DatasetFormatError, r"notes\.parquet: row \d+: pitch 120 is not in 0\.\.119"):
                read_dataset(self.folder)
        finally:
            for name, module in saved.items():
                if module is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module

    def test_real_pyarrow_reads_the_export(self) -> None:
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            self.skipTest("pyarrow is not installed (Debian has no python3-pyarrow); the stand-in covers the mapping")
        self.assert_same_dataset(read_dataset(self.folder))

    def test_without_pyarrow_the_error_names_the_file_and_the_reason(self) -> None:
        try:
            import pyarrow  # noqa: F401

            self.skipTest("pyarrow is installed")
        except ImportError:
            pass
        with self.assertRaises(DatasetFormatError) as caught:
            read_dataset(self.folder)
        message = str(caught.exception)
        self.assertIn(os.path.join(self.folder, "files.parquet"), message)
        self.assertIn("reading Parquet needs pyarrow, which is not installed", message)
        self.assertIn(f"howl import {self.folder} -o data.howl", message)


if __name__ == "__main__":
    unittest.main()
