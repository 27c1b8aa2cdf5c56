"""What python/tests/test_dataset.py and test_train.py share: paths, Howl's CLI and reference
script (Node, the built dist/), and a tiny dataset imported from the repository's own MIDI files
(test/fixtures/piano-midi-de: 6 pieces, 9,126 notes; 5 train, 1 held out)."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON_DIR)
HOWL = os.path.join(REPO, "bin", "howl.js")
REFERENCE = os.path.join(PYTHON_DIR, "tests", "howl_data_reference.mjs")
FIXTURES = os.path.join(REPO, "test", "fixtures", "piano-midi-de")
PYTHON = sys.executable

_tiny: dict[str, str] = {}


def require_dist() -> None:
    """Howl's built package is what the Node side runs; say how to make it when it is missing."""
    if not os.path.exists(os.path.join(REPO, "dist", "public", "index.js")):
        raise RuntimeError("dist/ is missing: run `npm run build` first (npm test builds it)")


def howl(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs Howl's CLI; raises with its output when it fails."""
    require_dist()
    result = subprocess.run(["node", HOWL, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"howl {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def reference(*args: str) -> Any:
    """Howl's own answer (python/tests/howl_data_reference.mjs), parsed."""
    require_dist()
    result = subprocess.run(["node", REFERENCE, *args], cwd=REPO, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"howl_data_reference.mjs {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return json.loads(result.stdout)


def tiny_dataset() -> str:
    """``tiny.howl``, imported once per test run by ``howl import`` from the fixtures."""
    if "path" not in _tiny:
        folder = tempfile.mkdtemp(prefix="howl-torch-tests-")
        atexit.register(shutil.rmtree, folder, True)
        path = os.path.join(folder, "tiny.howl")
        howl("import", FIXTURES, "-o", path)
        _tiny["path"] = path
    return _tiny["path"]


def python_env() -> dict[str, str]:
    """The environment for ``python3 -m howl_torch.…`` subprocesses: the package on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env
