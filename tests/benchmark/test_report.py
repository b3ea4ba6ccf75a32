"""The HTML report from real run folders, on a tiny composite dataset and on alphamatting data."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from benchmark.cli import cli
from benchmark.report.figures import bar_chart_svg, error_colormap
from benchmark.report.html import DatasetLayout, build_report, write_report
from benchmark.scoring.protocol import Protocol, RunRecord
from human2k.errors import DatasetError, InputError
from human2k.images import read_alpha, write_png

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def make_dataset(root: Path, names: list[str], *, h=30, w=40) -> dict[str, np.ndarray]:
    """A composite-layout folder: merged/, alpha/ (per foreground), trimaps/ (per composite)."""
    rng = np.random.default_rng(0)
    gts = {}
    for name in names:
        fg = re.sub(r"_\d+$", "", name)
        gt = np.zeros((h, w), np.uint8)
        gt[:, w // 2 :] = 255
        gt[:, w // 2 - 3 : w // 2 + 3] = 128
        trimap = np.zeros((h, w), np.uint8)
        trimap[:, w // 2 :] = 255
        trimap[:, w // 2 - 6 : w // 2 + 6] = 128
        write_png(root / "merged" / f"{name}.png", rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        write_png(root / "alpha" / f"{fg}.png", gt)
        write_png(root / "trimaps" / f"{name}.png", trimap)
        gts[name] = gt
    return gts


def make_run(
    results: Path,
    model: str,
    images: list[str],
    preds: dict[str, np.ndarray] | None,
    *,
    dataset="comp1k",
    split="test",
    trimap_source="official",
    dataset_dir: Path | None = None,
    seed=None,
) -> Path:
    protocol = Protocol(dataset=dataset, split=split, trimap_source=trimap_source)
    extra = {"dataset_dir": str(dataset_dir)} if dataset_dir else {}
    record = RunRecord(
        protocol=protocol,
        model=model,
        seed=seed,
        n_images=len(images),
        extra=extra,
        checkpoint_sha256=str(seed),
    )
    run_dir = results / dataset / model / f"run-{split}-{seed}"
    run_dir.mkdir(parents=True)
    sad = np.arange(1, len(images) + 1, dtype=float) * (2.0 if model == "b" else 1.0)
    pd.DataFrame(
        {"image": images, "sad": sad, "mse": sad / 1000, "grad": sad, "conn": sad, "seconds": 0.1}
    ).to_csv(run_dir / "per_image.csv", index=False)
    (run_dir / "run.json").write_text(record.to_json())
    for name, pred in (preds or {}).items():
        write_png(run_dir / "preds" / f"{name}.png", pred)
    return run_dir


def images_in(html: str) -> list[np.ndarray]:
    return [
        np.asarray(Image.open(io.BytesIO(base64.b64decode(b))))
        for b in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    ]


def test_error_colormap_endpoints_and_dimming():
    err = np.array([[0.0, 1.0, 1.0]])
    out = error_colormap(err, unknown=np.array([[True, True, False]]))
    assert out[0, 0].tolist() == [0, 0, 4] and out[0, 1].tolist() == [252, 255, 164]
    assert out[0, 2].tolist() == [
        88,
        89,
        57,
    ]  # 35 % of the full-error colour outside the unknown band


def test_bar_chart_scales_bars_and_draws_error_bars():
    svg = bar_chart_svg(
        "SAD (/1e3, unknown)", ["a", "b", "c"], [1.0, 2.0, float("nan")], [float("nan"), 0.5, 0.1]
    )
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert len(widths) == 2 and widths[1] == pytest.approx(widths[0] * 2, rel=1e-3)
    assert svg.count("<line") == 1 and "n/a" in svg and "SAD (/1e3, unknown)" in svg


def test_report_shows_inputs_predictions_and_exact_error_maps(tmp_path):
    names = ["fgA_0", "fgA_1", "fgB_0"]
    gts = make_dataset(tmp_path / "data", names)
    pred_a = {n: np.clip(g.astype(int) + 40, 0, 255).astype(np.uint8) for n, g in gts.items()}
    make_run(tmp_path / "res", "a", names, pred_a, dataset_dir=tmp_path / "data")
    make_run(tmp_path / "res", "b", names, None)  # scored without --save-preds
    html = build_report(tmp_path / "res")
    assert html.startswith("<!DOCTYPE html>") and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "<script" not in html
    assert html.count("<svg") == 4  # one chart per metric
    assert html.count("no saved prediction") == 3
    pics = images_in(html)
    assert len(pics) == 3 * (3 + 2)  # input, trimap, GT, alpha a, error a per image
    # row 1: images are smaller than a thumbnail, so they come back bit-exact
    rgb, trimap, gt, pred, err = pics[:5]
    assert (
        rgb.shape == (30, 40, 3)
        and np.array_equal(gt, gts["fgA_0"])
        and np.array_equal(pred, pred_a["fgA_0"])
    )
    expected = error_colormap(
        np.abs(pred_a["fgA_0"].astype(int) - gts["fgA_0"]) / 255.0, trimap == 128
    )
    assert np.array_equal(err[..., :3], expected)
    assert "SAD 1, MSE 1" in html  # per-image caption in display scales (SAD /1e3, MSE x1e3)


def test_max_images_and_dataset_override(tmp_path):
    names = [f"img_{i}" for i in range(5)]
    gts = make_dataset(tmp_path / "data", names)
    make_run(tmp_path / "res", "a", names, gts)  # run.json has no dataset_dir
    html = build_report(tmp_path / "res", max_images=2)
    assert (
        "no dataset folder: pass --dataset" in html and len(images_in(html)) == 2
    )  # predictions only
    html = build_report(tmp_path / "res", dataset_dir=tmp_path / "data", max_images=2)
    assert len(images_in(html)) == 2 * 5 and "2 of 5 images shown" in html


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(DatasetError, match="neither a composite"):
        DatasetLayout(tmp_path)
    make_run(tmp_path / "res", "a", ["x"], None)
    with pytest.raises(InputError, match="max_images"):
        build_report(tmp_path / "res", max_images=0)
    with pytest.raises(InputError, match="dataset folder not found"):
        build_report(tmp_path / "res", dataset_dir=tmp_path / "nope")
    result = CliRunner().invoke(
        cli, ["report", "--results", str(tmp_path / "empty"), "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 1 and "results folder not found" in result.output


@pytest.mark.realdata
def test_report_on_alphamatting_images_via_cli(tmp_path):
    root = SHARED / "alphamatting"
    if not (root / "image" / "GT01.png").is_file():
        pytest.skip(f"alphamatting data not found under {root}")
    names = ["GT01", "GT02"]
    for kind, shift in (("trimap1", 10), ("trimap2", 30)):
        preds = {
            n: np.clip(read_alpha(root / "alpha" / f"{n}.png").astype(int) + shift, 0, 255).astype(
                np.uint8
            )
            for n in names
        }
        make_run(
            tmp_path / "res",
            "shifted",
            names,
            preds,
            dataset="alphamatting",
            split=kind,
            trimap_source=kind,
            dataset_dir=root,
        )
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli, ["report", "--results", str(tmp_path / "res"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    pics = images_in(html)
    assert (
        len(pics) == 2 * 2 * 5
        and max(p.shape[0] for p in pics) <= 200
        and max(p.shape[1] for p in pics) <= 200
    )
    assert html.count("<h2>") == 2  # one section per trimap kind (different protocols)
    # the trimap thumbnails differ between the two sections: each used its own trimap folder
    assert not np.array_equal(pics[1], pics[11])
    assert (
        write_report(tmp_path / "res", tmp_path / "again.html", max_images=1).stat().st_size
        < out.stat().st_size
    )
