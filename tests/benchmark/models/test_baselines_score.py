"""The learned baselines end to end: weights saved in each released layout → ``create_model`` →
``score`` on real alphamatting.com crops (../shared/data) with the official and native policies;
the run records provenance ``official-weights``, the policy and the model config."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmark.models.registry import create_model
from benchmark.scoring.score import score_model
from human2k.images import read_alpha, read_rgb, read_trimap, write_png
from tests.benchmark.models.helpers import seeded_weights

TINY_VITMATTE = {"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 2}


@pytest.fixture(scope="module")
def crops(tmp_path_factory, shared_data):
    """Two 96×128 windows of GT21/GT22 holding fg, bg and unknown pixels (trimap1)."""
    src = shared_data / "alphamatting"
    root = tmp_path_factory.mktemp("am_crops") / "alphamatting"
    for name in ("GT21", "GT22"):
        tri = read_trimap(src / "trimap1" / f"{name}.png")
        y, x = next(
            (y, x)
            for y in range(0, tri.shape[0] - 96, 16)
            for x in range(0, tri.shape[1] - 128, 16)
            if (tri[y : y + 96, x : x + 128] == 0).any()
            and (tri[y : y + 96, x : x + 128] == 255).any()
            and (tri[y : y + 96, x : x + 128] == 128).mean() > 0.2
        )
        win = (slice(y, y + 96), slice(x, x + 128))
        write_png(root / "image" / f"{name}.png", read_rgb(src / "image" / f"{name}.png")[win])
        write_png(root / "alpha" / f"{name}.png", read_alpha(src / "alpha" / f"{name}.png")[win])
        write_png(root / "trimap1" / f"{name}.png", tri[win])
    return root


def _released_file(name: str, tmp_path) -> str:
    """A seeded model saved the way its authors distribute it (no mattebench metadata)."""
    if name.startswith("vitmatte"):
        if importlib.util.find_spec("transformers") is None:
            pytest.skip("transformers missing (pip install 'mattebench[vitmatte]')")
        model = create_model(name, **TINY_VITMATTE)
        seeded_weights(model, seed=1)
        folder = tmp_path / "vitmatte-tiny"
        model.hf_model.save_pretrained(folder)
        return str(folder)
    model = seeded_weights(create_model(name), seed=1)
    if name == "gca":
        from benchmark.models.blocks.spectral_norm import refresh_spectral_norm

        refresh_spectral_norm(model)
    state = {"module." + k: v for k, v in model.state_dict().items()}
    path = tmp_path / f"{name}.pth"
    torch.save({"state_dict": state, "meta": {"epoch": 1}}, path)
    return str(path)


@pytest.mark.parametrize("name", ["gca", "indexnet", "dim", "vitmatte_s"])
def test_released_weights_score_end_to_end(name, crops, tmp_path):
    checkpoint = _released_file(name, tmp_path)
    records = {}
    for policy in ("official", "native"):
        rec = score_model(
            name,
            crops,
            tmp_path / "results",
            checkpoint=checkpoint,
            trimap_set="trimap1",
            policy=policy,
            save_preds=True,
        )
        assert rec.n_images == 2 and rec.n_failed == 0, rec.extra["failures"]
        assert rec.provenance == "official-weights" and rec.training_data == "official"
        assert rec.extra["policies"] == {policy: 2}
        assert all(np.isfinite(v) for v in rec.means.values())
        records[policy] = rec
    assert records["official"].extra["run_id"] != records["native"].extra["run_id"]
    run = json.loads(Path(records["official"].extra["run_dir"], "run.json").read_text())
    assert run["extra"]["policy_requested"] == "official"
    assert records["official"].model_config == CONFIGS[name]


CONFIGS = {
    "gca": {},
    "indexnet": {},
    "dim": {"stage": 3},  # a released file with refiner keys is scored as the full model
    "vitmatte_s": {"size": "custom", "pipeline": "hustvl"},
}
