"""score_model: layouts, CSV + run.json contents against an independent metric oracle, resume,
timeouts, parallel workers, saved predictions."""

from __future__ import annotations

import csv
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from benchmark.metrics import compute_all
from benchmark.scoring.datasets import discover_dataset
from benchmark.scoring.protocol import PER_IMAGE_COLUMNS, read_run
from benchmark.scoring.run_store import read_per_image
from benchmark.scoring.score import score_model
from human2k.errors import DatasetError, ResumeError
from human2k.images import read_alpha, read_rgb, read_trimap, write_png


def make_scene(seed: int, h: int = 48, w: int = 48):
    rng = np.random.default_rng(seed)
    x = np.arange(w, dtype=np.float64)
    start = 16 + seed % 5
    alpha = np.clip((x - start) / 10, 0, 1)[None].repeat(h, 0)
    fg, bg = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    img = alpha[..., None] * fg + (1 - alpha[..., None]) * bg + rng.normal(0, 3, (h, w, 3))
    tri = np.full((h, w), 128, np.uint8)
    tri[:, : start - 6] = 0
    tri[:, start + 16 :] = 255
    return (
        np.clip(np.rint(img), 0, 255).astype(np.uint8),
        np.rint(alpha * 255).astype(np.uint8),
        tri,
    )


@pytest.fixture
def comp_dataset(tmp_path):
    """Composite layout: two foregrounds, shared GT alpha, per-composite trimaps, a manifest."""
    root = tmp_path / "synthset" / "test"
    for i, (fg, k) in enumerate([("apple", 0), ("apple", 1), ("pear", 0)]):
        img, alpha, tri = make_scene(i)
        write_png(root / "merged" / f"{fg}_{k}.png", img)
        write_png(root / "trimaps" / f"{fg}_{k}.png", tri)
        if k == 0:
            write_png(root / "alpha" / f"{fg}.png", alpha)
        else:  # a per-composite GT wins over the shared one
            write_png(root / "alpha" / f"{fg}_{k}.png", alpha)
    (tmp_path / "synthset" / "manifest.json").write_text(json.dumps({"dataset": "synthetic"}))
    return root


def oracle_rows(dataset, pred_fn):
    out = {}
    for s in discover_dataset(dataset).samples:
        img, tri, gt = read_rgb(s.image), read_trimap(s.trimap), read_alpha(s.alpha)
        pred = pred_fn(img, tri)
        out[s.name] = compute_all(pred, gt, tri)
    return out


def trimap_only_pred(img, tri):
    """trimap_only's 0.5 in the unknown band, truncated to 8 bits (the default quantisation)."""
    return np.where(tri == 0, 0, np.where(tri == 255, 255, 127)).astype(np.uint8)


def test_layout_discovery(comp_dataset, tmp_path):
    ds = discover_dataset(comp_dataset)
    assert (ds.layout, ds.name, ds.split, ds.trimap_set) == (
        "composite",
        "synthetic",
        "test",
        "trimaps",
    )
    assert [s.name for s in ds.samples] == ["apple_0", "apple_1", "pear_0"]
    assert [s.alpha.name for s in ds.samples] == ["apple.png", "apple_1.png", "pear.png"]
    manifest = (tmp_path / "synthset" / "manifest.json").read_bytes()
    assert ds.manifest_sha256 == hashlib.sha256(manifest).hexdigest()
    (comp_dataset / "trimaps" / "pear_0.png").unlink()
    with pytest.raises(
        DatasetError, match=r"1 image\(s\) without GT alpha or trimap.*pear_0 \(trimap\)"
    ):
        discover_dataset(comp_dataset)


def test_alphamatting_layout_needs_a_trimap_set(tmp_path):
    root = tmp_path / "am"
    for i in (1, 2, 10):
        img, alpha, tri = make_scene(i)
        write_png(root / "image" / f"GT{i:02d}.png", img)
        write_png(root / "alpha" / f"GT{i:02d}.png", alpha)
        write_png(root / "trimap1" / f"GT{i:02d}.png", tri)
        write_png(root / "trimap2" / f"GT{i:02d}.png", tri)
    with pytest.raises(DatasetError, match="choose one: trimap1, trimap2") as exc:
        discover_dataset(root)
    with pytest.raises(DatasetError, match="no trimap set 'trimap3'; available: trimap1, trimap2"):
        discover_dataset(root, trimap_set="trimap3")
    ds = discover_dataset(root, trimap_set="trimap2")
    assert (ds.layout, ds.name, ds.split, ds.trimap_source) == (
        "alphamatting",
        "am",
        "trimap2",
        "trimap2",
    )
    assert [s.name for s in ds.samples] == ["GT01", "GT02", "GT10"]
    assert exc.value.param == "trimap_set"


