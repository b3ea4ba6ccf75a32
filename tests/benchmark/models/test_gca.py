"""GCA-Matting: released checkpoint layout, parameter count, guided contextual attention, tester.py.

Oracles: ``benchmark/models/gca/official_keys.txt`` (names and shapes of the released generator,
see its header); :func:`_attention_reference`, a loop-level NumPy rewrite of the attention from
its description (reference ``baselines_arch.md``); :func:`_tester_reference`, written in this file
step by step after ``tester.py`` + ``OriginScale`` + ``ToTensor``. The network itself was compared
once with the official code built outside the repository (max abs difference 4.5e-7 in eval
mode, docs/models.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from benchmark.models.blocks.resnet_d import EncoderBlock
from benchmark.models.gca import NUM_PARAMETERS, GCAMatting
from benchmark.models.gca.attention import GuidedContextualAttention
from benchmark.models.registry import create_model, model_info
from human2k.errors import InputError, ModelError
from tests.benchmark.models.helpers import (
    count_from_key_list,
    image_and_trimap,
    parse_key_list,
    seeded_weights,
    shapes,
)

KEYS = Path(__file__).resolve().parents[3] / "benchmark" / "models" / "gca" / "official_keys.txt"
SN_VECTORS = ("weight_u", "weight_v")


def _seeded(seed: int = 0) -> GCAMatting:
    """Seeded weights whose spectral-norm u, v are power-iterated (as in a trained checkpoint)."""
    from benchmark.models.blocks.spectral_norm import refresh_spectral_norm

    net = seeded_weights(GCAMatting(), seed=seed)
    refresh_spectral_norm(net)
    return net.eval()


@pytest.fixture(scope="module")
def net() -> GCAMatting:
    return _seeded(0)


@pytest.fixture(scope="module")
def fresh() -> GCAMatting:
    return GCAMatting()


def test_state_dict_equals_the_official_key_list(fresh):
    expected = parse_key_list(KEYS)
    assert len(expected) == 578
    assert shapes(fresh) == expected


def test_parameter_count_equals_the_official_figure(fresh):
    keys = parse_key_list(KEYS)
    # Official figure: the key list without BN running statistics and SN u/v vectors.
    trainable = {k: s for k, s in keys.items() if not k.endswith(SN_VECTORS)}
    assert count_from_key_list(trainable) == 25_164_529 == NUM_PARAMETERS
    assert sum(p.numel() for p in fresh.parameters()) == NUM_PARAMETERS
    assert model_info("gca").params == NUM_PARAMETERS


def test_blocks_are_shared_with_timinet_basic_with_their_own_eps(fresh):
    gca, basic = fresh, create_model("timinet_basic")
    assert type(gca.encoder.layer2[0]) is type(basic.encoder.layer2[0]) is EncoderBlock
    assert {m.eps for m in gca.modules() if isinstance(m, torch.nn.BatchNorm2d)} == {1e-5}
    assert basic.encoder.layer2[0].bn1.eps == 1e-3
    # GCA = Basic + guidance head + 2 attention blocks + 2 more input channels (reference §13)
    basic_params = sum(p.numel() for p in basic.parameters())
    assert NUM_PARAMETERS - basic_params == 42_256 + 2 * 24_896 + 2 * 576


def test_fresh_model_is_finite_in_eval_mode(fresh):
    img = torch.randn(1, 3, 64, 64)
    tri = F.one_hot(torch.randint(0, 3, (1, 64, 64)), 3).permute(0, 3, 1, 2).float()
    with torch.no_grad():
        alpha = fresh.eval()(img, tri)
    assert torch.isfinite(alpha).all() and alpha.shape == (1, 1, 64, 64)
    with pytest.raises(InputError, match="multiples of 32"):
        fresh(img[..., :40], tri[..., :40])


def _attention_reference(gca: GuidedContextualAttention, guidance, x, unknown) -> np.ndarray:
    """The attention from its description, with explicit patches and loops (float64)."""
    with torch.no_grad():
        g_all = gca.guidance_conv(guidance).double().numpy()
        w_out = gca.W
    out = []
    for i in range(x.shape[0]):
        g = g_all[i][:, ::2, ::2]
        u = unknown[i, 0].double().numpy()[::2, ::2]
        xi = x[i].double().numpy()
        c, hh, ww = xi.shape
        h, w = g.shape[1:]
        gpad = np.pad(g, ((0, 0), (1, 1), (1, 1)), mode="reflect")
        upad = np.pad(u, 1, mode="reflect")
        xpad = np.pad(xi, ((0, 0), (1, 1), (1, 1)), mode="reflect")
        pos = [(a, b) for a in range(h) for b in range(w)]
        q = np.stack([gpad[:, a : a + 3, b : b + 3].ravel() for a, b in pos])  # queries
        k = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-4)  # normalised keys
        key_unknown = np.array([upad[a : a + 3, b : b + 3].max() > 0 for a, b in pos])
        frac = u.mean()
        s_unknown = np.clip(np.sqrt(frac / (1 - frac)), 0.1, 10)
        s_known = np.clip(np.sqrt((1 - frac) / frac), 0.1, 10)
        scores = k @ q.T  # [key, query]
        scores *= np.where(key_unknown, s_unknown, s_known)[:, None]
        scores[np.arange(len(pos)), np.arange(len(pos))] -= 1e4 * key_unknown
        attn = np.exp(scores - scores.max(axis=0))
        attn /= attn.sum(axis=0)  # softmax over the keys
        values = np.stack([xpad[:, 2 * a : 2 * a + 4, 2 * b : 2 * b + 4] for a, b in pos])
        full = np.zeros((c, hh + 2, ww + 2))
        for ky in range(4):
            for kx in range(4):
                contrib = np.einsum("lp,lc->cp", attn, values[:, :, ky, kx]).reshape(c, h, w)
                full[:, ky : ky + 2 * h : 2, kx : kx + 2 * w : 2] += contrib
        out.append(full[:, 1 : hh + 1, 1 : ww + 1] / 4)
    y = torch.from_numpy(np.stack(out)).float()
    with torch.no_grad():
        return (w_out(y) + x).numpy()


def test_attention_equals_the_described_computation():
    torch.manual_seed(0)
    gca = GuidedContextualAttention(8, guidance_channels=6).eval()
    with torch.no_grad():
        gca.W[1].weight.fill_(0.7)  # make the attention term visible in the output
        gca.W[1].running_var.fill_(1.3)
    guidance, x = torch.randn(2, 6, 12, 16), torch.randn(2, 8, 12, 16)
    unknown = torch.zeros(2, 1, 12, 16)
    unknown[0, :, 2:8, 4:10] = 1
    unknown[1, :, :, 10:] = 1
    with torch.no_grad():
        got = gca(guidance, x, unknown).numpy()
    expected = _attention_reference(gca, guidance, x, unknown)
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-5)
    assert np.abs(got - x.numpy()).max() > 0.1  # the block changed its input


def _tester_reference(net, image_rgb, trimap):
    """tester.py with OriginScale + ToTensor (trimap_channel 3), file reads replaced by arrays."""
    h, w = trimap.shape
    target_h, target_w = 32 * ((h - 1) // 32 + 1), 32 * ((w - 1) // 32 + 1)
    image = np.pad(image_rgb, ((0, target_h - h), (0, target_w - w), (0, 0)), mode="reflect")
    tri = np.pad(trimap, ((0, target_h - h), (0, target_w - w)), mode="reflect").copy()
    image = image.transpose((2, 0, 1)).astype(np.float32) / 255.0
    tri[tri < 85] = 0
    tri[tri >= 170] = 2
    tri[tri >= 85] = 1
    mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
    image = torch.from_numpy(image).sub_(mean).div_(std)[None]
    onehot = F.one_hot(torch.from_numpy(tri).long(), num_classes=3).permute(2, 0, 1).float()[None]
    with torch.no_grad():
        alpha_pred = net(image, onehot)
    trimap_idx = onehot.argmax(dim=1, keepdim=True)
    alpha_pred[trimap_idx == 2] = 1
    alpha_pred[trimap_idx == 0] = 0
    test_pred = alpha_pred[0, 0].numpy() * 255
    return test_pred.astype(np.uint8)[:h, :w]


def test_official_predict_equals_tester_py(net):
    image, trimap = image_and_trimap(50, 70, seed=3)  # padded to 64×96
    trimap[0, :4] = (60, 100, 169, 200)  # quantised like the script: 0, 128-class, 128-class, 255
    alpha = net.official_predict(image, trimap)
    assert alpha.shape == (50, 70) and alpha.dtype == np.float32
    assert np.array_equal((alpha * 255).astype(np.uint8), _tester_reference(net, image, trimap))
    assert alpha[0, 0] == 0 and alpha[0, 3] == 1 and 0 < alpha[0, 1] < 1
    assert alpha[trimap == 128].std() > 1e-3
    assert net.official_quantization == "truncate"


def test_native_equals_official_at_multiples_of_32(net):
    image, trimap = image_and_trimap(64, 96, seed=4)
    native = net.predict(image, trimap, policy="native")
    official = net.predict(image, trimap, policy="official")
    unknown = trimap == 128
    np.testing.assert_allclose(native[unknown], official[unknown], rtol=0, atol=1e-6)


def test_released_layout_loads_strictly_with_provenance(net, tmp_path):
    path = tmp_path / "gca-dist.pth"
    state = {"module." + k: v.clone() for k, v in net.state_dict().items()}
    torch.save({"state_dict": state, "iter": 200000, "best": np.float64(35.3)}, path)
    loaded = create_model("gca", checkpoint=str(path))
    assert loaded.weights.training_data == "official" and not loaded.training
    assert len(loaded.weights.sha256) == 64
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in net.state_dict().items())


def test_mismatched_checkpoint_lists_every_problem_in_one_error(net, tmp_path):
    state = dict(net.state_dict())
    del state["decoder.gca.W.1.running_var"]
    state["encoder.extra.weight"] = torch.zeros(1)
    state["encoder.conv1.module.weight_bar"] = torch.zeros(32, 4, 3, 3)  # a 1-channel-trimap model
    path = tmp_path / "bad.pth"
    torch.save({"state_dict": state}, path)
    with pytest.raises(ModelError) as info:
        create_model("gca", checkpoint=str(path))
    message = str(info.value)
    assert "bad.pth" in message and "1 missing keys: decoder.gca.W.1.running_var" in message
    assert "1 unexpected keys: encoder.extra.weight" in message
    assert "encoder.conv1.module.weight_bar (32, 4, 3, 3) vs model (32, 6, 3, 3)" in message
    with pytest.raises(ModelError, match="no tag"):
        create_model("gca.official")


def test_seeded_forward_is_finite_and_recorded(net):
    image, trimap = image_and_trimap(64, 96, seed=1)
    with torch.no_grad():
        alpha = net(*net.preprocess(image, trimap))[0, 0]
    assert torch.isfinite(alpha).all()
    # Recorded with torch 2.13.0 (CPU); a change means the forward computation changed.
    pixels = ((0, 0), (31, 40), (63, 95), (10, 77))
    assert [float(alpha[ij]) for ij in pixels] == pytest.approx(RECORDED, rel=1e-4, abs=1e-6)
    assert float(alpha.double().sum()) == pytest.approx(RECORDED_SUM, rel=1e-5)


RECORDED = (0.480592280626297, 0.7166339159011841, 0.46903327107429504, 0.412400484085083)
RECORDED_SUM = 3092.352413326502
