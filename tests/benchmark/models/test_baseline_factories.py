"""Registry entries of the learned baselines: ModelInfo, factories, checkpoints and provenance."""

from __future__ import annotations

import importlib.util

import pytest
import torch
from click.testing import CliRunner

from benchmark.cli import cli
from benchmark.models.registry import create_model, list_models, model_info
from human2k.errors import ModelError
from tests.benchmark.models.helpers import seeded_weights

BASELINES = {
    "gca": 25_164_529,
    "indexnet": 5_953_515,
    "dim": 26_276_802,
    "vitmatte_s": 25_814_753,
    "vitmatte_b": 96_686_561,
}
TINY = {"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 2}
needs_hf = pytest.mark.skipif(
    importlib.util.find_spec("transformers") is None,
    reason="transformers missing (pip install 'mattebench[vitmatte]')",
)


def test_registry_entries_name_paper_licence_weights_and_policies():
    assert set(BASELINES) <= set(list_models(kind="deep"))
    for name, params in BASELINES.items():
        info = model_info(name)
        assert info.params == params and info.trainable and info.kind == "deep"
        assert info.paper and info.license and info.weights, name
        assert "no download is automated" in info.weights
        assert "official" in info.policies and info.default_policy == "auto"


def test_models_command_lists_them_with_their_released_weights():
    res = CliRunner().invoke(cli, ["models", "--kind", "deep"], terminal_width=200)
    assert res.exit_code == 0, res.output
    for name in BASELINES:
        assert name in res.output
    assert "gca-dist.pth" in res.output and "official-weights" in res.output


def test_indexnet_release_and_training_saves(tmp_path):
    net = seeded_weights(create_model("indexnet"), seed=2)
    path = tmp_path / "indexnet_matting.pth.tar"
    torch.save({"state_dict": {"module." + k: v for k, v in net.state_dict().items()}}, path)
    loaded = create_model("indexnet", checkpoint=str(path))
    assert loaded.weights.training_data == "official" and loaded.name == "indexnet"
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in net.state_dict().items())
    # a mattebench training save keeps its own tag, init_from starts a run from a file
    save = tmp_path / "model.pt"
    torch.save(
        {
            "model_name": "indexnet",
            "model": net.state_dict(),
            "model_kwargs": {},
            "training_data": "train:comp1k",
            "seed": 4,
        },
        save,
    )
    own = create_model("indexnet", checkpoint=str(save))
    assert (own.weights.training_data, own.weights.seed) == ("train:comp1k", 4)
    started = create_model("indexnet", init_from=str(path))
    assert not started.weights.loaded and started.training
    assert torch.equal(started.state_dict()["pred.1.weight"], net.state_dict()["pred.1.weight"])


def test_dim_stage_follows_the_file(tmp_path):
    full = seeded_weights(create_model("dim"), seed=1)
    stage1 = {k: v for k, v in full.state_dict().items() if not k.startswith("refiner.")}
    torch.save({"meta": {"mmedit_version": "0.3"}, "state_dict": stage1}, tmp_path / "s1.pth")
    torch.save({"meta": {}, "state_dict": full.state_dict()}, tmp_path / "s3.pth")
    assert create_model("dim", checkpoint=str(tmp_path / "s1.pth")).config == {"stage": 1}
    assert create_model("dim", checkpoint=str(tmp_path / "s3.pth")).config == {"stage": 3}
    two = create_model("dim", checkpoint=str(tmp_path / "s3.pth"), stage=2)
    assert two.config == {"stage": 2} and two.weights.training_data == "official"
    with pytest.raises(ModelError, match="8 missing keys: refiner"):
        create_model("dim", checkpoint=str(tmp_path / "s1.pth"), stage=3)
    # stage 2 starts from a stage-1 file: the refiner keeps its initialisation
    start = create_model("dim", stage=2, init_from=str(tmp_path / "s1.pth"))
    assert torch.equal(
        start.state_dict()["backbone.decoder.deconv1.weight"],
        full.state_dict()["backbone.decoder.deconv1.weight"],
    )
    assert not all(p.requires_grad for p in start.parameters())
    with pytest.raises(ModelError, match="DIM stage must be 1, 2 or 3"):
        create_model("dim", stage=4)


@needs_hf
def test_vitmatte_folders_sizes_and_pipelines(tmp_path):
    tiny = seeded_weights(create_model("vitmatte_s", **TINY), seed=3)
    folder = tmp_path / "tiny"
    tiny.hf_model.save_pretrained(folder)
    hf = create_model("vitmatte_s", checkpoint=str(folder), pipeline="hf")
    assert hf.config == {"size": "custom", "pipeline": "hf"} and hf.official_quantization is None
    assert hf.weights.training_data == "official" and hf.weights.checkpoint.endswith(".safetensors")
    hustvl = create_model("vitmatte_s", checkpoint=str(folder))
    assert hustvl.official_quantization == "truncate"
    with pytest.raises(ModelError, match="do not apply to a model folder"):
        create_model("vitmatte_s", checkpoint=str(folder), num_hidden_layers=3)
    with pytest.raises(ModelError, match="pipeline must be one of hustvl, hf"):
        create_model("vitmatte_s", pipeline="onnx", **TINY)
    # a B-sized folder given to vitmatte_s is refused by name before any weight is read
    from benchmark.models.vitmatte import vitmatte_config

    vitmatte_config("b").save_pretrained(tmp_path / "b")
    (tmp_path / "b" / "model.safetensors").write_bytes(b"")  # never read: the size check is first
    with pytest.raises(ModelError, match="holds ViTMatte-B, not ViTMatte-S; use vitmatte_b"):
        create_model("vitmatte_s", checkpoint=str(tmp_path / "b"))
    with pytest.raises(ModelError, match="not a readable weights file"):
        create_model("vitmatte_b", checkpoint=str(tmp_path / "b"))
