"""Recorded outputs of what defines published numbers: a dependency upgrade that changes them
fails here, loudly, instead of silently moving a leaderboard.

* the bytes (SHA-256 per file) of the synthetic trees, for a fixed seed;
* seeded training samples of both augmentation recipes (SHA-256 of the arrays);
* (the D646 and Human-2K test trimaps are pinned in tests/human2k/test_test_trimaps.py);
* a seeded CPU forward of every registered deep model: the model is built under
  ``torch.manual_seed(0)`` and run through the native policy on a fixed 64×96 input; a few
  alpha values and their sum are compared at rel 1e-4 (float summation order may differ
  between CPUs, a real change does not stay that small).

Recording: ``MATTEBENCH_RECORD=1 pytest tests/test_recorded_outputs.py`` rewrites
``tests/data/recorded_outputs.json`` (review the diff: it must be explained by a deliberate
change). A deep model without a recording fails the test until it is recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

RECORD = Path(__file__).parent / "data" / "recorded_outputs.json"
RECORDING = os.environ.get("MATTEBENCH_RECORD") == "1"
PROBES = [(10, 20), (20, 80), (30, 30), (45, 70), (50, 15)]  # unknown-region pixels


def _recorded() -> dict:
    return json.loads(RECORD.read_text()) if RECORD.is_file() else {}


def _check(section: str, key: str, value) -> None:
    data = _recorded()
    if RECORDING:
        data.setdefault(section, {})[key] = value
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        RECORD.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        return
    assert key in data.get(section, {}), (
        f"no recording of {section}/{key}: run with MATTEBENCH_RECORD=1"
    )
    expected = data[section][key]
    if isinstance(value, dict) and "probes" in value:
        np.testing.assert_allclose(value["probes"], expected["probes"], rtol=1e-4, atol=1e-6)
        assert value["sum"] == pytest.approx(expected["sum"], rel=1e-4)
    else:
        assert value == expected, f"{section}/{key} changed"


def _tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("layout", ["comp1k", "d646", "human2k_raw"])
def test_synthetic_tree_bytes(layout, tmp_path):
    from human2k.synthetic import write_comp1k_tree, write_d646_tree, write_human2k_raw

    small = dict(n_train_fg=2, n_test_fg=1, bg_train=1, bg_test=1, seed=0, size=(64, 48))
    if layout == "comp1k":
        write_comp1k_tree(tmp_path, **small)
    elif layout == "d646":
        write_d646_tree(tmp_path, **small)
    else:
        write_human2k_raw(tmp_path, n=3, seed=0, size=(64, 48))
    _check("synthetic_trees", layout, _tree_hashes(tmp_path))


def _deep_models() -> list[str]:
    from benchmark.models.registry import list_models

    return list_models(kind="deep")


@pytest.mark.parametrize("name", _deep_models())
def test_seeded_cpu_forward(name):
    import torch

    from benchmark.models.registry import create_model

    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    trimap = np.zeros((64, 96), np.uint8)
    trimap[8:56, 12:84] = 128
    trimap[24:40, 36:60] = 255
    torch.manual_seed(0)
    with torch.no_grad():
        model = create_model(name).eval()
        alpha = model.predict(image, trimap, policy="native")
    value = {"probes": [float(alpha[y, x]) for y, x in PROBES], "sum": float(alpha.sum())}
    _check("seeded_forward", name, value)


@pytest.mark.parametrize("recipe", ["gca", "paper"])
def test_seeded_augmentation_samples(recipe, tmp_path):
    """The training samples of a seed are data too: pinned per recipe (SHA-256 of the arrays)."""
    from human2k.training_samples import OnlineSamples
    from human2k.training_sources import find_training_data
    from tests.benchmark.training.test_data import make_training_tree

    tree = make_training_tree(tmp_path, n_fg=2, n_bg=4, size=(96, 80), seed=0)
    samples = OnlineSamples(find_training_data(tree), recipe=recipe, crop=64, seed=7)
    digests = {}
    for epoch, index in ((1, 0), (1, 3), (2, 1)):
        s = samples.sample(epoch, index)
        h = hashlib.sha256()
        for key in ("image", "trimap", "alpha", "fg", "bg"):
            h.update(np.ascontiguousarray(s[key]).tobytes())
        digests[f"epoch{epoch}/index{index}"] = h.hexdigest()
    _check("augmentation_samples", recipe, digests)
