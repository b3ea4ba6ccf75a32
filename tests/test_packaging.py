"""`pip install .` ships every data file the code reads, and builds without warnings."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("human2k", "benchmark", "timinet")


def _tracked() -> list[str]:
    res = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    return res.stdout.split() if res.returncode == 0 else []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[Path, str]:
    """Build a wheel from a copy of the tracked files (a clean checkout), warnings on."""
    files = _tracked()
    if not files:
        pytest.skip("not a git checkout: cannot tell which files a clean checkout has")
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("wheel")
    for rel in files:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, src / rel)
    code = "import os, sys; os.chdir(sys.argv[1]); from setuptools import build_meta as b; print(b.build_wheel(sys.argv[2]))"
    res = subprocess.run(
        [sys.executable, "-W", "always", "-c", code, str(src), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return out / res.stdout.strip().splitlines()[-1], res.stderr


def test_wheel_builds_without_setuptools_warnings(wheel):
    _, log = wheel
    warnings = [line for line in log.splitlines() if "Warning" in line or "!!" in line]
    assert not warnings, "\n".join(warnings[:20])


def test_wheel_holds_every_module_and_data_file(wheel):
    path, _ = wheel
    names = set(zipfile.ZipFile(path).namelist())
    tracked = [f for f in _tracked() if f.split("/")[0] in PACKAGES]
    missing = [f for f in tracked if f not in names]
    assert not missing, f"not in the wheel: {missing}"
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(path).read(entry_points).decode()
    assert "[mattebench.models]" in text and "[console_scripts]" in text