def test_unknown_layout(tmp_path):
    (tmp_path / "alpha").mkdir()
    (tmp_path / "trimaps").mkdir()
    with pytest.raises(DatasetError, match="unknown layout"):
        discover_dataset(tmp_path)
    with pytest.raises(DatasetError, match="not found"):
        discover_dataset(tmp_path / "nope")


def test_score_writes_csv_and_run_record(comp_dataset, tmp_path):
    out = tmp_path / "results"
    rec = score_model("trimap_only", comp_dataset, out, save_preds=True)
    run_dir = Path(rec.extra["run_dir"])
    assert run_dir.parent == out / "synthetic" / "trimap_only"
    with open(run_dir / "per_image.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == PER_IMAGE_COLUMNS
    expected = oracle_rows(comp_dataset, trimap_only_pred)
    got = read_per_image(run_dir / "per_image.csv")
    assert list(got) == ["apple_0", "apple_1", "pear_0"]
    for name, ref in expected.items():
        for k in ("sad", "mse", "grad", "conn"):
            assert got[name][k] == pytest.approx(ref[k], rel=1e-12)
        assert got[name]["seconds"] >= 0
        np.testing.assert_array_equal(
            read_alpha(run_dir / "preds" / f"{name}.png"),
            trimap_only_pred(None, read_trimap(comp_dataset / "trimaps" / f"{name}.png")),
        )
    back = read_run(run_dir)
    p = back.protocol
    assert (p.dataset, p.split, p.trimap_source, p.region, p.quantization, p.resolution) == (
        "synthetic",
        "test",
        "trimaps",
        "unknown",
        "truncate",
        "native",
    )
    assert (
        p.manifest_sha256
        == hashlib.sha256((tmp_path / "synthset" / "manifest.json").read_bytes()).hexdigest()
    )
    assert back.model == "trimap_only" and back.provenance == "reference"
    assert back.model_config == {"unknown_value": 0.5} and back.checkpoint_sha256 == ""
    assert back.n_images == 3 and back.n_failed == 0 and back.extra["complete"] is True
    for k in ("sad", "mse", "grad", "conn"):
        assert back.means[k] == pytest.approx(np.mean([r[k] for r in expected.values()]), rel=1e-12)
    assert back.wall_time_s > 0 and back.device == "cpu"


def test_run_id_is_deterministic_and_config_dependent(comp_dataset, tmp_path):
    a = score_model("trimap_only", comp_dataset, tmp_path / "r")
    b = score_model("trimap_only", comp_dataset, tmp_path / "r")
    c = score_model(
        "trimap_only", comp_dataset, tmp_path / "r", model_kwargs={"unknown_value": 0.25}
    )
    d = score_model("trimap_only", comp_dataset, tmp_path / "r", region="whole")
    assert a.extra["run_id"] == b.extra["run_id"]
    assert len({a.extra["run_id"], c.extra["run_id"], d.extra["run_id"]}) == 3
    assert b.extra["sessions"] == 2 and b.n_images == 3  # the rerun skipped everything
    # known pixels are exact here, so the whole-image SAD equals the unknown-band SAD while MSE
    # is averaged over more pixels
    assert d.protocol.region == "whole" and d.means["sad"] == pytest.approx(a.means["sad"])
    assert d.means["mse"] < a.means["mse"] and c.means["sad"] != a.means["sad"]


class Stop(Exception):
    pass


def test_interrupted_run_resumes_to_the_same_csv(comp_dataset, tmp_path):
    full = score_model("closed_form", comp_dataset, tmp_path / "full")

    def stop_after_one(task, done, total, name=""):
        if done == 1 and name:
            raise Stop

    with pytest.raises(Stop):
        score_model("closed_form", comp_dataset, tmp_path / "cut", progress=stop_after_one)
    run_dir = tmp_path / "cut" / "synthetic" / "closed_form" / full.extra["run_id"]
    assert len(read_per_image(run_dir / "per_image.csv")) == 1
    assert read_run(run_dir).extra["complete"] is False
    with open(run_dir / "per_image.csv", "a") as fh:  # a torn row, as after a kill mid-write
        fh.write("apple_1,0.12")
    seen = []
    resumed = score_model(
        "closed_form",
        comp_dataset,
        tmp_path / "cut",
        progress=lambda task, d, t, n="": seen.append((d, t)),
    )
    assert seen[0] == (1, 3) and seen[-1] == (3, 3)
    a = (Path(full.extra["run_dir"]) / "per_image.csv").read_text().splitlines()
    b = (run_dir / "per_image.csv").read_text().splitlines()
    assert [r.split(",")[:5] for r in a] == [r.split(",")[:5] for r in b]  # all but the timings
    assert resumed.means == full.means and resumed.extra["complete"] is True


def test_limit_then_full_run_extends(comp_dataset, tmp_path):
    part = score_model("trimap_only", comp_dataset, tmp_path / "r", limit=2)
    assert part.n_images == 2 and part.extra["complete"] is False
    whole = score_model("trimap_only", comp_dataset, tmp_path / "r")
    assert whole.extra["run_id"] == part.extra["run_id"] and whole.n_images == 3


def test_no_resume_starts_over_and_bad_csv_is_refused(comp_dataset, tmp_path):
    rec = score_model("trimap_only", comp_dataset, tmp_path / "r")
    csv_path = Path(rec.extra["run_dir"]) / "per_image.csv"
    again = score_model("trimap_only", comp_dataset, tmp_path / "r", resume=False)
    assert again.extra["sessions"] == 1 and len(read_per_image(csv_path)) == 3
    csv_path.write_text("name,sad\nx,1\n")
    with pytest.raises(ResumeError, match="header"):
        score_model("trimap_only", comp_dataset, tmp_path / "r")


def test_timeout_is_recorded_not_raised(comp_dataset, tmp_path):
    rec = score_model("closed_form", comp_dataset, tmp_path / "r", time_budget_s=1e-4)
    assert rec.n_images == 3 and rec.n_failed == 3
    assert {v["status"] for v in rec.extra["failures"].values()} == {"timeout"}
    rows = read_per_image(Path(rec.extra["run_dir"]) / "per_image.csv")
    assert all(math.isnan(r["sad"]) and math.isnan(r["conn"]) for r in rows.values())
    assert math.isnan(rec.means["sad"])
    assert read_run(rec.extra["run_dir"]).extra["failures"].keys() == rows.keys()
    same = score_model(
        "closed_form", comp_dataset, tmp_path / "r", time_budget_s=1e-4
    )  # not retried
    assert same.n_failed == 3 and same.extra["run_id"] == rec.extra["run_id"]
    bigger = score_model("closed_form", comp_dataset, tmp_path / "r", time_budget_s=120)  # retried
    assert bigger.n_failed == 0 and bigger.n_images == 3 and bigger.extra["failures"] == {}
    assert not math.isnan(bigger.means["sad"])


def test_workers_give_identical_numbers(comp_dataset, tmp_path):
    one = score_model("random_walk", comp_dataset, tmp_path / "a", workers=1)
    two = score_model("random_walk", comp_dataset, tmp_path / "b", workers=2)
    ra = read_per_image(Path(one.extra["run_dir"]) / "per_image.csv")
    rb = read_per_image(Path(two.extra["run_dir"]) / "per_image.csv")
    assert list(ra) == list(rb)  # sorted in dataset order at the end
    for name in ra:
        for k in ("sad", "mse", "grad", "conn"):
            assert ra[name][k] == pytest.approx(rb[name][k], rel=1e-6, abs=1e-9)
    assert one.means["sad"] < score_model("trimap_only", comp_dataset, tmp_path / "c").means["sad"]


def test_real_alphamatting_crop(tmp_path, shared_data):
    src = shared_data / "alphamatting"
    img, alpha = read_rgb(src / "image/GT04.png"), read_alpha(src / "alpha/GT04.png")
    tri = read_trimap(src / "trimap1/GT04.png")
    crop = None
    for y0 in range(0, tri.shape[0] - 80, 20):  # first 80×80 window with fg, bg and unknown
        for x0 in range(0, tri.shape[1] - 80, 20):
            win = tri[y0 : y0 + 80, x0 : x0 + 80]
            if (win == 0).any() and (win == 255).any() and (win == 128).mean() > 0.15:
                crop = (slice(y0, y0 + 80), slice(x0, x0 + 80))
                break
        if crop:
            break
    assert crop is not None
    root = tmp_path / "am_crop" / "test"
    write_png(root / "merged" / "GT04_0.png", img[crop])
    write_png(root / "alpha" / "GT04.png", alpha[crop])
    write_png(root / "trimaps" / "GT04_0.png", tri[crop])
    cf = score_model("closed_form", root, tmp_path / "r")
    floor = score_model("trimap_only", root, tmp_path / "r")
    assert cf.n_failed == 0 and cf.means["sad"] < floor.means["sad"] / 2


@pytest.mark.parametrize("name", ["timinet_basic"])
def test_deep_model_scores_in_process(name, comp_dataset, tmp_path):
    from benchmark.models.registry import is_model

    if not is_model(name):
        pytest.skip(f"{name} not registered yet")
    rec = score_model(name, comp_dataset, tmp_path / "r", limit=1)
    assert rec.n_images == 1 and rec.n_failed == 0, rec.extra["failures"]
    assert rec.protocol.resolution == "native" and rec.extra["policies"] == {"native": 1}
    assert rec.extra["run_key"]["inference"] == {"policy": "auto", "amp": False}
    assert rec.provenance in ("reimplemented", "official-weights")


def test_cuda_device_without_cuda_is_a_clear_error(comp_dataset, tmp_path):
    import torch

    from benchmark.models.registry import list_models
    from human2k.errors import ModelError

    deep = list_models(kind="deep")
    if not deep or torch.cuda.is_available():
        pytest.skip("needs a registered deep model and a machine without CUDA")
    with pytest.raises(ModelError, match="CUDA is not available"):
        score_model(deep[0], comp_dataset, tmp_path / "r", device="cuda")


def test_quantize_is_recorded_and_changes_the_run(comp_dataset, tmp_path):
    trunc = score_model("trimap_only", comp_dataset, tmp_path / "r", save_preds=True)
    rnd = score_model(
        "trimap_only", comp_dataset, tmp_path / "r", quantize="round", save_preds=True
    )
    assert trunc.protocol.quantization == "truncate" and rnd.protocol.quantization == "round"
    assert trunc.extra["quantization_source"] == "default"
    assert rnd.extra["quantization_source"] == "requested"
    assert trunc.extra["run_id"] != rnd.extra["run_id"]  # two runs, two folders, two tables
    assert (
        json.loads((Path(rnd.extra["run_dir"]) / "run.json").read_text())["protocol"][
            "quantization"
        ]
        == "round"
    )
    pred = read_alpha(Path(rnd.extra["run_dir"]) / "preds" / "apple_0.png")
    tri = read_trimap(comp_dataset / "trimaps" / "apple_0.png")
    assert set(np.unique(pred[tri == 128]).tolist()) == {128}  # 0.5 rounds up, truncates to 127
    with pytest.raises(Exception, match="unknown quantization 'floor'"):
        score_model("trimap_only", comp_dataset, tmp_path / "r", quantize="floor")


def test_official_policy_run_skips_our_forcing_and_uses_the_models_quantization(
    comp_dataset, tmp_path
):
    import torch

    from benchmark.models.alpha import quantize_alpha
    from benchmark.models.registry import create_model
    from benchmark.scoring.score_run import quantization_of

    torch.manual_seed(0)
    path = tmp_path / "w.pt"
    torch.save(create_model("timinet_basic").state_dict(), path)
    rec = score_model(
        "timinet_basic",
        comp_dataset,
        tmp_path / "r",
        checkpoint=path,
        policy="official",
        limit=1,
        save_preds=True,
    )
    assert rec.n_failed == 0, rec.extra["failures"]
    p = rec.protocol
    assert (p.resolution, p.quantization) == ("official", "truncate")
    assert rec.extra["quantization_source"] == "official"
    assert rec.extra["run_key"]["inference"]["policy"] == "official"
    assert "official script" in rec.extra["known_regions"]
    model = create_model("timinet_basic", checkpoint=path).eval()
    s = discover_dataset(comp_dataset).samples[0]
    expected = quantize_alpha(model.official_predict(read_rgb(s.image), read_trimap(s.trimap)))
    np.testing.assert_array_equal(
        read_alpha(Path(rec.extra["run_dir"]) / "preds" / f"{s.name}.png"), expected
    )
    native = score_model(
        "timinet_basic", comp_dataset, tmp_path / "r", checkpoint=path, policy="native", limit=1
    )
    assert native.extra["run_id"] != rec.extra["run_id"]
    assert native.protocol.resolution == "native"

    class RoundingScript:  # a model whose released script rounds (e.g. mmagic's DIM)
        official_quantization = "round"

    assert quantization_of(RoundingScript(), "official", None) == ("round", "official")
    assert quantization_of(RoundingScript(), "native", None) == ("truncate", "default")
    assert quantization_of(RoundingScript(), "official", "truncate") == ("truncate", "requested")
