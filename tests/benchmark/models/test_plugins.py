"""Outside packages register models through the `mattebench.models` entry points.

Each test installs a tiny plugin distribution (a ``*.dist-info`` with ``entry_points.txt`` and
its module) into a temporary folder on ``PYTHONPATH`` and runs the real CLI in a subprocess,
so the registry starts from scratch and sees the plugin exactly as pip would install it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmark.models.registry import BUILTIN_MODULES, ENTRY_POINT_GROUP
from human2k.images import write_png

REPO = Path(__file__).resolve().parents[3]

PLUGIN_MODULE = '''
import numpy as np
from benchmark.models.interface import MattingModel
from benchmark.models.registry import register_model


class Quarter(MattingModel):
    isolate = False

    def __init__(self):
        self.config = {"unknown": 0.25}

    def predict(self, image, trimap):
        alpha = np.where(trimap == 255, 1.0, np.where(trimap == 0, 0.0, 0.25))
        return alpha.astype(np.float32)


@register_model(provenance="reimplemented", kind="classical", paper="test plugin")
def {name}(**kwargs):
    """A plugin model: unknown pixels get 0.25."""
    return Quarter()
'''


def install_plugin(site: Path, dist: str, module: str, model: str, body: str | None = None) -> None:
    info = site / f"{dist.replace('-', '_')}-0.1.dist-info"  # as pip names it
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{model} = {module}\n")
    (site / f"{module}.py").write_text(
        body if body is not None else PLUGIN_MODULE.replace("{name}", model)
    )


def run_cli(site: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    code = "from benchmark.cli import cli; cli()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_setup_cfg_declares_the_builtin_modules():
    text = (REPO / "setup.cfg").read_text()
    block = text.split(f"{ENTRY_POINT_GROUP} =")[1].split("\n\n")[0]
    declared = dict(
        (k.strip(), v.strip()) for k, v in (line.split("=") for line in block.strip().splitlines())
    )
    assert declared == BUILTIN_MODULES


def test_a_plugin_model_is_listed_and_scored(tmp_path):
    site = tmp_path / "site"
    install_plugin(site, "mattebench-quarter", "mb_quarter_plugin", "quarter_plugin")
    listing = run_cli(site, "models", "quarter*")
    assert listing.returncode == 0, listing.stderr
    assert "quarter_plugin" in listing.stdout and "plugin mattebench-quarter 0.1" in listing.stdout

    data = tmp_path / "data"
    tri = np.zeros((8, 8), np.uint8)
    tri[2:6] = 128
    tri[6:] = 255
    write_png(data / "merged/a_0.png", np.zeros((8, 8, 3), np.uint8))
    write_png(data / "alpha/a.png", np.where(tri == 255, 255, 0).astype(np.uint8))
    write_png(data / "trimaps/a_0.png", tri)
    scored = run_cli(
        site,
        "score",
        "--model",
        "quarter_plugin",
        "--dataset",
        str(data),
        "--out",
        str(tmp_path / "results"),
    )
    assert scored.returncode == 0, scored.stderr
    run_json = next((tmp_path / "results").rglob("run.json"))
    record = json.loads(run_json.read_text())
    # 32 unknown px at 0.25 (truncated to 63 of 255, the default quantisation) against GT 0
    assert record["model"] == "quarter_plugin"
    assert record["means"]["sad"] == pytest.approx(32 * 63 / 255 / 1000)


def test_a_plugin_reusing_a_builtin_name_is_an_error_naming_both(tmp_path):
    site = tmp_path / "site"
    install_plugin(site, "mattebench-clash", "mb_clash_plugin", "knn")
    res = run_cli(site, "models")
    assert res.returncode != 0
    line = res.stderr.strip().splitlines()[-1]
    assert "'knn' is registered twice" in line
    assert "benchmark.models.classical:knn" in line and "mb_clash_plugin:knn" in line


def test_a_broken_plugin_is_reported_and_the_others_still_load(tmp_path):
    site = tmp_path / "site"
    install_plugin(
        site,
        "mattebench-broken",
        "mb_broken_plugin",
        "broken",
        body="raise ImportError('no gpu lib')\n",
    )
    res = run_cli(site, "models")
    assert res.returncode == 0, res.stderr
    assert "closed_form" in res.stdout
    assert "plugin failed to load" in res.stdout and "no gpu lib" in res.stdout


def test_registering_a_factory_that_returns_no_model_is_refused():
    from benchmark.models import registry
    from human2k.errors import ModelError

    def not_a_model(**kwargs):
        return object()

    registry.register_model(kind="classical", provenance="reference")(not_a_model)
    try:
        with pytest.raises(ModelError, match="not a benchmark.models.interface.MattingModel"):
            registry.create_model("not_a_model")
    finally:
        registry.unregister_model("not_a_model")
