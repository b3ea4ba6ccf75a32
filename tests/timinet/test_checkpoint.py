"""Loading a state_dict in the official TIMI-Net.pth layout: strict, wrapped/prefixed, clear errors."""

from __future__ import annotations

import pytest
import torch

from benchmark.models.registry import create_model
from human2k.errors import ModelError
from human2k.manifest import sha256_file
from timinet.checkpoint import load_official_checkpoint

_MODELS: dict[str, torch.nn.Module] = {}


def _timinet(key: str) -> torch.nn.Module:
    if key not in _MODELS:
        torch.manual_seed(len(key))
        _MODELS[key] = create_model("timinet")
    return _MODELS[key]


def _official_layout(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A 'trained-looking' state_dict: random weights, BN statistics and non-zero γ."""
    g = torch.Generator().manual_seed(1)
    state = {}
    for k, v in model.state_dict().items():
        if v.dtype.is_floating_point:
            v = (
                torch.rand(v.shape, generator=g) + 0.5
                if k.endswith("running_var")
                else (torch.randn(v.shape, generator=g) * (0.5 if "gamma" in k else 0.05))
            )
        state[k] = v.clone()
    return state


@pytest.mark.parametrize("wrap", ["bare", "module_prefix", "nested"])
def test_strict_load_reproduces_outputs(tmp_path, wrap):
    source = _timinet("source")
    state = _official_layout(source)
    source.load_state_dict(state)
    saved = {
        "bare": state,
        "module_prefix": {"module." + k: v for k, v in state.items()},
        "nested": {"state_dict": {"module." + k: v for k, v in state.items()}, "iteration": 5},
    }[wrap]
    path = tmp_path / "TIMI-Net.pth"
    torch.save(saved, path)
    target = create_model("timinet", checkpoint=str(path))
    assert not target.training
    assert target.weights.sha256 == sha256_file(path)
    for k, v in target.state_dict().items():
        assert torch.equal(v, state[k]), k
    img = torch.randn(1, 3, 64, 64)
    tri = (
        torch.nn.functional.one_hot(torch.randint(0, 3, (1, 64, 64)), 3).permute(0, 3, 1, 2).float()
    )
    with torch.no_grad():
        expected = source.eval()(img, tri)
        assert torch.equal(target(img, tri), expected)


def test_mismatches_are_listed(tmp_path):
    state = dict(_timinet("source").state_dict())
    state.pop("encoder.memory.gamma_image")
    state["encoder.extra.weight"] = torch.zeros(1)
    state["decoder.conv2.weight"] = torch.zeros(1, 32, 5, 5)
    path = tmp_path / "bad.pth"
    torch.save(state, path)
    with pytest.raises(ModelError) as err:
        load_official_checkpoint(_timinet("target"), path)
    msg = str(err.value)
    assert str(path) in msg
    assert "1 missing keys: encoder.memory.gamma_image" in msg
    assert "1 unexpected keys: encoder.extra.weight" in msg
    assert "decoder.conv2.weight (1, 32, 5, 5) vs model (1, 32, 3, 3)" in msg


def test_ablation_checkpoint_does_not_fit_full_model(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "basic.pth"
    torch.save(create_model("timinet_basic").state_dict(), path)
    with pytest.raises(ModelError, match="missing keys: .*encoder.res_module"):
        load_official_checkpoint(_timinet("target"), path)


def test_unreadable_and_missing_files(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        load_official_checkpoint(torch.nn.Linear(1, 1), tmp_path / "nope.pth")
    bad = tmp_path / "garbage.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="not a readable torch checkpoint"):
        load_official_checkpoint(torch.nn.Linear(1, 1), bad)
    torch.save({"optimizer": 1}, tmp_path / "opt.pth")
    with pytest.raises(ModelError, match="no state_dict found"):
        load_official_checkpoint(torch.nn.Linear(1, 1), tmp_path / "opt.pth")


def test_training_save_rebuilds_with_its_model_kwargs(tmp_path):
    torch.manual_seed(0)
    trained = create_model("timinet", keep_unused_projections=False, trimap_projections="separate")
    path = tmp_path / "model.pt"
    torch.save(
        {
            "format": 1,
            "model_name": "timinet",
            "model": trained.state_dict(),
            "config": trained.config,
            "model_kwargs": {
                "trimap_projections": "separate",
                "keep_unused_projections": False,
                "attention": "naive",
            },
            "seed": 0,
        },
        path,
    )
    loaded = create_model("timinet", checkpoint=str(path))
    assert loaded.config["trimap_projections"] == "separate"
    assert loaded.config["attention"] == "auto"  # runtime option not taken from the save
    for k, v in loaded.state_dict().items():
        assert torch.equal(v, trained.state_dict()[k])


def test_weights_provenance_is_exposed_for_run_records(tmp_path):
    """score reads model.weights (training data, seed, checkpoint SHA-256) into run.json."""
    untrained = create_model("timinet_basic")
    assert (
        untrained.weights.training_data == "untrained (random init)"
        and not untrained.weights.loaded
    )
    path = tmp_path / "model.pt"
    torch.save(
        {
            "format": "mattebench.model/1",
            "model_name": "timinet_basic",
            "model": untrained.state_dict(),
            "model_kwargs": {},
            "training_data": "train:comp1k",
            "seed": 7,
        },
        path,
    )
    loaded = create_model("timinet_basic", checkpoint=str(path))
    assert (loaded.weights.training_data, loaded.weights.seed) == ("train:comp1k", 7)
    assert len(loaded.weights.sha256) == 64
    bare = tmp_path / "bare.pth"
    torch.save(untrained.state_dict(), bare)
    assert create_model("timinet_basic", checkpoint=str(bare)).weights.training_data == "unknown"


def test_checkpoint_of_another_variant_names_its_model(tmp_path):
    path = tmp_path / "basic.pt"
    torch.save(
        {
            "format": "mattebench.model/1",
            "model_name": "timinet_basic",
            "model": create_model("timinet_basic").state_dict(),
            "model_kwargs": {},
        },
        path,
    )
    with pytest.raises(ModelError, match=r"saved from timinet_basic"):
        create_model("timinet_ti2", checkpoint=str(path))
