"""Shared by the serve tests: tiny hidden-GT benchmarks, prediction zips, and a real server
process on a free localhost port that is always stopped at the end."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

from human2k.images import write_png

REPO = Path(__file__).resolve().parents[3]


def make_benchmark(root: Path, n: int = 10, *, h: int = 24, w: int = 32, seed: int = 0) -> Path:
    """A composite-layout test split ``root/tiny/test`` (merged/, alpha/ per fg, trimaps/)."""
    split = root / "tiny" / "test"
    rng = np.random.default_rng(seed)
    for i in range(n):
        fg, name = f"fg{i // 2}", f"fg{i // 2}_{i % 2}"
        gt = np.zeros((h, w), np.uint8)
        gt[:, w // 2 :] = 255
        gt[:, w // 2 - 3 : w // 2 + 3] = rng.integers(0, 256, (h, 6), dtype=np.uint8)
        trimap = np.zeros((h, w), np.uint8)
        trimap[:, w // 2 :] = 255
        trimap[:, w // 2 - 6 : w // 2 + 6] = 128
        write_png(split / "merged" / f"{name}.png", rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        write_png(split / "alpha" / f"{fg}.png", gt)
        write_png(split / "trimaps" / f"{name}.png", trimap)
    return split


def make_predictions(folder: Path, split: Path, *, seed: int = 1) -> list[Path]:
    """One random-ish prediction per trimap of SPLIT, written to FOLDER."""
    rng = np.random.default_rng(seed)
    out = []
    for trimap in sorted((split / "trimaps").glob("*.png")):
        from human2k.images import read_trimap

        t = read_trimap(trimap)
        pred = np.where(t == 128, rng.integers(0, 256, t.shape), t).astype(np.uint8)
        write_png(folder / trimap.name, pred)
        out.append(folder / trimap.name)
    return out


def zip_files(zip_path: Path, files: list[Path], *, folder: str = "") -> Path:
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(f, f"{folder}{f.name}")
    return zip_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    def peak_rss_mib(self) -> float:
        """VmHWM (peak resident memory) of the server process, MiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


@contextlib.contextmanager
def running_server(data_dir: Path, *args: str, log: Path, timeout: float = 240.0):
    """``mattebench serve`` in a child process on a free port; stopped (SIGTERM, then SIGKILL)
    when the block ends, whatever happens in it."""
    port = free_port()
    cmd = [sys.executable, "-c", "from benchmark.cli import cli; cli()", "serve"]
    cmd += ["--port", str(port), "--data-dir", str(data_dir), *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADIO_")}
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, env=env)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url + "config", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready after {timeout} s:\n{log.read_text()}")
            time.sleep(0.5)
        yield Server(url, proc, log)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)


def browser_paths() -> tuple[str, str] | None:
    """(chromium, chromedriver) when both are installed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None
