"""ViTMatte through transformers: HF checkpoint layout, local-folder loading, processor inference.

Oracles: ``benchmark/models/vitmatte/official_keys_{s,b}.txt`` (enumerated by hand from the
transformers modeling code with the conversion script's config, see their headers),
:func:`_hf_reference`, written in this file step by step after ``VitMatteImageProcessor``
(rescale, normalise, concatenate, zero-pad) and the documented crop of ``alphas``, and
:func:`_hustvl_reference`, after hustvl/ViTMatte's ``inference.py`` and ``preprocess_inputs``.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmark.models.vitmatte import (
    INSTALL_HINT,
    ViTMatte,
    hf_predict,
    load_pretrained_folder,
    native_inputs,
    vitmatte_config,
)
from human2k.errors import InputError, ModelError
from tests.benchmark.models.helpers import (
    count_from_key_list,
    image_and_trimap,
    parse_key_list,
    seeded_weights,
    shapes,
)

HERE = Path(__file__).resolve().parents[3] / "benchmark" / "models" / "vitmatte"
needs_hf = pytest.mark.skipif(
    importlib.util.find_spec("transformers") is None,
    reason=f"transformers missing ({INSTALL_HINT})",
)
TINY = {"num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 2}


def _meta(size: str) -> ViTMatte:
    with torch.device("meta"):
        return ViTMatte.from_size(size)


def _seeded(size: str = "s", seed: int = 0, **overrides) -> ViTMatte:
    """Random weights without the library initialisers: build on meta, then fill every tensor."""
    with torch.device("meta"):
        net = ViTMatte.from_size(size, **overrides)
    return seeded_weights(net.to_empty(device="cpu"), seed=seed)


@pytest.fixture(scope="module")
def net_s() -> ViTMatte:
    return _seeded("s")


@needs_hf
@pytest.mark.parametrize(("size", "params"), [("s", 25_814_753), ("b", 96_686_561)])
def test_state_dict_is_the_hugging_face_layout(size, params):
    expected = parse_key_list(HERE / f"official_keys_{size}.txt")
    net = _meta(size)
    assert len(expected) == 258
    assert shapes(net) == expected
    assert set(net.hf_model.state_dict()) == set(expected)  # same keys as model.safetensors
    assert count_from_key_list(expected) == params == sum(p.numel() for p in net.parameters())


@needs_hf
def test_configs_use_lists_and_the_released_backbone():
    config = vitmatte_config("b")
    assert config.fusion_hidden_sizes == [256, 128, 64, 32]
    assert config.convstream_hidden_sizes == [48, 96, 192]
    backbone = config.backbone_config
    assert (backbone.hidden_size, backbone.num_attention_heads, backbone.num_channels) == (
        768,
        12,
        4,
    )
    assert backbone.out_features == ["stage12"] and backbone.residual_block_indices == [2, 5, 8, 11]
    with pytest.raises(ModelError, match="unknown ViTMatte size"):
        vitmatte_config("l")


def _hf_folder(tmp_path: Path, net: ViTMatte, processor: dict | None = None) -> Path:
    folder = tmp_path / "vitmatte-tiny"
    net.hf_model.save_pretrained(folder)
    if processor is not None:
        (folder / "preprocessor_config.json").write_text(json.dumps(processor))
    return folder


@needs_hf
def test_local_folder_loads_strictly_offline_and_round_trips(tmp_path, monkeypatch):
    net = _seeded("s", seed=2, **TINY)
    processor = {
        "image_processor_type": "VitMatteImageProcessor",
        "image_mean": [0.485, 0.456, 0.406],
    }
    processor |= {"image_std": [0.229, 0.224, 0.225], "size_divisibility": 32}
    folder = _hf_folder(tmp_path, net, processor)
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json",
        "model.safetensors",
        "preprocessor_config.json",
    ]

    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    loaded = load_pretrained_folder(folder)
    assert not loaded.training
    for key, value in net.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    assert loaded.processor["image_mean"] == [0.485, 0.456, 0.406]
    assert loaded.processor["size_divisor"] == 32
    # pytorch_model.bin instead of model.safetensors (what hustvl/vitmatte-base-composition-1k has)
    (folder / "model.safetensors").unlink()
    torch.save(net.state_dict(), folder / "pytorch_model.bin")
    again = load_pretrained_folder(folder)
    assert all(torch.equal(again.state_dict()[k], v) for k, v in net.state_dict().items())


@needs_hf
def test_bad_folders_give_one_model_error_each(tmp_path):
    from safetensors.torch import save_file

    net = _seeded("s", seed=3, **TINY)
    folder = _hf_folder(tmp_path, net)
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    del state["decoder.matting_head.matting_convs.3.bias"]
    state["decoder.extra.weight"] = torch.zeros(2)
    state["backbone.embeddings.projection.weight"] = torch.zeros(64, 3, 16, 16)
    save_file(state, str(folder / "model.safetensors"))
    with pytest.raises(ModelError) as info:
        load_pretrained_folder(folder)
    message = str(info.value)
    assert "model.safetensors" in message
    assert "1 missing keys: decoder.matting_head.matting_convs.3.bias" in message
    assert "1 unexpected keys: decoder.extra.weight" in message
    assert (
        "backbone.embeddings.projection.weight (64, 3, 16, 16) vs model (64, 4, 16, 16)" in message
    )
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "model_type": "vitdet"}))
    with pytest.raises(ModelError, match="model_type is 'vitdet'"):
        load_pretrained_folder(folder)
    (folder / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="neither model.safetensors"):
        load_pretrained_folder(folder)
    with pytest.raises(ModelError, match="no config.json"):
        load_pretrained_folder(tmp_path / "absent")


def test_missing_transformers_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)  # makes `import transformers` fail
    with pytest.raises(ModelError, match=r"pip install 'mattebench\[vitmatte\]'"):
        ViTMatte.from_size("s")
    with pytest.raises(ModelError, match="mattebench\\[vitmatte\\]"):
        vitmatte_config("s")


def _hf_reference(net, image, trimap, mean, std):
    """VitMatteImageProcessor._preprocess (rescale, normalize, concatenate, pad), model, crop."""
    rescale_factor, size_divisor = 1 / 255, 32
    img = image.transpose(2, 0, 1)  # channels first, as the processor prepares images
    img = (img.astype(np.float64) * rescale_factor).astype(np.float32)  # rescale()
    tri = (trimap[None].astype(np.float64) * rescale_factor).astype(np.float32)
    mean, std = np.array(mean, dtype=np.float32), np.array(std, dtype=np.float32)
    img = ((img.T - mean) / std).T  # normalize(), channels-first branch
    x = np.concatenate([img, tri], axis=0)
    height, width = x.shape[1:]
    pad_height = 0 if height % size_divisor == 0 else size_divisor - height % size_divisor
    pad_width = 0 if width % size_divisor == 0 else size_divisor - width % size_divisor
    x = np.pad(x, ((0, 0), (0, pad_height), (0, pad_width)), mode="constant", constant_values=0)
    with torch.no_grad():
        alphas = net.hf_model(pixel_values=torch.from_numpy(x)[None]).alphas
    return alphas[0, 0, : image.shape[0], : image.shape[1]].numpy()


@needs_hf
@pytest.mark.parametrize("mean_std", ["hub", "imagenet"])
def test_official_predict_equals_the_processor_pipeline(net_s, mean_std, monkeypatch):
    imagenet = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    mean, std = ([0.5] * 3, [0.5] * 3) if mean_std == "hub" else imagenet
    monkeypatch.setattr(
        net_s, "processor", {**net_s.processor, "image_mean": mean, "image_std": std}
    )
    image, trimap = image_and_trimap(50, 70, seed=3)  # zero-padded to 64×96
    alpha = hf_predict(net_s, image, trimap)
    reference = _hf_reference(net_s, image, trimap, mean, std)
    assert alpha.shape == (50, 70) and alpha.dtype == np.float32
    np.testing.assert_allclose(alpha, reference, rtol=0, atol=1e-6)
    assert 0 < alpha.min() and alpha.max() < 1  # known regions are not forced


@needs_hf
def test_forward_takes_native_inputs_at_multiples_of_32(net_s):
    image, trimap = image_and_trimap(64, 96, seed=4)
    img, tri = native_inputs(image, trimap)
    assert img.shape == (1, 3, 64, 96) and tri.shape == (1, 1, 64, 96)
    with torch.no_grad():
        alpha = net_s(img, tri)
    assert alpha.shape == (1, 1, 64, 96)
    official = hf_predict(net_s, image, trimap)  # no padding at multiples of 32
    np.testing.assert_allclose(official, alpha[0, 0].numpy(), rtol=0, atol=1e-6)
    with pytest.raises(InputError, match="multiples of 32"):
        net_s(img[..., :40], tri[..., :40])


@needs_hf
def test_seeded_forward_is_finite_and_recorded(net_s):
    image, trimap = image_and_trimap(64, 96, seed=1)
    with torch.no_grad():
        alpha = net_s(*native_inputs(image, trimap))[0, 0]
    assert torch.isfinite(alpha).all()
    # Recorded with torch 2.13.0 + transformers 5.24.0 (CPU): a change means the forward changed.
    pixels = ((0, 0), (31, 40), (63, 95), (10, 77))
    assert [float(alpha[ij]) for ij in pixels] == pytest.approx(RECORDED, rel=1e-4, abs=1e-6)
    assert float(alpha.double().sum()) == pytest.approx(RECORDED_SUM, rel=1e-5)


RECORDED = (0.599078893661499, 0.5574466586112976, 0.5267846584320068, 0.6400385499000549)
RECORDED_SUM = 3440.881571382284


def _hustvl_reference(net, image, trimap):
    """hustvl/ViTMatte inference.py + ViTMatte.preprocess_inputs (test time), step by step."""
    imgs = torch.from_numpy(image).permute(2, 0, 1).contiguous().float().div(255)[None]  # to_tensor
    tris = torch.from_numpy(trimap)[None].contiguous().float().div(255)[None]
    pixel_mean = torch.tensor([123.675 / 255.0, 116.280 / 255.0, 103.530 / 255.0]).view(-1, 1, 1)
    pixel_std = torch.tensor([58.395 / 255.0, 57.120 / 255.0, 57.375 / 255.0]).view(-1, 1, 1)
    images = torch.cat(((imgs - pixel_mean) / pixel_std, tris), dim=1)
    b, c, h, w = images.shape
    if images.shape[-1] % 32 != 0 or images.shape[-2] % 32 != 0:
        new_h, new_w = (32 - h % 32) + h, (32 - w % 32) + w
        padded = torch.zeros((b, c, new_h, new_w))
        padded[:, :, :h, :w] = images
        images = padded
    with torch.no_grad():
        phas = net.hf_model(pixel_values=images).alphas[:, :, :h, :w]
    return phas.flatten(0, 2), images.shape


@needs_hf
@pytest.mark.parametrize(("h", "w", "padded"), [(50, 64, (64, 96)), (64, 96, (64, 96))])
def test_hustvl_predict_equals_its_inference_script(net_s, h, w, padded, monkeypatch):
    from benchmark.models.vitmatte import hustvl_predict

    image, trimap = image_and_trimap(h, w, seed=5)
    reference, shape = _hustvl_reference(net_s, image, trimap)
    assert tuple(shape[-2:]) == padded  # an aligned side still gains 32 when the other does not
    seen = []
    forward = net_s.forward_pixel_values
    monkeypatch.setattr(net_s, "forward_pixel_values", lambda x: seen.append(x.shape) or forward(x))
    alpha = hustvl_predict(net_s, image, trimap)
    assert tuple(seen[0][-2:]) == padded and alpha.shape == (h, w)
    np.testing.assert_allclose(alpha, reference.numpy(), rtol=0, atol=1e-6)
    # to_pil_image: mul(255).byte() truncates
    assert np.array_equal((alpha * 255).astype(np.uint8), reference.mul(255).byte().numpy())
