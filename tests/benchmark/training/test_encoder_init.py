"""train --encoder-init: GCA's ImageNet ResNet-34-D file and a torchvision ResNet-34 state_dict.

Both files are built here in the exact layouts (GCA's ``load_imagenet_pretrain`` reads
``checkpoint['state_dict']`` with ``module.`` prefixes, spectral-norm keys and a 3-channel first
conv; torchvision's ``resnet34().state_dict()`` has plain keys, a 7×7 stem and ``fc``).
"""

from __future__ import annotations

import json

import pytest
import torch

from benchmark.models.registry import create_model
from benchmark.training import train
from benchmark.training.encoder_init import (
    detect_layout,
    load_encoder_init,
    torchvision_to_resnet_d,
)
from human2k.errors import InputError, ModelError
from human2k.manifest import sha256_file
from tests.benchmark.training.test_data import make_training_tree

BACKBONE = (
    "conv1.",
    "conv2.",
    "conv3.",
    "bn1.",
    "bn2.",
    "bn3.",
    "layer1.",
    "layer2.",
    "layer3.",
    "layer_bottleneck.",
)


def _bn(prefix, c, g):
    return {
        f"{prefix}.weight": torch.rand(c, generator=g),
        f"{prefix}.bias": torch.randn(c, generator=g),
        f"{prefix}.running_mean": torch.randn(c, generator=g),
        f"{prefix}.running_var": torch.rand(c, generator=g) + 0.5,
        f"{prefix}.num_batches_tracked": torch.tensor(1000),
    }


def _sn(prefix, shape, g):
    return {
        f"{prefix}.module.weight_u": torch.randn(shape[0], generator=g),
        f"{prefix}.module.weight_v": torch.randn(int(torch.tensor(shape[1:]).prod()), generator=g),
        f"{prefix}.module.weight_bar": torch.randn(*shape, generator=g) * 0.05,
    }


def gca_imagenet_state(seed=0):
    """GCA's ResNet34_En_nomixup layout: ResNet-D [3, 4, 6, 3], SN convs, 3-channel conv1, fc."""
    g = torch.Generator().manual_seed(seed)
    s = {
        **_sn("conv1", (32, 3, 3, 3), g),
        **_sn("conv2", (32, 32, 3, 3), g),
        **_sn("conv3", (64, 32, 3, 3), g),
        **_bn("bn1", 32, g),
        **_bn("bn2", 32, g),
        **_bn("bn3", 64, g),
    }
    cin = 64
    for stage, (width, blocks) in zip(
        ("layer1", "layer2", "layer3", "layer_bottleneck"),
        ((64, 3), (128, 4), (256, 6), (512, 3)),
        strict=True,
    ):
        for b in range(blocks):
            s.update(_sn(f"{stage}.{b}.conv1", (width, cin if b == 0 else width, 3, 3), g))
            s.update(_bn(f"{stage}.{b}.bn1", width, g))
            s.update(_sn(f"{stage}.{b}.conv2", (width, width, 3, 3), g))
            s.update(_bn(f"{stage}.{b}.bn2", width, g))
            if b == 0 and stage != "layer1":
                s.update(_sn(f"{stage}.0.downsample.1", (width, cin, 1, 1), g))
                s.update(_bn(f"{stage}.0.downsample.2", width, g))
        cin = width
    s["fc.weight"], s["fc.bias"] = torch.randn(1000, 512, generator=g), torch.zeros(1000)
    return s


def torchvision_resnet34_state(seed=0):
    """torchvision.models.resnet34().state_dict(): key names and shapes."""
    g = torch.Generator().manual_seed(seed)
    s = {"conv1.weight": torch.randn(64, 3, 7, 7, generator=g), **_bn("bn1", 64, g)}
    cin = 64
    for n, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3)), start=1):
        for b in range(blocks):
            s[f"layer{n}.{b}.conv1.weight"] = torch.randn(
                width, cin if b == 0 else width, 3, 3, generator=g
            )
            s.update(_bn(f"layer{n}.{b}.bn1", width, g))
            s[f"layer{n}.{b}.conv2.weight"] = torch.randn(width, width, 3, 3, generator=g)
            s.update(_bn(f"layer{n}.{b}.bn2", width, g))
            if b == 0 and n > 1:
                s[f"layer{n}.0.downsample.0.weight"] = torch.randn(width, cin, 1, 1, generator=g)
                s.update(_bn(f"layer{n}.0.downsample.1", width, g))
        cin = width
    s["fc.weight"], s["fc.bias"] = torch.randn(1000, 512, generator=g), torch.zeros(1000)
    return s


@pytest.fixture(scope="module")
def gca_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("pretrain") / "model_best_resnet34_En_nomixup.pth"
    state = gca_imagenet_state()
    torch.save(
        {
            "state_dict": {f"module.{k}": v for k, v in state.items()},
            "epoch": 90,
            "best_prec1": 73.0,
        },
        path,
    )
    return path, state


