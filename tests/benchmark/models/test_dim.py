"""DIM in mmagic's layout: checkpoint keys, parameter count, mmagic's test pipeline, recorded outputs.

Oracles: ``benchmark/models/dim/official_keys.txt`` (enumerated by hand from open-mmlab/mmagic
@ 0a560bb, see its header) and :func:`_mmagic_reference`, written in this file step by step after
the mmagic code the DIM comp1k config runs at test time (``PackInputs``, ``DataPreprocessor``,
``MattorPreprocessor``, ``BaseMattor.resize_inputs/_pad``, ``DIM._forward_test``,
``BaseMattor.postprocess``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from benchmark.models.dim import (
    NUM_PARAMETERS,
    NUM_PARAMETERS_NO_REFINER,
    DIMMatting,
    dim_stage,
    load_official_checkpoint,
    native_inputs,
    official_predict,
)
from human2k.errors import InputError, ModelError
from tests.benchmark.models.helpers import (
    count_from_key_list,
    image_and_trimap,
    parse_key_list,
    seeded_weights,
    shapes,
)

KEYS = Path(__file__).resolve().parents[3] / "benchmark" / "models" / "dim" / "official_keys.txt"


@pytest.fixture(scope="module")
def net() -> DIMMatting:
    return seeded_weights(DIMMatting(stage=3), seed=0)


def test_state_dict_equals_the_mmagic_key_list():
    expected = parse_key_list(KEYS)
    assert len(expected) == 50
    assert shapes(DIMMatting(stage=3)) == expected
    stage1 = {k: s for k, s in expected.items() if not k.startswith("refiner.")}
    assert len(stage1) == 42
    assert shapes(dim_stage(1)) == stage1
    assert shapes(dim_stage(2)) == shapes(dim_stage(3)) == expected
    with pytest.raises(ModelError, match="1, 2 or 3"):
        dim_stage(4)


def test_parameter_counts_equal_the_key_list_sums():
    keys = parse_key_list(KEYS)
    assert count_from_key_list(keys) == 26_276_802 == NUM_PARAMETERS
    no_refiner = {k: s for k, s in keys.items() if not k.startswith("refiner.")}
    assert count_from_key_list(no_refiner) == 26_200_001 == NUM_PARAMETERS_NO_REFINER
    assert sum(p.numel() for p in DIMMatting().parameters()) == NUM_PARAMETERS
    assert sum(p.numel() for p in DIMMatting(stage=1).parameters()) == NUM_PARAMETERS_NO_REFINER


def test_mmagic_checkpoint_layout_loads_strictly_and_round_trips(net, tmp_path):
    path = tmp_path / "dim_stage3_v16_pln_1x1_1000k_comp1k.pth"
    meta = {"mmedit_version": "0.1.0", "iter": 1_000_000, "config": "model = dict(type='DIM')"}
    torch.save(
        {"meta": meta, "state_dict": {k: v.clone() for k, v in net.state_dict().items()}}, path
    )
    fresh = DIMMatting()
    assert len(load_official_checkpoint(fresh, path)) == 50
    for key, value in net.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key


def test_wrong_stage_or_shapes_list_every_problem_in_one_error(net, tmp_path):
    stage1 = {k: v for k, v in net.state_dict().items() if not k.startswith("refiner.")}
    stage1["backbone.encoder.layer1.0.weight"] = torch.zeros(64, 3, 3, 3)  # a 3-channel VGG
    stage1["backbone.decoder.deconv0.bias"] = torch.zeros(1)
    path = tmp_path / "stage1.pth"
    torch.save({"meta": {}, "state_dict": stage1}, path)
    with pytest.raises(ModelError) as info:
        load_official_checkpoint(DIMMatting(stage=3), path)
    message = str(info.value)
    assert "stage1.pth" in message and "8 missing keys: refiner.refine_conv1.weight" in message
    assert "1 unexpected keys: backbone.decoder.deconv0.bias" in message
    assert "backbone.encoder.layer1.0.weight (64, 3, 3, 3) vs model (64, 4, 3, 3)" in message


def _mmagic_reference(net, image_rgb, trimap):
    """mmagic's DIM test path for one (merged, trimap) pair, as its code runs it."""
    # LoadImageFromFile(key='merged'): BGR; (key='trimap', grayscale): H×W; PackInputs: C×H×W tensors
    merged_bgr = image_rgb[:, :, ::-1]
    inputs = [torch.from_numpy(np.ascontiguousarray(merged_bgr.transpose(2, 0, 1)))]
    data_sample_trimap = torch.from_numpy(trimap)[None]
    # DataPreprocessor._preprocess_image_list: stack, BGR -> RGB by index_select, (x - mean) / std
    stacked = torch.stack(inputs)
    stacked = torch.index_select(stacked, 1, torch.LongTensor([2, 1, 0]))
    mean = torch.tensor([123.675, 116.28, 103.53]).view([-1, 1, 1])
    std = torch.tensor([58.395, 57.12, 57.375]).view([-1, 1, 1])
    batch_images = (stacked - mean) / std
    # MattorPreprocessor: trimap / 255.0 (rescale_to_zero_one), concatenated on channels
    batch_trimaps = torch.stack([data_sample_trimap]) / 255.0
    batch_inputs = torch.cat((batch_images, batch_trimaps), dim=1)

    def _pad(batch_image, ds_factor, mode="reflect"):  # base_mattor._pad
        h, w = batch_image.shape[-2:]
        new_h = ds_factor * ((h - 1) // ds_factor + 1)
        new_w = ds_factor * ((w - 1) // ds_factor + 1)
        if new_h != h or new_w != w:
            batch_image = F.pad(batch_image, (0, new_w - w, 0, new_h - h), mode)
        return batch_image

    # resize_inputs(test_cfg: resize_method='pad', resize_mode='reflect', size_divisor=32)
    x = torch.cat((_pad(batch_inputs[:, :3], 32), _pad(batch_inputs[:, 3:], 32)), dim=1)
    with torch.no_grad():
        pred_alpha, pred_refine = net.forward_both(x)  # DIM._forward
    batch_pred_alpha = pred_refine if net.refine else pred_alpha  # _forward_test
    # postprocess
    ori_h, ori_w = image_rgb.shape[:2]
    pa = batch_pred_alpha[0][:, :ori_h, :ori_w][0]
    pa.clamp_(min=0, max=1)
    ori_trimap = torch.from_numpy(trimap)
    pa[ori_trimap == 255] = 1
    pa[ori_trimap == 0] = 0
    before = pa.clone()
    pa *= 255
    pa.round_()
    return before.numpy(), pa.to(dtype=torch.uint8).numpy()


@pytest.mark.parametrize("refine", [True, False])
def test_official_predict_equals_the_mmagic_pipeline(net, refine):
    model = net if refine else seeded_weights(DIMMatting(stage=1), seed=1)
    image, trimap = image_and_trimap(50, 70, seed=3)  # padded to 64×96
    trimap[0, :3] = (1, 200, 254)  # soft values other than 0/255 keep the prediction
    alpha = official_predict(model, image, trimap)
    ref_float, ref_uint8 = _mmagic_reference(model, image, trimap)
    assert alpha.shape == (50, 70) and alpha.dtype == np.float32
    assert np.array_equal(alpha, ref_float)
    assert np.array_equal(np.round(alpha * 255).astype(np.uint8), ref_uint8)
    assert (alpha[trimap == 0] == 0).all() and (alpha[trimap == 255] == 1).all()
    assert 0 < alpha[0, 1] < 1 and alpha[trimap == 128].std() > 1e-4


def test_forward_takes_native_inputs_at_multiples_of_32(net):
    image, trimap = image_and_trimap(64, 96, seed=4)
    img, tri = native_inputs(image, trimap)
    assert img.shape == (1, 3, 64, 96) and tri.shape == (1, 1, 64, 96)
    with torch.no_grad():
        alpha = net(img, tri)
        pred_alpha, pred_refine = net.forward_both(torch.cat([img, tri], 1))
    assert torch.equal(alpha, pred_refine) and not torch.equal(alpha, pred_alpha)
    unknown = trimap == 128
    official = official_predict(net, image, trimap)  # no padding at multiples of 32
    assert np.array_equal(official[unknown], alpha[0, 0].numpy()[unknown])
    with pytest.raises(InputError, match="multiples of 32"):
        net(img[..., :40], tri[..., :40])


def test_tiny_images_fail_like_mmagic_reflect_padding():
    image, trimap = image_and_trimap(10, 40)
    with pytest.raises(InputError, match="too small"):
        official_predict(DIMMatting(stage=1), image, trimap)


def test_seeded_forward_is_finite_and_recorded(net):
    image, trimap = image_and_trimap(64, 96, seed=1)
    with torch.no_grad():
        pred_alpha, pred_refine = net.forward_both(torch.cat(native_inputs(image, trimap), 1))
    assert torch.isfinite(pred_refine).all() and torch.isfinite(pred_alpha).all()
    # Recorded with torch 2.13.0 (CPU); a change means the forward computation changed.
    pixels = ((0, 0), (31, 40), (63, 95), (10, 77))
    got = [float(pred_alpha[0, 0][ij]) for ij in pixels] + [
        float(pred_refine[0, 0][ij]) for ij in pixels
    ]
    assert got == pytest.approx(RECORDED, rel=1e-4, abs=1e-6)
    assert float(pred_refine.double().sum()) == pytest.approx(RECORDED_SUM, rel=1e-5)


RECORDED = (
    *(0.5216187834739685, 0.5190227031707764, 0.5238540768623352, 0.5188828706741333),
    *(0.5647905468940735, 0.5039554834365845, 0.5608494877815247, 0.5657340288162231),
)
RECORDED_SUM = 3421.0277221798897
