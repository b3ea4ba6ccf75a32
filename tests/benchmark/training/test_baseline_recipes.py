"""The baselines' training recipes: loss terms, normalisers, schedules, parameter groups, the
``dim`` augmentation, and DIM's three stages through ``train`` and the CLI.

Oracles: the loss formulas written out here from the released code's description (DIM/mmagic
Charbonnier, ViTMatte's ``MattingCriterion``), the released trainers' hyper-parameters
(``indexnet`` ``train.sh`` + ``hltrainval.py``, mmagic ``dim_stage*`` configs, hustvl
``configs/common/optimizer.py``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from benchmark.cli import cli
from benchmark.models.registry import create_model
from benchmark.training import train
from benchmark.training.losses import LOSS_NORMALISERS, LOSS_TERMS, loss_term_sums
from benchmark.training.recipes import RECIPES
from benchmark.training.schedule import make_schedule
from benchmark.training.setup import build_optimizer
from human2k.augment_recipes import augment_dim
from human2k.synthetic import synth_sample
from tests.benchmark.training.test_data import make_training_tree

U8 = torch.uint8


def _batch(seed: int = 0, h: int = 64, w: int = 64) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    trimap = torch.full((2, 1, h, w), 128, dtype=U8)
    trimap[:, :, :, : w // 4] = 0
    trimap[:, :, :, 3 * w // 4 :] = 255
    return {
        "alpha": torch.rand(2, 1, h, w, generator=g),
        "trimap": trimap,
        "image": torch.randint(0, 256, (2, 3, h, w), generator=g, dtype=U8),
        "fg": torch.randint(0, 256, (2, 3, h, w), generator=g, dtype=U8),
        "bg": torch.randint(0, 256, (2, 3, h, w), generator=g, dtype=U8),
    }


def test_every_term_has_a_normaliser():
    assert set(LOSS_TERMS) == set(LOSS_NORMALISERS)
    assert set(LOSS_NORMALISERS.values()) == {"unknown", "known", "mean"}


def test_charbonnier_terms_follow_dim():
    b = _batch()
    pred = torch.rand(2, 1, 64, 64, generator=torch.Generator().manual_seed(9))
    unknown = (b["trimap"] == 128).double()
    d = pred.double() - b["alpha"].double()
    expected_alpha = (torch.sqrt(d**2 + 1e-12) * unknown).sum()
    merged = pred.double() * b["fg"].double() / 255 + (1 - pred.double()) * b["bg"].double() / 255
    dc = merged - b["image"].double() / 255
    expected_comp = (torch.sqrt(dc**2 + 1e-12) * unknown).sum() / 3
    sums = loss_term_sums(pred, b, {"alpha_charbonnier": 0.5, "composition_charbonnier": 0.5})
    assert float(sums["alpha_charbonnier"]) == pytest.approx(float(expected_alpha), rel=1e-5)
    assert float(sums["composition_charbonnier"]) == pytest.approx(float(expected_comp), rel=1e-5)
    # exactly right → ε per unknown pixel
    zero = loss_term_sums(b["alpha"], b, {"alpha_charbonnier": 1.0})["alpha_charbonnier"]
    assert float(zero) == pytest.approx(1e-6 * float(unknown.sum()), rel=1e-3)


def _sobel(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    p = np.pad(x, 1)  # zero padding, as F.conv2d(padding=1)
    h, w = x.shape
    return sum(k[i, j] * p[i : i + h, j : j + w] for i in range(3) for j in range(3))


def test_vitmatte_terms_follow_its_criterion():
    b = _batch(1)
    pred = torch.rand(2, 1, 64, 64, generator=torch.Generator().manual_seed(3))
    sums = loss_term_sums(
        pred, b, {"known_l1": 1, "gradient_penalty": 1, "laplacian_l1": 1, "alpha_l1": 1}
    )
    known = (b["trimap"] != 128).float()
    assert float(sums["known_l1"]) == pytest.approx(
        float(((pred - b["alpha"]).abs() * known).sum()), rel=1e-5
    )
    sx = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)
    total = 0.0
    for i in range(2):
        p, g = pred[i, 0].double().numpy(), b["alpha"][i, 0].double().numpy()
        m = (b["trimap"][i, 0] == 128).numpy()
        for k in (sx, sx.T):
            dp, dg = _sobel(p, k), _sobel(g, k)
            total += (np.abs(dp - dg) * m).sum() + 0.01 * (np.abs(dp) * m).sum()
    assert float(sums["gradient_penalty"]) == pytest.approx(total, rel=1e-5)
    lap = float(sums["laplacian_l1"])
    assert (
        0 < lap < 1
        and float(loss_term_sums(pred, b | {"alpha": pred}, {"laplacian_l1": 1})["laplacian_l1"])
        == 0
    )


def test_dict_outputs_and_term_at_output():
    b = _batch(2)
    out = {"alpha": b["alpha"].clone(), "encoder_decoder": torch.zeros_like(b["alpha"])}
    sums = loss_term_sums(out, b, {"alpha_l1": 1.0, "alpha_l1@encoder_decoder": 1.0})
    assert float(sums["alpha_l1"]) == 0.0
    unknown = b["trimap"] == 128
    assert float(sums["alpha_l1@encoder_decoder"]) == pytest.approx(
        float(b["alpha"][unknown].sum()), rel=1e-6
    )


def test_recipe_schedules_match_the_released_trainers():
    per_epoch = 100
    indexnet = make_schedule(RECIPES["indexnet"], epochs=30, samples_per_epoch=per_epoch)
    assert indexnet.milestone_samples == (1900, 2500)  # MultiStepLR([20, 26]) stepped first
    assert indexnet(1899) == 0.01 and indexnet(1900) == pytest.approx(1e-3)
    assert indexnet(2500) == pytest.approx(1e-4)
    dim = make_schedule(RECIPES["dim"], epochs=5, samples_per_epoch=per_epoch)
    assert {dim(s) for s in (0, 250, 499)} == {1e-5}
    vit = make_schedule(RECIPES["vitmatte"], epochs=100, samples_per_epoch=43100)
    assert vit.milestone_samples == (30 * 43100, 90 * 43100)
    warm = vit.warmup_samples
    assert warm == round(250 / 134_687 * 100 * 43100)  # 250 iterations of 32 images
    assert vit(0) == pytest.approx(5e-4 * 0.001) and vit(warm) == 5e-4
    assert vit(30 * 43100) == pytest.approx(5e-5) and vit(90 * 43100) == pytest.approx(2.5e-5)
    assert RECIPES["vitmatte"].optimizer == "adamw" and RECIPES["vitmatte"].weight_decay == 0.1


def test_indexnet_groups_scale_the_encoder():
    model = create_model("indexnet")
    opt = build_optimizer(model, RECIPES["indexnet"], 0.01)
    scales = {g["lr_scale"]: sum(p.numel() for p in g["params"]) for g in opt.param_groups}
    names = {n for n, _ in model.named_parameters()}
    decoder = sum(
        p.numel()
        for n, p in model.named_parameters()
        if any(w in n for w in ("dconv", "pred", "index"))
    )
    assert scales == {1.0: decoder, 0.01: 5_953_515 - decoder} and "layer0.0.weight" in names
    assert [g["lr"] for g in opt.param_groups] == [0.01, pytest.approx(1e-4)]
    assert type(opt).__name__ == "Adam"
    one = build_optimizer(model, RECIPES["gca"], 4e-4)  # other recipes: one group
    assert len(one.param_groups) == 1


def test_vitmatte_groups_decay_by_layer():
    pytest.importorskip("transformers")
    model = create_model("vitmatte_s", num_hidden_layers=2, hidden_size=64, num_attention_heads=2)
    groups = model.param_groups("vitmatte")
    by_param = {id(p): g for g in groups for p in g["params"]}
    named = dict(model.named_parameters())

    def group_of(name):
        return by_param[id(named[name])]

    top = 3  # 2 blocks + 1
    assert group_of("backbone.embeddings.projection.weight")["lr_scale"] == 0.65**top
    assert group_of("backbone.encoder.layer.0.attention.qkv.weight")["lr_scale"] == 0.65**2
    assert group_of("backbone.encoder.layer.1.mlp.fc1.weight")["lr_scale"] == 0.65
    assert group_of("decoder.matting_head.matting_convs.0.weight")["lr_scale"] == 1.0
    assert group_of("backbone.encoder.layer.0.norm1.weight")["weight_decay"] == 0.0
    assert group_of("backbone.embeddings.position_embeddings")["weight_decay"] == 0.0
    assert "weight_decay" not in group_of("backbone.encoder.layer.0.attention.qkv.weight")
    assert sum(len(g["params"]) for g in groups) == len(named)


def test_dim_augmentation_is_consistent():
    rng = np.random.default_rng(0)
    fg, alpha = synth_sample(rng, size=(160, 120))
    fg, alpha = fg.astype(np.float32), alpha.astype(np.float32) / 255
    bg = np.full((50, 60, 3), 30, np.uint8)
    windows = set()
    for i in range(6):
        s = augment_dim(fg, alpha, bg, np.random.default_rng(i), crop=64)
        windows.add(s["params"]["window"])
        assert s["image"].shape == (64, 64, 3) and s["trimap"].shape == (64, 64)
        a, t = s["alpha"], s["trimap"]
        assert set(np.unique(t)) <= {0, 128, 255}
        assert (a[t == 255] >= 1 - 1e-5).all() and (a[t == 0] <= 1e-5).all()
        merged = s["fg"] * a[..., None] + s["bg"] * (1 - a[..., None])
        assert np.abs(merged - s["image"]).max() <= 1.0
    assert windows <= {64, 96, 128} and len(windows) > 1


def _log(run, event="step"):
    return [r for r in map(json.loads, run.log.read_text().splitlines()) if r["event"] == event]


def test_dim_stages_train_in_sequence(tmp_path):
    tree = make_training_tree(tmp_path / "data", n_fg=2)
    kw = dict(epochs=1, batch_size=1, crop=64, limit_samples=1, seed=0)
    s1 = train("dim", tree, tmp_path / "s1", model_kwargs={"stage": 1}, **kw)
    assert _log(s1)[0]["lr"] == 1e-5 and set(_log(s1)[0]["loss_terms"]) == {
        "alpha_charbonnier",
        "composition_charbonnier",
    }
    s2 = train(
        "dim",
        tree,
        tmp_path / "s2",
        model_kwargs={"stage": 2, "init_from": str(s1.checkpoint)},
        **kw,
    )
    w1 = torch.load(s1.checkpoint, weights_only=True)["model"]
    w2 = torch.load(s2.checkpoint, weights_only=True)["model"]
    assert all(torch.equal(w1[k], w2[k]) for k in w1)  # the encoder-decoder is frozen
    assert set(_log(s2)[0]["loss_terms"]) == {"alpha_charbonnier"}
    res = CliRunner().invoke(
        cli,
        [
            "train",
            "dim",
            "--data",
            str(tree),
            "--out",
            str(tmp_path / "s3"),
            "--epochs",
            "1",
            "--batch-size",
            "1",
            "--crop",
            "64",
            "--limit-samples",
            "1",
            "--workers",
            "0",
            "--model-option",
            "stage=3",
            "--model-option",
            f"init_from={s2.checkpoint}",
        ],
    )
    assert res.exit_code == 0, res.output
    step = json.loads((tmp_path / "s3" / "train.jsonl").read_text().splitlines()[2])
    assert set(step["loss_terms"]) == {
        "alpha_charbonnier@encoder_decoder",
        "composition_charbonnier@encoder_decoder",
        "alpha_charbonnier",
    }
    saved = torch.load(tmp_path / "s3" / "model.pt", weights_only=True)
    assert saved["model_kwargs"] == {"stage": 3, "init_from": str(s2.checkpoint)}
    reloaded = create_model("dim", checkpoint=str(tmp_path / "s3" / "model.pt"))
    assert reloaded.config == {"stage": 3} and reloaded.weights.training_data.startswith("train:")
    assert not math.isnan(step["loss"])