def test_gca_layout_loads_the_backbone_and_widens_conv1(gca_file):
    path, state = gca_file
    torch.manual_seed(0)
    model = create_model("timinet")
    before = {k: v.clone() for k, v in model.encoder.state_dict().items()}
    init = load_encoder_init(model, path)
    after = model.encoder.state_dict()
    assert init.layout == "gca" and init.sha256 == sha256_file(path)
    assert init.widened == ("conv1.module.weight_bar", "conv1.module.weight_v")
    # every backbone key of the encoder comes from the file: 3 + 3 stem SN convs/BNs, ...
    backbone = [k for k in after if k.startswith(BACKBONE)]
    assert sorted(init.loaded) == sorted(backbone) and len(init.loaded) == 256
    for k in init.loaded:
        if k not in init.widened:
            assert torch.equal(after[k], state[k]), k
    bar, v = after["conv1.module.weight_bar"], after["conv1.module.weight_v"]
    assert torch.equal(bar[:, :3], state["conv1.module.weight_bar"]) and not bar[:, 3:].any()
    assert torch.equal(v[:27], state["conv1.module.weight_v"]) and not v[27:].any()
    u = state["conv1.module.weight_u"]  # GCA's check: sigma unchanged by the zero channel
    sigma_old = u @ state["conv1.module.weight_bar"].view(32, -1) @ state["conv1.module.weight_v"]
    assert torch.allclose(u @ bar.view(32, -1) @ v, sigma_old)
    # what the ImageNet net has and TIMI-Net's encoder does not: 2 extra layer3 blocks, a third
    # bottleneck block, the classifier
    assert set(init.skipped) == {
        k for k in state if k.startswith(("layer3.4.", "layer3.5.", "layer_bottleneck.2.", "fc."))
    }
    assert all(r == "no such key in the encoder" for r in init.skipped.values())
    # TIMI-specific modules keep their seeded initialisation
    assert init.kept_init and all(not k.startswith(BACKBONE) for k in init.kept_init)
    assert all(torch.equal(after[k], before[k]) for k in init.kept_init)
    assert any(k.startswith("aspp") for k in init.kept_init)
    assert any(k.startswith("shortcut") for k in init.kept_init)


def test_torchvision_layout_maps_onto_resnet_d(tmp_path):
    state = torchvision_resnet34_state()
    path = tmp_path / "resnet34.pth"
    torch.save(state, path)
    assert detect_layout(state) == "torchvision"
    renamed, _ = torchvision_to_resnet_d(state)
    torch.manual_seed(0)
    model = create_model("timinet_basic")
    init = load_encoder_init(model, path)
    after = model.encoder.state_dict()
    assert init.layout == "torchvision" and not init.widened
    assert "layer2.0.downsample.1.module.weight_bar" in init.loaded
    assert "layer_bottleneck.1.bn2.running_var" in init.loaded
    for k in init.loaded:
        assert torch.equal(after[k], renamed[k]), k
    assert not any(k.startswith(("conv1.", "conv2.", "conv3.", "bn")) for k in init.loaded)
    assert init.skipped["conv1.weight"].startswith("7×7 stem")
    assert init.skipped["fc.weight"].startswith("classifier")
    assert "layer3.5.conv1.module.weight_bar" in init.skipped  # torchvision's 6 blocks vs 4
    # u/v recomputed from the loaded weight: sigma = the largest singular value
    w = after["layer2.1.conv1.module.weight_bar"].view(128, -1)
    u, v = after["layer2.1.conv1.module.weight_u"], after["layer2.1.conv1.module.weight_v"]
    assert "layer2.1.conv1.module.weight_u" in init.recomputed
    assert float(u @ w @ v) == pytest.approx(float(torch.linalg.matrix_norm(w, ord=2)), rel=1e-5)
    assert len(init.recomputed) == 2 * sum(k.endswith("weight_bar") for k in init.loaded)


def test_bad_files_are_clear_errors(tmp_path):
    model = create_model("timinet_basic")
    with pytest.raises(InputError, match="Google Drive|README") as exc:
        load_encoder_init(model, tmp_path / "missing.pth")
    assert exc.value.param == "encoder_init"
    torch.save({"weight": torch.zeros(2)}, tmp_path / "other.pth")
    with pytest.raises(ModelError, match="known layout"):
        load_encoder_init(model, tmp_path / "other.pth")


def test_train_records_the_init_and_the_recipe_asks_for_it(gca_file, tmp_path, monkeypatch):
    path, _ = gca_file
    data = make_training_tree(tmp_path / "data")
    kw = dict(recipe="gca", epochs=1, batch_size=2, crop=64, limit_samples=2, seed=0)
    monkeypatch.chdir(tmp_path)  # the recipe's default file is ./pretrain/...: absent here
    with pytest.raises(InputError, match=r"recipe 'gca'.*GCA-Matting's README.*'scratch'") as exc:
        train("timinet_basic", data, tmp_path / "none", **kw)
    assert exc.value.param == "encoder_init"
    run = train("timinet_basic", data, tmp_path / "run", encoder_init=path, **kw)
    start = json.loads(run.log.read_text().splitlines()[0])
    assert start["event"] == "start"
    assert start["encoder_init"]["sha256"] == sha256_file(path)
    assert start["encoder_init"]["n_loaded"] == len(start["encoder_init"]["loaded"]) == 256
    assert start["config"]["encoder_init_sha256"] == sha256_file(path)
    payload = torch.load(run.checkpoint, weights_only=True)
    assert payload["encoder_init"] == {"path": str(path), "sha256": sha256_file(path)}
    assert "keys loaded" in run.encoder_init
    scratch = train("timinet_basic", data, tmp_path / "s", encoder_init="scratch", **kw)
    assert "from scratch" in scratch.encoder_init
